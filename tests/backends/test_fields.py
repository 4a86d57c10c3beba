"""Columns: add, remove, alter and rename fields, keeping every row."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from dbshift import migrations, models
from dbshift.exceptions import MigrationFailedError
from tests.backends.support import Harness


def create_item(*extra: tuple[str, models.Field]) -> migrations.CreateModel:
    return migrations.CreateModel(
        "Item",
        [
            ("id", models.AutoField(primary_key=True)),
            ("name", models.CharField(max_length=10, default="")),
            *extra,
        ],
    )


def with_items(h: Harness, *extra: tuple[str, models.Field], **values: object) -> None:
    h.migrate(create_item(*extra))
    for number in (1, 2):
        h.insert("pages_item", id=number, name=f"n{number}", **values)


def columns(h: Harness, table: str = "pages_item") -> set[str]:
    return {column.name for column in h.table(table).columns}


def test_add_nullable_field_then_remove_it(h: Harness) -> None:
    with_items(h)
    h.migrate(migrations.AddField("Item", "note", models.TextField(null=True)))
    h.assert_schema_matches()
    assert h.rows("pages_item", "note") == [(None,), (None,)]
    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("pages_item") == [(1, "n1"), (2, "n2")]


@pytest.mark.parametrize("preserve_default", [True, False])
def test_add_not_null_field_fills_rows_and_leaves_no_default(
    h: Harness, preserve_default: bool
) -> None:
    with_items(h)
    h.migrate(
        migrations.AddField(
            "Item", "rank", models.IntegerField(default=7), preserve_default=preserve_default
        )
    )
    table = h.assert_schema_matches()["pages_item"]
    assert table.column("rank").default is None
    assert not table.column("rank").nullable
    assert h.rows("pages_item", "rank") == [(7,), (7,)]
    assert h.fails("INSERT INTO pages_item (id, name) VALUES (3, 'x')")
    h.unmigrate()
    assert columns(h) == {"id", "name"}


def test_add_field_with_callable_default_evaluates_it_once(h: Harness) -> None:
    calls = []

    def stamp() -> str:
        calls.append(1)
        return f"s{len(calls)}"

    with_items(h)
    h.migrate(migrations.AddField("Item", "stamp", models.CharField(max_length=5, default=stamp)))
    assert h.rows("pages_item", "stamp") == [("s1",), ("s1",)]


def test_add_field_with_db_default_keeps_it(h: Harness) -> None:
    with_items(h)
    h.migrate(
        migrations.AddField("Item", "state", models.CharField(max_length=8, db_default="new"))
    )
    table = h.assert_schema_matches()["pages_item"]
    assert table.column("state").default is not None
    h.execute("INSERT INTO pages_item (id, name) VALUES (3, 'x')")
    assert h.rows("pages_item", "state") == [("new",), ("new",), ("new",)]
    h.unmigrate()
    h.assert_schema_matches()


def test_add_unique_indexed_and_foreign_key_fields(h: Harness) -> None:
    with_items(h)
    h.migrate(
        migrations.CreateModel("Group", [("id", models.AutoField(primary_key=True))]),
        migrations.AddField("Item", "code", models.CharField(max_length=5, null=True, unique=True)),
        migrations.AddField("Item", "size", models.IntegerField(default=0, db_index=True)),
        migrations.AddField(
            "Item", "group", models.ForeignKey("pages.group", models.CASCADE, null=True)
        ),
    )
    table = h.assert_schema_matches()["pages_item"]
    uniques = {u.columns for u in table.unique_constraints} | {
        i.columns for i in table.indexes if i.unique
    }
    assert uniques == {("code",)}
    assert {i.columns for i in table.indexes if not (i.unique or _like(i))} == {
        ("size",),
        ("group_id",),
    }
    # PostgreSQL also gets the LIKE-friendly index of the unique text column, as in Django.
    expected_like = [("code",)] if h.vendor == "postgresql" else []
    assert [i.columns for i in table.indexes if _like(i)] == expected_like
    assert [fk.target_table for fk in table.foreign_keys] == ["pages_group"]
    h.execute("UPDATE pages_item SET code = 'a' WHERE id = 1")
    assert h.fails("UPDATE pages_item SET code = 'a' WHERE id = 2")
    assert h.fails("UPDATE pages_item SET group_id = 9 WHERE id = 2")
    h.unmigrate()
    assert h.assert_schema_matches().keys() == {"pages_item"}
    assert h.rows("pages_item") == [(1, "n1"), (2, "n2")]


def test_remove_field_and_bring_it_back(h: Harness) -> None:
    with_items(h, ("rank", models.IntegerField(default=3, db_index=True)), rank=5)
    h.migrate(migrations.RemoveField("Item", "rank"))
    h.assert_schema_matches()
    assert h.rows("pages_item") == [(1, "n1"), (2, "n2")]
    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("pages_item", "name", "rank") == [("n1", 3), ("n2", 3)]


def test_alter_integer_to_bigint_keeps_values(h: Harness) -> None:
    with_items(h, ("rank", models.IntegerField(default=0)), rank=2**31 - 1)
    h.migrate(migrations.AlterField("Item", "rank", models.BigIntegerField(default=0)))
    assert h.assert_schema_matches()["pages_item"].column("rank").type == "bigint"
    h.execute(f"UPDATE pages_item SET rank = {2**40} WHERE id = 2")
    assert h.rows("pages_item", "rank") == [(2**31 - 1,), (2**40,)]
    h.execute("UPDATE pages_item SET rank = 1 WHERE id = 2")
    h.unmigrate()
    integer = "int" if h.vendor == "mysql" else "integer"
    assert h.assert_schema_matches()["pages_item"].column("rank").type == integer
    assert h.rows("pages_item", "rank") == [(2**31 - 1,), (1,)]


def test_alter_varchar_length_both_ways(h: Harness) -> None:
    with_items(h)
    h.migrate(migrations.AlterField("Item", "name", models.CharField(max_length=40, default="")))
    assert h.assert_schema_matches()["pages_item"].column("name").type == "varchar(40)"
    assert h.rows("pages_item", "name") == [("n1",), ("n2",)]
    h.unmigrate()
    assert h.assert_schema_matches()["pages_item"].column("name").type == "varchar(10)"


def test_shortening_sql_refuses_longer_values_instead_of_cutting_them(pg: Harness) -> None:
    # What sqlmigrate shows must be as safe when run by hand as migrate, which
    # checks the rows first: PostgreSQL's explicit cast to VARCHAR(5) would cut.
    with_items(pg, ("note", models.TextField(default="")), note="abcdefgh")
    shorten = migrations.AlterField("Item", "note", models.CharField(max_length=5, default=""))
    (statement,) = pg.collect(shorten)
    with pytest.raises(sa.exc.DBAPIError, match="value too long for type character varying"):
        pg.execute(statement)
    assert pg.rows("pages_item", "note") == [("abcdefgh",), ("abcdefgh",)]


def test_alter_integer_to_varchar_converts_values(h: Harness) -> None:
    with_items(h, ("rank", models.IntegerField(default=0)), rank=42)
    h.migrate(migrations.AlterField("Item", "rank", models.CharField(max_length=5, default="")))
    assert h.assert_schema_matches()["pages_item"].column("rank").type == "varchar(5)"
    assert h.rows("pages_item", "rank") == [("42",), ("42",)]


def test_alter_text_to_integer_casts_existing_values(pg: Harness) -> None:
    with_items(pg, ("amount", models.TextField(default="0")), amount="42")
    pg.migrate(migrations.AlterField("Item", "amount", models.IntegerField(default=0)))
    pg.assert_schema_matches()
    assert pg.rows("pages_item", "amount") == [(42,), (42,)]
    pg.unmigrate()
    assert pg.rows("pages_item", "amount") == [("42",), ("42",)]


def test_null_to_not_null_fills_nulls_from_the_default(h: Harness) -> None:
    with_items(h, ("note", models.CharField(max_length=5, null=True)))
    h.execute("UPDATE pages_item SET note = 'kept' WHERE id = 2")
    h.migrate(
        migrations.AlterField(
            "Item", "note", models.CharField(max_length=5, default="none"), preserve_default=False
        )
    )
    table = h.assert_schema_matches()["pages_item"]
    assert not table.column("note").nullable and table.column("note").default is None
    assert h.rows("pages_item", "note") == [("none",), ("kept",)]
    h.unmigrate()
    assert h.assert_schema_matches()["pages_item"].column("note").nullable
    assert h.rows("pages_item", "note") == [("none",), ("kept",)]


def test_null_to_not_null_without_a_default_fails_on_null_rows(h: Harness) -> None:
    with_items(h, ("note", models.CharField(max_length=5, null=True)))
    before = h.schema()
    with pytest.raises(MigrationFailedError):
        h.migrate(migrations.AlterField("Item", "note", models.CharField(max_length=5)))
    assert h.schema() == before


def test_alter_db_default_and_column_name(h: Harness) -> None:
    with_items(h, ("rank", models.IntegerField(db_default=1)))
    h.migrate(
        migrations.AlterField("Item", "rank", models.IntegerField(db_default=5, db_column="pos"))
    )
    h.assert_schema_matches()
    h.execute("INSERT INTO pages_item (id, name) VALUES (3, 'x')")
    assert h.rows("pages_item", "pos") == [(1,), (1,), (5,)]
    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("pages_item", "rank") == [(1,), (1,), (5,)]


def _like(index: Any) -> bool:
    """Return whether ``index`` is a LIKE-friendly index (Django names them ``*_like``)."""
    return index.name.endswith("_like")


def test_toggle_unique_and_index(h: Harness) -> None:
    with_items(h, ("code", models.CharField(max_length=5, null=True)))
    h.migrate(
        migrations.AlterField(
            "Item", "code", models.CharField(max_length=5, null=True, unique=True)
        )
    )
    h.assert_schema_matches()
    h.execute("UPDATE pages_item SET code = 'a' WHERE id = 1")
    assert h.fails("UPDATE pages_item SET code = 'a' WHERE id = 2")
    h.migrate(
        migrations.AlterField(
            "Item", "code", models.CharField(max_length=5, null=True, db_index=True)
        )
    )
    table = h.assert_schema_matches()["pages_item"]
    like = h.vendor == "postgresql"
    assert sorted((i.columns, i.unique, _like(i)) for i in table.indexes) == [
        (("code",), False, False),
        *([(("code",), False, True)] if like else []),
    ]
    h.unmigrate()
    h.unmigrate()
    assert h.assert_schema_matches()["pages_item"].indexes == frozenset()


def test_becoming_positive_adds_the_check(h: Harness) -> None:
    with_items(h, ("rank", models.IntegerField(default=0)), rank=3)
    h.migrate(migrations.AlterField("Item", "rank", models.PositiveIntegerField(default=0)))
    assert len(h.assert_schema_matches()["pages_item"].checks) == 1
    assert h.fails("UPDATE pages_item SET rank = -1")
    h.unmigrate()
    assert h.assert_schema_matches()["pages_item"].checks == ()
    h.execute("UPDATE pages_item SET rank = -1")


def test_plain_key_becomes_automatic_and_back(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Ticket",
            [("id", models.IntegerField(primary_key=True)), ("seat", models.IntegerField())],
        )
    )
    h.insert("pages_ticket", id=5, seat=1)
    h.migrate(migrations.AlterField("Ticket", "id", models.AutoField(primary_key=True)))
    assert h.assert_schema_matches()["pages_ticket"].column("id").identity
    h.execute("INSERT INTO pages_ticket (seat) VALUES (2)")
    assert h.rows("pages_ticket") == [(5, 1), (6, 2)]
    h.unmigrate()
    assert not h.assert_schema_matches()["pages_ticket"].column("id").identity
    assert h.rows("pages_ticket") == [(5, 1), (6, 2)]


def test_rename_field_keeps_data_indexes_and_relations(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Item",
            [
                ("id", models.AutoField(primary_key=True)),
                ("code", models.CharField(max_length=5, unique=True)),
                ("rank", models.PositiveIntegerField(default=0, db_index=True)),
            ],
            options={
                "indexes": [models.Index(fields=["-rank"], name="rank_desc")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(rank__lt=100), name="rank_small")
                ],
            },
        ),
        migrations.CreateModel(
            "Use",
            [
                ("id", models.AutoField(primary_key=True)),
                ("item", models.ForeignKey("pages.item", models.CASCADE, to_field="code")),
            ],
        ),
    )
    h.insert("pages_item", id=1, code="a", rank=3)
    h.insert("pages_use", id=1, item_id="a")

    h.migrate(
        migrations.RenameField("Item", "code", "label"),
        migrations.RenameField("Item", "rank", "level"),
        migrations.RenameField("Use", "item", "thing"),
    )
    schema = h.assert_schema_matches()
    assert {column.name for column in schema["pages_item"].columns} == {"id", "label", "level"}
    assert [fk.target_columns for fk in schema["pages_use"].foreign_keys] == [("label",)]
    assert h.rows("pages_item") == [(1, "a", 3)]
    assert h.rows("pages_use") == [(1, "a")]
    assert h.fails("UPDATE pages_item SET level = 100")
    assert h.fails("INSERT INTO pages_use (id, thing_id) VALUES (2, 'zz')")

    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("pages_use", "item_id") == [("a",)]


def test_collation_is_declared_and_changed(h: Harness) -> None:
    collation = {"sqlite": "NOCASE", "mysql": "utf8mb4_bin"}.get(h.vendor, "C")
    with_items(h)
    h.migrate(
        migrations.AlterField(
            "Item", "name", models.CharField(max_length=10, default="", db_collation=collation)
        )
    )
    column = h.assert_schema_matches()["pages_item"].column("name")
    if h.vendor == "sqlite":
        assert h.execute("SELECT id FROM pages_item WHERE name = 'N1'") == [(1,)]
    else:
        assert column.collation == collation
    h.unmigrate()
    assert h.assert_schema_matches()["pages_item"].column("name").collation is None
    # MySQL's default collations ignore case: only the others compare 'N1' and 'n1' apart.
    if h.vendor != "mysql":
        assert h.execute("SELECT id FROM pages_item WHERE name = 'N1'") == []
