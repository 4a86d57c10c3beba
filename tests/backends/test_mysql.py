"""The MySQL/MariaDB schema editor, checked against information_schema.

Every expectation is written by hand as MariaDB reports it, never derived from
the editor's own specs.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest

from dbshift import migrations, models
from dbshift.backends import Database
from dbshift.exceptions import DataLossError, NotSupportedError
from tests.backends.support import Harness, make_migration


def columns(h: Harness, table: str) -> dict[str, tuple[Any, ...]]:
    """Return ``name: (type, nullable, default, extra, comment)`` for each column of ``table``."""
    rows = h.execute(
        "SELECT column_name, column_type, is_nullable, column_default, extra, column_comment "
        "FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = %s",
        table,
    )
    return {row[0]: (row[1], row[2] == "YES", row[3], row[4], row[5]) for row in rows}


def column_types(h: Harness, table: str) -> dict[str, str]:
    return {name: info[0] for name, info in columns(h, table).items()}


def indexes(h: Harness, table: str) -> dict[str, tuple[bool, tuple[str, ...]]]:
    """Return ``name: (unique, columns)`` for each index of ``table``."""
    rows = h.execute(
        "SELECT index_name, non_unique, column_name FROM information_schema.statistics "
        "WHERE table_schema = DATABASE() AND table_name = %s ORDER BY index_name, seq_in_index",
        table,
    )
    found: dict[str, tuple[bool, tuple[str, ...]]] = {}
    for name, non_unique, column in rows:
        unique, names = found.get(name, (not non_unique, ()))
        found[name] = (unique, (*names, column))
    return found


def foreign_keys(h: Harness, table: str) -> dict[str, tuple[str, str]]:
    """Return ``name: (referenced table, delete rule)`` for each foreign key of ``table``."""
    rows = h.execute(
        "SELECT constraint_name, referenced_table_name, delete_rule "
        "FROM information_schema.referential_constraints "
        "WHERE constraint_schema = DATABASE() AND table_name = %s",
        table,
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def checks(h: Harness, table: str) -> dict[str, str]:
    rows = h.execute(
        "SELECT constraint_name, check_clause FROM information_schema.check_constraints "
        "WHERE constraint_schema = DATABASE() AND table_name = %s",
        table,
    )
    return {row[0]: row[1] for row in rows}


def tables(h: Harness) -> set[str]:
    rows = h.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    )
    return {row[0] for row in rows}


def parent_and_child(key: models.Field) -> tuple[migrations.CreateModel, migrations.CreateModel]:
    """Return the operations creating pages.Parent and pages.Child, whose ``parent`` is ``key``."""
    return (
        migrations.CreateModel("Parent", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Child", [("id", models.AutoField(primary_key=True)), ("parent", key)]
        ),
    )


def test_column_types_follow_django(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel(
            "Everything",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("char", models.CharField(max_length=10)),
                ("text", models.TextField()),
                ("moment", models.DateTimeField()),
                ("day", models.DateField()),
                ("time", models.TimeField()),
                ("flag", models.BooleanField()),
                ("price", models.DecimalField(max_digits=7, decimal_places=2)),
                ("ratio", models.FloatField()),
                ("count", models.PositiveIntegerField()),
                ("small", models.PositiveSmallIntegerField()),
                ("big", models.PositiveBigIntegerField()),
                ("blob", models.BinaryField()),
                ("span", models.DurationField()),
                ("address", models.GenericIPAddressField()),
                ("data", models.JSONField()),
                ("key", models.UUIDField()),
            ],
        )
    )
    assert column_types(maria, "pages_everything") == {
        "id": "bigint(20)",
        "char": "varchar(10)",
        "text": "longtext",
        "moment": "datetime(6)",
        "day": "date",
        "time": "time(6)",
        "flag": "tinyint(1)",
        "price": "decimal(7,2)",
        "ratio": "double",
        "count": "int(10) unsigned",
        "small": "smallint(5) unsigned",
        "big": "bigint(20) unsigned",
        "blob": "longblob",
        "span": "bigint(20)",
        "address": "char(39)",
        # MariaDB's json is an alias of longtext that checks JSON_VALID.
        "data": "longtext",
        # MariaDB 10.7 and later: the native type, as Django 5 creates it.
        "key": "uuid",
    }
    assert columns(maria, "pages_everything")["id"][3] == "auto_increment"
    assert maria.fails("INSERT INTO pages_everything (count) VALUES (-1)")


def test_keys_to_unsigned_columns_are_unsigned(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel("Seat", [("number", models.PositiveIntegerField(primary_key=True))]),
        migrations.CreateModel(
            "Ticket",
            [
                ("id", models.AutoField(primary_key=True)),
                ("seat", models.ForeignKey("pages.seat", models.CASCADE)),
            ],
        ),
    )
    assert column_types(maria, "pages_ticket") == {"id": "int(11)", "seat_id": "int(10) unsigned"}
    assert list(foreign_keys(maria, "pages_ticket").values()) == [("pages_seat", "CASCADE")]


def test_keys_of_the_same_column_in_two_tables(maria: Harness) -> None:
    # InnoDB's foreign key names are unique in the whole database.
    maria.migrate(
        migrations.CreateModel("Owner", [("id", models.AutoField(primary_key=True))]),
        *(
            migrations.CreateModel(
                name,
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("owner", models.ForeignKey("pages.owner", models.CASCADE)),
                ],
            )
            for name in ("Car", "Boat")
        ),
    )
    assert len(foreign_keys(maria, "pages_car")) == len(foreign_keys(maria, "pages_boat")) == 1
    assert set(foreign_keys(maria, "pages_car")) != set(foreign_keys(maria, "pages_boat"))


def test_modify_keeps_default_comment_and_auto_increment(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel(
            "Item",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=10, db_default="x", db_comment="The name")),
            ],
        )
    )
    maria.migrate(
        migrations.AlterField(
            "Item",
            "name",
            models.CharField(max_length=20, null=True, db_default="x", db_comment="The name"),
        ),
        migrations.AlterField("Item", "id", models.AutoField(primary_key=True, db_comment="Key")),
    )
    assert columns(maria, "pages_item") == {
        "id": ("int(11)", False, None, "auto_increment", "Key"),
        "name": ("varchar(20)", True, "'x'", "", "The name"),
    }
    maria.migrate(
        migrations.AlterField(
            "Item", "name", models.CharField(max_length=20, null=True, db_default="y")
        )
    )
    assert columns(maria, "pages_item")["name"] == ("varchar(20)", True, "'y'", "", "")


def test_text_and_json_columns_take_defaults(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel(
            "Note",
            [
                ("id", models.AutoField(primary_key=True)),
                ("body", models.TextField(db_default="it's")),
                ("data", models.JSONField(db_default={"a": 1})),
            ],
        )
    )
    maria.execute("INSERT INTO pages_note (id) VALUES (1)")
    assert maria.rows("pages_note") == [(1, "it's", '{"a": 1}')]
    maria.migrate(migrations.AddField("Note", "extra", models.TextField(default="filled")))
    assert maria.rows("pages_note", "extra") == [("filled",)]
    assert columns(maria, "pages_note")["extra"][2] is None
    maria.migrate(migrations.AlterField("Note", "body", models.TextField(db_default="new")))
    assert columns(maria, "pages_note")["body"][2] == "'new'"


def item_named(h: Harness, name: str) -> None:
    """Create pages.Item with a 20-character ``name`` and one row holding ``name``."""
    h.migrate(
        migrations.CreateModel(
            "Item",
            [("id", models.AutoField(primary_key=True)), ("name", models.CharField(max_length=20))],
        )
    )
    h.insert("pages_item", id=1, name=name)


def test_shortening_counts_characters_not_bytes(maria: Harness) -> None:
    item_named(maria, "é" * 8)
    maria.migrate(migrations.AlterField("Item", "name", models.CharField(max_length=10)))
    assert column_types(maria, "pages_item")["name"] == "varchar(10)"
    assert maria.rows("pages_item", "name") == [("é" * 8,)]


def test_shortening_refuses_rows_too_long(maria: Harness) -> None:
    item_named(maria, "a" * 15)
    with pytest.raises(DataLossError, match=r"pages_item\.name to max_length=5: 1 row"):
        maria.migrate(migrations.AlterField("Item", "name", models.CharField(max_length=5)))
    assert column_types(maria, "pages_item")["name"] == "varchar(20)"
    assert maria.rows("pages_item", "name") == [("a" * 15,)]


@pytest.mark.parametrize(
    ("on_delete", "options", "rule"),
    [
        (models.CASCADE, {}, "CASCADE"),
        (models.SET_NULL, {"null": True}, "SET NULL"),
        (models.PROTECT, {}, "RESTRICT"),
        (models.DO_NOTHING, {}, "RESTRICT"),
    ],
)
def test_on_delete_actions(
    maria: Harness, on_delete: Any, options: dict[str, Any], rule: str
) -> None:
    maria.migrate(
        *parent_and_child(models.ForeignKey("pages.parent", on_delete, **options)),
    )
    assert list(foreign_keys(maria, "pages_child").values()) == [("pages_parent", rule)]


def test_set_default_is_refused_before_the_table_is_created(maria: Harness) -> None:
    parent, child = parent_and_child(
        models.ForeignKey("pages.parent", models.SET_DEFAULT, db_default=1)
    )
    maria.migrate(parent)
    with pytest.raises(NotSupportedError, match=r"pages\.Child\.parent with on_delete=SET_DEFAULT"):
        maria.migrate(child)
    assert tables(maria) == {"pages_parent"}


def test_altering_a_key_column_drops_and_restores_the_key(maria: Harness) -> None:
    maria.migrate(
        *parent_and_child(models.ForeignKey("pages.parent", models.CASCADE)),
    )
    maria.insert("pages_parent", id=1)
    maria.insert("pages_child", id=1, parent_id=1)
    maria.migrate(migrations.AlterField("Parent", "id", models.BigAutoField(primary_key=True)))
    assert column_types(maria, "pages_child")["parent_id"] == "bigint(20)"
    assert column_types(maria, "pages_parent")["id"] == "bigint(20)"
    assert list(foreign_keys(maria, "pages_child").values()) == [("pages_parent", "CASCADE")]
    maria.migrate(
        migrations.AlterField(
            "Child", "parent", models.ForeignKey("pages.parent", models.SET_NULL, null=True)
        )
    )
    assert list(foreign_keys(maria, "pages_child").values()) == [("pages_parent", "SET NULL")]
    assert columns(maria, "pages_child")["parent_id"][1] is True
    maria.execute("DELETE FROM pages_parent")
    assert maria.rows("pages_child") == [(1, None)]


def test_every_key_column_has_an_index_of_its_own(maria: Harness) -> None:
    maria.migrate(
        *parent_and_child(models.ForeignKey("pages.parent", models.CASCADE, db_index=False)),
    )
    (name,) = foreign_keys(maria, "pages_child")
    found = indexes(maria, "pages_child")
    assert name not in found  # the index is dbshift's, not one InnoDB made for the key
    assert sorted(found.values()) == [(False, ("parent_id",)), (True, ("id",))]
    maria.migrate(migrations.RemoveField("Child", "parent"))
    assert indexes(maria, "pages_child") == {"PRIMARY": (True, ("id",))}


def test_renames_follow_fields_and_tables(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel("Parent", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Child",
            [
                ("id", models.AutoField(primary_key=True)),
                ("code", models.CharField(max_length=5, unique=True)),
                ("rank", models.PositiveIntegerField()),
                ("parent", models.ForeignKey("pages.parent", models.CASCADE)),
            ],
        ),
    )
    maria.migrate(
        migrations.RenameField("Child", "code", "label"),
        migrations.RenameField("Child", "rank", "level"),
        migrations.RenameField("Child", "parent", "mother"),
        migrations.RenameModel("Child", "Kid"),
    )
    assert tables(maria) == {"pages_parent", "pages_kid"}
    assert sorted(indexes(maria, "pages_kid").values()) == [
        (False, ("mother_id",)),
        (True, ("id",)),
        (True, ("label",)),
    ]
    assert all("code" not in name for name in indexes(maria, "pages_kid"))
    assert list(foreign_keys(maria, "pages_kid").values()) == [("pages_parent", "CASCADE")]
    assert all("kid" in name for name in foreign_keys(maria, "pages_kid"))
    assert list(checks(maria, "pages_kid").values()) == ["`level` >= 0"]
    assert maria.fails("INSERT INTO pages_kid (label, level, mother_id) VALUES ('a', -1, 1)")


def test_table_and_column_comments(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel(
            "Note",
            [("id", models.AutoField(primary_key=True, db_comment="It's the key"))],
            options={"db_table_comment": "Notes"},
        )
    )
    comment = "SELECT table_comment FROM information_schema.tables WHERE table_name = 'pages_note'"
    assert maria.execute(comment) == [("Notes",)]
    assert columns(maria, "pages_note")["id"][4] == "It's the key"
    maria.migrate(migrations.AlterModelTableComment("Note", None))
    assert maria.execute(comment) == [("",)]


def test_long_names_are_cut_to_64_characters(maria: Harness) -> None:
    table = "t" * 70
    maria.migrate(
        migrations.CreateModel(
            "Long",
            [
                ("id", models.AutoField(primary_key=True)),
                ("c" * 70, models.IntegerField(db_index=True)),
            ],
            options={"db_table": table},
        )
    )
    (name,) = tables(maria)
    assert len(name) == 64 and name.startswith("t" * 50)
    (column,) = set(columns(maria, name)) - {"id"}
    assert len(column) == 64
    assert all(len(index) <= 64 for index in indexes(maria, name))


def test_partial_indexes_are_built_whole_and_what_has_no_form_is_left_out(
    maria: Harness,
) -> None:
    top = models.Index(fields=["rank"], name="top", condition=models.Q(rank__gt=5))
    visible = models.UniqueConstraint(
        fields=["rank"], name="visible", condition=models.Q(rank__gt=0)
    )
    lowered = models.UniqueConstraint(models.functions.Lower("name"), name="lowered")
    maria.migrate(
        migrations.CreateModel(
            "Item",
            [
                ("id", models.AutoField(primary_key=True)),
                ("rank", models.IntegerField()),
                ("name", models.CharField(max_length=10)),
            ],
            options={"indexes": [top], "constraints": [visible]},
        ),
        migrations.AddConstraint("Item", lowered),
        migrations.RenameIndex("Item", new_name="high", old_name="top"),
        migrations.AddIndex("Item", models.Index(fields=["name"], name="named")),
    )
    # MySQL has no partial indexes, MariaDB no indexes over expressions: as Django,
    # dbshift builds a partial index whole and leaves out partial unique rules and
    # expressions, so that the same migrations run everywhere.
    assert set(indexes(maria, "pages_item")) == {"PRIMARY", "high", "named"}
    assert maria.execute(
        "SELECT column_name FROM information_schema.statistics WHERE table_schema = "
        "DATABASE() AND table_name = 'pages_item' AND index_name = 'high'"
    ) == [("rank",)]
    maria.execute("INSERT INTO pages_item (`rank`, name) VALUES (1, 'a'), (1, 'A')")
    maria.migrate(
        migrations.RemoveIndex("Item", "high"),
        migrations.RemoveConstraint("Item", "visible"),
        migrations.RemoveConstraint("Item", "lowered"),
    )
    assert set(indexes(maria, "pages_item")) == {"PRIMARY", "named"}


def mysql_sql(*operations: migrations.Operation) -> list[str]:
    """Return the SQL for a MySQL 8 server, without connecting to one."""
    database = Database("mysql+pymysql://nobody@127.0.0.1:1/none")
    # What the dialect learns from a MySQL server when it first connects to one.
    database.engine.dialect.server_version_info = (8, 0, 36)
    editor = database.schema_editor(None, collect=True)
    from dbshift.migrations.state import ProjectState

    make_migration(operations).apply(ProjectState(), editor)
    return editor.collected_sql


def test_keys_longer_than_innodb_allows_are_refused_on_mysql() -> None:
    def create(field: models.Field) -> migrations.CreateModel:
        return migrations.CreateModel(
            "Item", [("id", models.AutoField(primary_key=True)), ("name", field)]
        )

    assert mysql_sql(create(models.CharField(max_length=768, unique=True)))
    with pytest.raises(NotSupportedError, match=r"index pages\.Item\.name on MySQL.*3076 bytes"):
        mysql_sql(create(models.CharField(max_length=769, unique=True)))
    with pytest.raises(NotSupportedError, match=r"pages\.Item\.name on MySQL: a TextField"):
        mysql_sql(create(models.TextField(db_index=True)))
    latin = models.CharField(max_length=3000, db_index=True, db_collation="latin1_swedish_ci")
    assert mysql_sql(create(latin))


def test_sql_of_a_new_table() -> None:
    assert mysql_sql(
        migrations.CreateModel(
            "Item",
            [
                ("id", models.AutoField(primary_key=True)),
                ("body", models.TextField(db_default="x", db_comment="Body")),
                ("rank", models.PositiveSmallIntegerField(null=True)),
            ],
        )
    ) == [
        "CREATE TABLE pages_item (\n"
        "    id INTEGER NOT NULL AUTO_INCREMENT,\n"
        "    body LONGTEXT NOT NULL DEFAULT ('x') COMMENT 'Body',\n"
        "    `rank` SMALLINT UNSIGNED NULL,\n"
        "    PRIMARY KEY (id),\n"
        "    CONSTRAINT pages_item_rank_5dedf5b7_check CHECK (`rank` >= 0)\n"
        ");"
    ]


def test_check_constraints_and_unique_rules(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel(
            "Entry",
            [
                ("id", models.AutoField(primary_key=True)),
                ("title", models.CharField(max_length=20)),
                ("rank", models.IntegerField(default=0)),
                ("hidden", models.BooleanField(default=False)),
            ],
        )
    )
    maria.insert("pages_entry", id=1, title="a", rank=1, hidden=False)
    sane = models.Q(rank__gte=0) & (models.Q(hidden=True) | ~models.Q(title=""))
    maria.migrate(
        migrations.AddConstraint("Entry", models.CheckConstraint(condition=sane, name="sane")),
        migrations.AddConstraint(
            "Entry", models.UniqueConstraint(fields=["title", "rank"], name="unique_title")
        ),
    )
    assert set(checks(maria, "pages_entry")) == {"sane"}
    assert indexes(maria, "pages_entry")["unique_title"] == (True, ("title", "rank"))
    assert maria.fails("UPDATE pages_entry SET `rank` = -1")
    assert maria.fails("UPDATE pages_entry SET title = ''")
    assert maria.fails("INSERT INTO pages_entry (title, `rank`, hidden) VALUES ('a', 1, true)")
    maria.unmigrate()
    assert checks(maria, "pages_entry") == {}
    assert set(indexes(maria, "pages_entry")) == {"PRIMARY"}
    maria.execute("UPDATE pages_entry SET `rank` = -1")


SOME_UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")
UTC = datetime.UTC
#: (field, value written, value the driver reads, value read back for the field)
VALUES: dict[str, tuple[models.Field, Any, Any, Any]] = {
    "binary": (models.BinaryField(), b"\x00\x01'\\", b"\x00\x01'\\", b"\x00\x01'\\"),
    "flag": (models.BooleanField(), True, 1, True),
    "name": (models.CharField(max_length=20), "it's a\\b", "it's a\\b", "it's a\\b"),
    "day": (models.DateField(), datetime.date(2020, 1, 2), datetime.date(2020, 1, 2), None),
    "moment": (
        models.DateTimeField(),
        datetime.datetime(
            2020, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        datetime.datetime(2020, 1, 2, 1, 4, 5, 6),
        datetime.datetime(2020, 1, 2, 1, 4, 5, 6, tzinfo=UTC),
    ),
    "price": (
        models.DecimalField(max_digits=10, decimal_places=2),
        decimal.Decimal("12.34"),
        decimal.Decimal("12.34"),
        decimal.Decimal("12.34"),
    ),
    "span": (
        models.DurationField(),
        datetime.timedelta(days=1, microseconds=5),
        86_400_000_005,
        datetime.timedelta(days=1, microseconds=5),
    ),
    "ratio": (models.FloatField(), 1.5, 1.5, 1.5),
    "pos": (models.PositiveIntegerField(), 5, 5, 5),
    "ip": (models.GenericIPAddressField(), "10.0.0.1", "10.0.0.1", "10.0.0.1"),
    "data": (models.JSONField(), {"a": [1, "\\"]}, '{"a": [1, "\\\\"]}', {"a": [1, "\\"]}),
    "clock": (
        models.TimeField(),
        datetime.time(1, 2, 3, 4),
        datetime.timedelta(hours=1, minutes=2, seconds=3, microseconds=4),
        datetime.time(1, 2, 3, 4),
    ),
    "uid": (models.UUIDField(), SOME_UUID, str(SOME_UUID), SOME_UUID),
}


def test_values_are_written_and_read_as_django_stores_them(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel(
            "Value",
            [("id", models.AutoField(primary_key=True))]
            + [(name, field.clone()) for name, (field, *_rest) in VALUES.items()],
        )
    )
    adapter = maria.db.schema_editor(None).adapter
    names = ", ".join(maria.quote(name) for name in VALUES)
    literals = ", ".join(adapter.literal(field, value) for field, value, *_ in VALUES.values())
    maria.execute(f"INSERT INTO pages_value ({names}) VALUES ({literals})")
    maria.execute(
        f"INSERT INTO pages_value ({names}) VALUES ({', '.join(['%s'] * len(VALUES))})",
        *(adapter.to_param(field, value) for field, value, *_ in VALUES.values()),
    )
    for row in maria.rows("pages_value", *VALUES):
        for (name, (field, value, stored, loaded)), got in zip(VALUES.items(), row, strict=True):
            assert got == stored, name
            assert adapter.from_db(field, got) == (value if loaded is None else loaded), name


def test_checks_go_before_their_column_is_renamed_and_come_back_after() -> None:
    # MySQL 8 refuses to rename a column a check uses, and renames no constraint.
    statements = mysql_sql(
        migrations.CreateModel(
            "Item",
            [("id", models.AutoField(primary_key=True)), ("rank", models.PositiveIntegerField())],
        ),
        migrations.RenameField("Item", "rank", "level"),
    )[1:]
    assert [statement.split(" (")[0] for statement in statements] == [
        "ALTER TABLE pages_item DROP CONSTRAINT pages_item_rank_5dedf5b7_check;",
        "ALTER TABLE pages_item RENAME COLUMN `rank` TO level;",
        "ALTER TABLE pages_item ADD CONSTRAINT pages_item_level_86360cff_check CHECK",
    ]


def test_now_as_a_default_keeps_microseconds(maria: Harness) -> None:
    create = migrations.CreateModel(
        "Stamp",
        [
            ("id", models.AutoField(primary_key=True)),
            ("at", models.DateTimeField(db_default=models.functions.Now())),
        ],
    )
    # MySQL keeps whole seconds of a bare CURRENT_TIMESTAMP; MariaDB adapts it.
    assert "    at DATETIME(6) NOT NULL DEFAULT (CURRENT_TIMESTAMP(6)),\n" in mysql_sql(create)[0]
    maria.migrate(create)
    assert columns(maria, "pages_stamp")["at"][2] == "current_timestamp(6)"
    maria.execute("INSERT INTO pages_stamp (id) VALUES (1)")
    assert maria.execute("SELECT at IS NOT NULL FROM pages_stamp") == [(1,)]


def test_a_key_keeps_an_index_while_its_index_changes(maria: Harness) -> None:
    # InnoDB refuses to drop the last index a foreign key can use.
    maria.migrate(*parent_and_child(models.ForeignKey("pages.parent", models.CASCADE)))
    maria.migrate(
        migrations.AlterField(
            "Child", "parent", models.ForeignKey("pages.parent", models.CASCADE, unique=True)
        )
    )
    assert sorted(indexes(maria, "pages_child").values()) == [
        (True, ("id",)),
        (True, ("parent_id",)),
    ]
    maria.unmigrate()
    assert sorted(indexes(maria, "pages_child").values()) == [
        (False, ("parent_id",)),
        (True, ("id",)),
    ]
    assert list(foreign_keys(maria, "pages_child").values()) == [("pages_parent", "CASCADE")]


def test_uuid_type_follows_the_server_once_met(mariadb_url: str) -> None:
    # A mysql:// URL says nothing of MariaDB until the first connection does.
    database = Database(mariadb_url)
    try:
        database.schema_editor(None, collect=True)
        with database.connect() as connection:
            h = Harness(mariadb_url, connection, database)
            h.migrate(
                migrations.CreateModel(
                    "Item",
                    [("id", models.AutoField(primary_key=True)), ("key", models.UUIDField())],
                )
            )
            h.insert("pages_item", id=1, key=str(SOME_UUID))
            assert column_types(h, "pages_item")["key"] == "uuid"
    finally:
        database.dispose()


def test_checks_in_a_column_definition_survive_or_go_with_it(maria: Harness) -> None:
    # Django writes a positive field's check in the column's definition on MariaDB, where
    # MODIFY COLUMN drops it silently and DROP CONSTRAINT cannot find it.
    maria.migrate(
        migrations.CreateModel(
            "Item",
            [("id", models.AutoField(primary_key=True)), ("rank", models.PositiveIntegerField())],
        )
    )
    (dbshift_check,) = checks(maria, "pages_item")
    maria.execute(f"ALTER TABLE pages_item DROP CONSTRAINT {dbshift_check}")
    maria.execute(
        "ALTER TABLE pages_item MODIFY COLUMN `rank` int unsigned NOT NULL CHECK (`rank` >= 0)"
    )
    maria.migrate(migrations.AlterField("Item", "rank", models.PositiveIntegerField(null=True)))
    assert checks(maria, "pages_item") == {"rank": "`rank` >= 0"}
    assert columns(maria, "pages_item")["rank"][1] is True
    assert maria.fails("INSERT INTO pages_item (`rank`) VALUES (-1)")
    maria.migrate(migrations.AlterField("Item", "rank", models.IntegerField(null=True)))
    assert checks(maria, "pages_item") == {}
    maria.execute("INSERT INTO pages_item (`rank`) VALUES (-1)")


def test_renaming_a_model_finds_keys_named_by_another_tool(maria: Harness) -> None:
    maria.migrate(
        migrations.CreateModel("Tag", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Page",
            [
                ("id", models.AutoField(primary_key=True)),
                ("tags", models.ManyToManyField("pages.tag")),
            ],
        ),
    )
    # A key as Django names it, which dbshift finds by what it is.
    (ours,) = [
        name
        for name, (target, _) in foreign_keys(maria, "pages_page_tags").items()
        if target == "pages_tag"
    ]
    maria.execute(f"ALTER TABLE pages_page_tags DROP FOREIGN KEY {ours}")
    maria.execute(
        "ALTER TABLE pages_page_tags ADD CONSTRAINT pages_page_tags_tag_id_fk_pages_tag_id "
        "FOREIGN KEY (tag_id) REFERENCES pages_tag (id) ON DELETE CASCADE"
    )
    maria.migrate(migrations.RenameModel("Tag", "Label"))
    keys = foreign_keys(maria, "pages_page_tags")
    assert sorted(keys.values()) == [("pages_label", "CASCADE"), ("pages_page", "CASCADE")]
    assert "pages_page_tags_tag_id_fk_pages_tag_id" not in keys
    assert "label_id" in columns(maria, "pages_page_tags")
