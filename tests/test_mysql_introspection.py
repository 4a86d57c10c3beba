"""Introspection of MySQL and MariaDB tables written by hand, against hand-written results."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dbshift.backends.database import Database
from dbshift.backends.existing import read_existing
from dbshift.backends.introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, introspect
from dbshift.backends.mysql_introspection import canonical_type, constant_value

TABLES = [
    "CREATE TABLE author (id int AUTO_INCREMENT PRIMARY KEY)",
    """CREATE TABLE book (
        id bigint AUTO_INCREMENT PRIMARY KEY,
        pages int NOT NULL DEFAULT 0,
        title varchar(100) NOT NULL DEFAULT 'it''s',
        published bool NOT NULL DEFAULT 1,
        price decimal(5, 2) DEFAULT 1.5,
        body longtext,
        extra json,
        token uuid,
        added datetime(6) NOT NULL DEFAULT current_timestamp(6),
        code varchar(10) COLLATE utf8mb4_bin COMMENT 'shelf code',
        copies int unsigned,
        author_id int,
        editor_id int,
        CONSTRAINT book_pages_check CHECK (pages >= 0),
        CONSTRAINT book_author_fk FOREIGN KEY (author_id) REFERENCES author (id)
            ON DELETE CASCADE,
        CONSTRAINT book_editor_fk FOREIGN KEY (editor_id) REFERENCES author (id)
            ON DELETE RESTRICT,
        UNIQUE KEY book_title_uniq (title),
        KEY book_pages_added_idx (pages, added DESC),
        KEY book_author_id_idx (author_id)
    )""",
]


def test_a_hand_made_table_reads_back_in_canonical_types_values_and_keys(
    mariadb_url: str,
) -> None:
    database = Database(mariadb_url)
    with database.connect() as connection:
        for statement in TABLES:
            connection.exec_driver_sql(statement)
        schema = introspect(connection)
    database.dispose()

    book = schema["book"]
    assert sorted(schema) == ["author", "book"]
    assert book.columns == (
        ColumnInfo("added", "datetime(6)", False, "current_timestamp", False, False),
        ColumnInfo("author_id", "int", True, None, False, False),
        ColumnInfo("body", "longtext", True, None, False, False),
        ColumnInfo("code", "varchar(10)", True, None, False, False, "shelf code", "utf8mb4_bin"),
        ColumnInfo("copies", "int unsigned", True, None, False, False),
        ColumnInfo("editor_id", "int", True, None, False, False),
        ColumnInfo("extra", "json", True, None, False, False),
        ColumnInfo("id", "bigint", False, None, True, True),
        ColumnInfo("pages", "int", False, "0", False, False),
        ColumnInfo("price", "decimal(5,2)", True, "1.50", False, False),
        ColumnInfo("published", "tinyint(1)", False, "1", False, False),
        ColumnInfo("title", "varchar(100)", False, "it's", False, False),
        ColumnInfo("token", "uuid", True, None, False, False),
    )
    assert book.primary_key == ("id",)
    # The editor's key has no index of its own: MySQL made one, named after the key.
    assert book.indexes == frozenset(
        {
            IndexInfo("book_title_uniq", ("title",), True, False, (False,)),
            IndexInfo("book_pages_added_idx", ("pages", "added"), False, False, (False, True)),
            IndexInfo("book_author_id_idx", ("author_id",), False, False, (False,)),
        }
    )
    # A unique rule is a unique index: MySQL has no UNIQUE constraint apart from it.
    assert book.unique_constraints == frozenset()
    assert book.foreign_keys == frozenset(
        {
            ForeignKeyInfo("book_author_fk", ("author_id",), "author", ("id",), "CASCADE"),
            # InnoDB's RESTRICT is NO ACTION, which SHOW CREATE TABLE leaves out.
            ForeignKeyInfo("book_editor_fk", ("editor_id",), "author", ("id",), None),
        }
    )
    assert book.checks == ("book_pages_check",)


@pytest.mark.parametrize(
    ("declared", "canonical"),
    [
        ("BOOL", "tinyint(1)"),
        ("BOOLEAN", "tinyint(1)"),
        ("INTEGER", "int"),
        ("INTEGER(11)", "int"),
        ("INTEGER(10) UNSIGNED", "int unsigned"),
        ("BIGINT(20)", "bigint"),
        ("SMALLINT(6)", "smallint"),
        ("TINYINT(1)", "tinyint(1)"),
        ("NUMERIC(10, 2)", "decimal(10,2)"),
        ("decimal(10,2)", "decimal(10,2)"),
        ("DOUBLE PRECISION", "double"),
        ("VARCHAR(20) CHARACTER SET utf8mb4", "varchar(20)"),
        ("DATETIME(6)", "datetime(6)"),
        ("CHAR(32)", "char(32)"),
    ],
)
def test_spellings_of_one_type_are_one_type(declared: str, canonical: str) -> None:
    assert canonical_type(declared) == canonical


@pytest.mark.parametrize(
    ("constant", "type_text", "value"),
    [
        ("1.5", "decimal(5,2)", "1.50"),
        ("true", "tinyint(1)", "1"),
        ("'7'", "int", "7"),
        ("1e3", "double", "1000.0"),
        ("'2020-01-02'", "date", "2020-01-02"),
        ("'it''s'", "varchar(10)", "it's"),
    ],
)
def test_a_constant_default_compares_by_its_value_in_the_column_type(
    mariadb_url: str, constant: str, type_text: str, value: str
) -> None:
    engine = sa.create_engine(mariadb_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        assert constant_value(connection, constant, type_text) == value
    engine.dispose()


def test_checks_written_in_a_column_definition_are_found_by_their_condition(
    mariadb_url: str,
) -> None:
    """Django writes MySQL's ``>= 0`` checks inside the column, where MariaDB names them
    after the column; dbshift must find them to drop them."""
    database = Database(mariadb_url)
    with database.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE tag (rank int CHECK (rank >= 0), extra json, "
            "CONSTRAINT tag_named_check CHECK (rank < 100))"
        )
        found = read_existing(connection, "tag")
    database.dispose()
    checks = sorted((item.name, item.condition) for item in found if item.kind == "check")
    assert checks == [("rank", "rank>=0"), ("tag_named_check", "rank<100")]
