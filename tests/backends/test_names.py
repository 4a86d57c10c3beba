"""Generated names: deterministic, within 63 bytes, and distinct when inputs differ."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dbshift import migrations, models
from dbshift.backends import names
from tests.backends.support import Harness

LONG = "x" * 70


def test_short_names_are_kept() -> None:
    assert names.shorten("pages_article") == "pages_article"
    assert names.shorten("é" * 31) == "é" * 31


def test_long_names_are_cut_with_a_hash_of_the_whole() -> None:
    first, second = names.shorten(LONG + "a"), names.shorten(LONG + "b")
    assert first != second
    assert len(first.encode()) <= 63 and len(second.encode()) <= 63
    assert first[:50] == second[:50]
    assert names.shorten(LONG + "a") == first
    # Multi-byte characters are never cut in half.
    assert len(names.shorten("é" * 40).encode()) <= 63
    names.shorten("é" * 40).encode().decode("utf-8")


NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120)


@given(NAMES, NAMES)
def test_shortened_names_fit_and_stay_apart(first: str, second: str) -> None:
    short = names.shorten(first)
    assert len(short.encode()) <= 63
    assert short == names.shorten(first)
    assert (short == names.shorten(second)) == (first == second)


def test_derived_names_keep_their_parts_apart() -> None:
    assert names.derived_name("a_b", ["c"], "idx") != names.derived_name("a", ["b_c"], "idx")
    assert names.derived_name("t", ["c"], "idx") != names.derived_name("t", ["c"], "uniq")
    long_one = names.derived_name(LONG, ["c" * 40, "d"], "uniq")
    assert len(long_one.encode()) <= 63 and long_one.endswith("_uniq")
    assert long_one != names.derived_name(LONG, ["c" * 40, "e"], "uniq")


def test_long_names_on_postgresql(pg: Harness) -> None:
    first, second = "Measurement" + "A" * 50 + "One", "Measurement" + "A" * 50 + "Two"
    column = "reading_" + "v" * 50
    fields = [
        ("id", models.AutoField(primary_key=True)),
        (column, models.IntegerField(default=0, db_index=True, unique=False)),
    ]
    pg.migrate(
        migrations.CreateModel(second, fields),
        migrations.CreateModel(
            first,
            [
                *[(name, field.clone()) for name, field in fields],
                ("other", models.ForeignKey(f"pages.{second}", models.CASCADE)),
                ("links_to_the_other_models", models.ManyToManyField(f"pages.{second}")),
            ],
            options={"unique_together": {(column, "other")}},
        ),
    )
    schema = pg.assert_schema_matches()
    assert len(schema) == 3
    assert all(len(name.encode()) <= 63 for name in schema)
    object_names = [
        item.name
        for table in schema.values()
        for item in (*table.indexes, *table.unique_constraints)
    ]
    assert len(object_names) == len(set(object_names)) == 7
    assert all(len(name.encode()) <= 63 for name in object_names)
    pg.insert(names.shorten(f"pages_{second.lower()}"), id=1, **{column: 5})

    pg.migrate(migrations.RenameField(second, column, column.replace("v", "w")))
    pg.assert_schema_matches()
    assert pg.rows(names.shorten(f"pages_{second.lower()}")) == [(1, 5)]
    pg.unmigrate()
    pg.unmigrate()
    assert pg.schema() == {}


@pytest.mark.parametrize("limit", [63, 64])
def test_derived_index_names_are_djangos_under_each_limit(limit: int) -> None:
    from types import SimpleNamespace

    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    # Django's own naming, with the limit of PostgreSQL (63) or MySQL (64).
    ops = SimpleNamespace(max_name_length=lambda: limit)
    features = SimpleNamespace(can_rollback_ddl=False)
    django = BaseDatabaseSchemaEditor(SimpleNamespace(ops=ops, features=features))
    for table, columns in [
        ("pages_item", ["name"]),
        ("pages_" + "t" * 40, ["c" * 30]),
        ("pages_" + "t" * 28, ["c" * 29]),
    ]:
        for suffix in ("", "_uniq"):
            ours = names.django_index_name(table, columns, suffix, limit)
            assert ours == django._create_index_name(table, columns, suffix)
            assert len(ours) <= limit
