"""Column types: every field family, as declared, stored and read back."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest

from dbshift import migrations, models
from dbshift.exceptions import NotSupportedError
from tests.backends.support import Harness

UTC = datetime.UTC
SOME_UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")

#: (field name, field, value, SQLite type, PostgreSQL type, SQLite stored, PostgreSQL stored)
TYPES: list[tuple[str, models.Field, Any, str, str, Any, Any]] = [
    ("binary", models.BinaryField(), b"\x00\x01'", "blob", "bytea", b"\x00\x01'", b"\x00\x01'"),
    ("flag", models.BooleanField(), True, "bool", "boolean", 1, True),
    ("name", models.CharField(max_length=20), "it's", "varchar(20)", "varchar(20)", "it's", "it's"),
    ("slug", models.SlugField(), "a-b", "varchar(50)", "varchar(50)", "a-b", "a-b"),
    ("email", models.EmailField(), "a@b.c", "varchar(254)", "varchar(254)", "a@b.c", "a@b.c"),
    ("url", models.URLField(), "http://x", "varchar(200)", "varchar(200)", "http://x", "http://x"),
    (
        "day",
        models.DateField(),
        datetime.date(2020, 1, 2),
        "date",
        "date",
        "2020-01-02",
        datetime.date(2020, 1, 2),
    ),
    (
        "moment",
        models.DateTimeField(),
        datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
        "datetime",
        "timestamp with time zone",
        "2020-01-02 03:04:05",
        datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
    ),
    (
        "price",
        models.DecimalField(max_digits=10, decimal_places=2),
        decimal.Decimal("12.34"),
        "decimal",
        "numeric(10, 2)",
        12.34,
        decimal.Decimal("12.34"),
    ),
    (
        "span",
        models.DurationField(),
        datetime.timedelta(days=1, microseconds=5),
        "bigint",
        "interval",
        86_400_000_005,
        datetime.timedelta(days=1, microseconds=5),
    ),
    ("ratio", models.FloatField(), 1.5, "real", "double precision", 1.5, 1.5),
    ("count", models.IntegerField(), -7, "integer", "integer", -7, -7),
    ("big", models.BigIntegerField(), 2**40, "bigint", "bigint", 2**40, 2**40),
    ("small", models.SmallIntegerField(), 7, "smallint", "smallint", 7, 7),
    ("pos", models.PositiveIntegerField(), 5, "integer", "integer", 5, 5),
    ("posbig", models.PositiveBigIntegerField(), 5, "bigint", "bigint", 5, 5),
    ("possmall", models.PositiveSmallIntegerField(), 5, "smallint", "smallint", 5, 5),
    ("ip", models.GenericIPAddressField(), "10.0.0.1", "char(39)", "inet", "10.0.0.1", "10.0.0.1"),
    ("data", models.JSONField(), {"a": [1, 2]}, "text", "jsonb", '{"a": [1, 2]}', {"a": [1, 2]}),
    ("body", models.TextField(), "long text", "text", "text", "long text", "long text"),
    (
        "clock",
        models.TimeField(),
        datetime.time(1, 2, 3),
        "time",
        "time without time zone",
        "01:02:03",
        datetime.time(1, 2, 3),
    ),
    ("uid", models.UUIDField(), SOME_UUID, "char(32)", "uuid", SOME_UUID.hex, SOME_UUID),
]

#: MariaDB's (type, stored value as PyMySQL reads it) for each field of TYPES.
MARIADB: dict[str, tuple[str, Any]] = {
    "binary": ("longblob", b"\x00\x01'"),
    "flag": ("tinyint(1)", 1),
    "name": ("varchar(20)", "it's"),
    "slug": ("varchar(50)", "a-b"),
    "email": ("varchar(254)", "a@b.c"),
    "url": ("varchar(200)", "http://x"),
    "day": ("date", datetime.date(2020, 1, 2)),
    "moment": ("datetime(6)", datetime.datetime(2020, 1, 2, 3, 4, 5)),
    "price": ("decimal(10,2)", decimal.Decimal("12.34")),
    "span": ("bigint", 86_400_000_005),
    "ratio": ("double", 1.5),
    "count": ("int", -7),
    "big": ("bigint", 2**40),
    "small": ("smallint", 7),
    "pos": ("int unsigned", 5),
    "posbig": ("bigint unsigned", 5),
    "possmall": ("smallint unsigned", 5),
    "ip": ("char(39)", "10.0.0.1"),
    "data": ("json", '{"a": [1, 2]}'),
    "body": ("longtext", "long text"),
    "clock": ("time(6)", datetime.timedelta(hours=1, minutes=2, seconds=3)),
    "uid": ("uuid", str(SOME_UUID)),
}


def expected_type(h: Harness, name: str, sqlite_type: str, pg_type: str) -> str:
    return {"sqlite": sqlite_type, "mysql": MARIADB[name][0]}.get(h.vendor, pg_type)


def expected_stored(h: Harness, name: str, sqlite_stored: Any, pg_stored: Any) -> Any:
    return {"sqlite": sqlite_stored, "mysql": MARIADB[name][1]}.get(h.vendor, pg_stored)


def create_everything() -> migrations.CreateModel:
    fields = [("id", models.BigAutoField(primary_key=True))]
    fields += [(name, field.clone()) for name, field, *_rest in TYPES]
    return migrations.CreateModel("Everything", fields)


def insert_literals(h: Harness, table: str, values: dict[str, tuple[models.Field, Any]]) -> None:
    """Insert one row, writing each value as the editor writes fill values."""
    adapter = h.db.schema_editor(None).adapter
    columns = ", ".join(h.quote(name) for name in values)
    literals = ", ".join(adapter.literal(field, value) for field, value in values.values())
    with h.connection.begin():
        h.connection.exec_driver_sql(
            f"INSERT INTO {table} ({columns}) VALUES ({literals})",
            execution_options={"no_parameters": True},
        )


def test_every_field_type_is_created_stored_and_read_back(h: Harness) -> None:
    h.migrate(create_everything())
    table = h.assert_schema_matches()["pages_everything"]

    for name, _field, _value, sqlite_type, pg_type, *_stored in TYPES:
        assert table.column(name).type == expected_type(h, name, sqlite_type, pg_type), name
    assert table.column("id").type == ("integer" if h.vendor == "sqlite" else "bigint")
    assert table.column("id").identity and table.column("id").primary_key

    insert_literals(
        h, "pages_everything", {name: (field, value) for name, field, value, *_ in TYPES}
    )
    row = h.rows("pages_everything", *(name for name, *_ in TYPES))[0]
    for (name, *_rest, sqlite_stored, pg_stored), stored in zip(TYPES, row, strict=True):
        wanted = expected_stored(h, name, sqlite_stored, pg_stored)
        got = str(stored) if name == "ip" else stored
        assert got == wanted, name

    h.unmigrate()
    assert h.schema() == {}


def test_positive_fields_refuse_negative_values(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Counter",
            [
                ("id", models.AutoField(primary_key=True)),
                ("hits", models.PositiveIntegerField()),
                ("small", models.PositiveSmallIntegerField(default=0)),
            ],
        )
    )
    table = h.assert_schema_matches()["pages_counter"]
    assert len(table.checks) == 2
    h.insert("pages_counter", hits=0, small=0)
    assert h.fails("INSERT INTO pages_counter (hits, small) VALUES (-1, 0)")
    assert h.fails("INSERT INTO pages_counter (hits, small) VALUES (1, -1)")
    assert h.rows("pages_counter", "hits") == [(0,)]


def test_json_field_refuses_invalid_json(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Doc",
            [("id", models.AutoField(primary_key=True)), ("data", models.JSONField(null=True))],
        )
    )
    h.assert_schema_matches()
    assert h.fails("INSERT INTO pages_doc (data) VALUES ('{not json')")
    h.execute("INSERT INTO pages_doc (data) VALUES (NULL)")
    h.execute("""INSERT INTO pages_doc (data) VALUES ('{"ok": true}')""")
    assert len(h.rows("pages_doc")) == 2


@pytest.mark.parametrize(
    ("target", "sqlite_type", "pg_type", "mariadb_type"),
    [
        (models.AutoField(primary_key=True), "integer", "integer", "int"),
        (models.BigAutoField(primary_key=True), "bigint", "bigint", "bigint"),
        (models.SmallAutoField(primary_key=True), "smallint", "smallint", "smallint"),
        (
            models.CharField(max_length=10, primary_key=True),
            "varchar(10)",
            "varchar(10)",
            "varchar(10)",
        ),
        # InnoDB keys join columns of one type: unsigned stays unsigned.
        (models.PositiveIntegerField(primary_key=True), "integer", "integer", "int unsigned"),
    ],
)
def test_foreign_key_columns_take_the_target_type(
    h: Harness, target: models.Field, sqlite_type: str, pg_type: str, mariadb_type: str
) -> None:
    h.migrate(
        migrations.CreateModel("Parent", [("key", target)]),
        migrations.CreateModel(
            "Child",
            [
                ("id", models.AutoField(primary_key=True)),
                ("parent", models.ForeignKey("pages.parent", models.CASCADE)),
                ("buddy", models.OneToOneField("pages.parent", models.CASCADE, related_name="+")),
            ],
        ),
    )
    child = h.assert_schema_matches()["pages_child"]
    wanted = {"sqlite": sqlite_type, "mysql": mariadb_type}.get(h.vendor, pg_type)
    assert child.column("parent_id").type == wanted
    assert child.column("buddy_id").type == wanted
    assert not child.column("parent_id").identity
    assert [fk.target_columns for fk in child.foreign_keys] == [("key",), ("key",)]


class Markdown(models.Field):
    """A custom field stored as text, mapped through ``internal_type``."""

    internal_type = "TextField"


class Exotic(models.Field):
    internal_type = "PointField"


def test_custom_fields_map_through_their_internal_type(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Page", [("id", models.AutoField(primary_key=True)), ("text", Markdown())]
        )
    )
    text_type = "longtext" if h.vendor == "mysql" else "text"
    assert h.assert_schema_matches()["pages_page"].column("text").type == text_type

    with pytest.raises(NotSupportedError, match="PointField"):
        h.migrate(migrations.AddField("Page", "where", Exotic(null=True)))
    assert "where" not in {column.name for column in h.table("pages_page").columns}


def test_every_field_type_as_a_database_default(h: Harness) -> None:
    h.migrate(migrations.CreateModel("Row", [("id", models.BigAutoField(primary_key=True))]))
    h.insert("pages_row", id=1)
    h.migrate(
        *(
            migrations.AddField("Row", name, _with_db_default(field, value))
            for name, field, value, *_rest in TYPES
        )
    )
    h.assert_schema_matches()
    h.execute("INSERT INTO pages_row (id) VALUES (2)")
    for row in h.rows("pages_row", *(name for name, *_ in TYPES)):
        for (name, *_rest, sqlite_stored, pg_stored), stored in zip(TYPES, row, strict=True):
            wanted = expected_stored(h, name, sqlite_stored, pg_stored)
            assert (str(stored) if name == "ip" else stored) == wanted, name
    h.unmigrate()
    h.assert_schema_matches()


def _with_db_default(field: models.Field, value: Any) -> models.Field:
    _path, args, kwargs = field.deconstruct()
    return type(field)(*args, **kwargs, db_default=value)
