"""Indexes, unique rules, check constraints and comments."""

from __future__ import annotations

import pytest

from dbshift import migrations, models
from dbshift.exceptions import MigrationFailedError
from tests.backends.support import Harness


def create_entry(**options: object) -> migrations.CreateModel:
    return migrations.CreateModel(
        "Entry",
        [
            ("id", models.AutoField(primary_key=True)),
            ("title", models.CharField(max_length=20)),
            ("rank", models.IntegerField(default=0)),
            ("hidden", models.BooleanField(default=False)),
        ],
        options=dict(options),
    )


def with_entries(h: Harness, **options: object) -> None:
    h.migrate(create_entry(**options))
    h.insert("pages_entry", id=1, title="a", rank=1, hidden=False)
    h.insert("pages_entry", id=2, title="b", rank=2, hidden=True)


def uniques(h: Harness) -> set[tuple[str, tuple[str, ...]]]:
    table = h.table("pages_entry")
    found = {(u.name, u.columns) for u in table.unique_constraints}
    return found | {(i.name, i.columns) for i in table.indexes if i.unique}


def test_meta_indexes_descending_and_partial(h: Harness) -> None:
    if h.vendor == "mysql":
        pytest.skip("MySQL has no partial indexes: test_mysql checks that they are left out")
    with_entries(h)
    h.migrate(
        migrations.AddIndex("Entry", models.Index(fields=["-rank", "title"], name="rank_title")),
        migrations.AddIndex(
            "Entry",
            models.Index(fields=["title"], name="visible_titles", condition=models.Q(hidden=False)),
        ),
    )
    indexes = {index.name: index for index in h.assert_schema_matches()["pages_entry"].indexes}
    assert indexes["rank_title"].columns == ("rank", "title")
    assert indexes["rank_title"].descending == (True, False)
    assert indexes["visible_titles"].partial and not indexes["rank_title"].partial

    h.migrate(migrations.RenameIndex("Entry", new_name="ranked", old_name="rank_title"))
    indexes = {index.name: index for index in h.assert_schema_matches()["pages_entry"].indexes}
    assert set(indexes) == {"ranked", "visible_titles"}
    assert indexes["ranked"].descending == (True, False)

    h.migrate(migrations.RemoveIndex("Entry", "visible_titles"))
    assert {i.name for i in h.assert_schema_matches()["pages_entry"].indexes} == {"ranked"}
    h.unmigrate()
    h.unmigrate()
    h.unmigrate()
    assert h.assert_schema_matches()["pages_entry"].indexes == frozenset()
    assert len(h.rows("pages_entry")) == 2


def test_unique_together(h: Harness) -> None:
    with_entries(h)
    h.migrate(migrations.AlterUniqueTogether("Entry", {("title", "rank")}))
    h.assert_schema_matches()
    assert [columns for _name, columns in uniques(h)] == [("title", "rank")]
    assert h.fails("INSERT INTO pages_entry (id, title, rank, hidden) VALUES (3, 'a', 1, false)")
    h.migrate(migrations.AlterUniqueTogether("Entry", {("rank", "hidden")}))
    assert [columns for _name, columns in uniques(h)] == [("rank", "hidden")]
    h.unmigrate()
    h.unmigrate()
    assert uniques(h) == set()
    h.assert_schema_matches()


def test_check_and_unique_constraints(h: Harness) -> None:
    if h.vendor == "mysql":
        pytest.skip("No partial unique rules, and MariaDB checks no AUTO_INCREMENT column")
    with_entries(h)
    h.migrate(
        migrations.AddConstraint(
            "Entry",
            models.CheckConstraint(
                condition=models.Q(rank__gte=0) & (models.Q(hidden=True) | ~models.Q(title="")),
                name="entry_sane",
            ),
        ),
        migrations.AddConstraint(
            "Entry",
            models.CheckConstraint(condition=models.Q(rank__lte=models.F("id")), name="rank_le_id"),
        ),
        migrations.AddConstraint(
            "Entry", models.UniqueConstraint(fields=["title"], name="unique_title")
        ),
        migrations.AddConstraint(
            "Entry",
            models.UniqueConstraint(
                fields=["rank"], condition=models.Q(hidden=False), name="unique_visible_rank"
            ),
        ),
    )
    table = h.assert_schema_matches()["pages_entry"]
    assert table.checks == ("entry_sane", "rank_le_id")
    assert {name for name, _columns in uniques(h)} == {"unique_title", "unique_visible_rank"}
    assert h.fails("UPDATE pages_entry SET rank = -1 WHERE id = 1")
    assert h.fails("UPDATE pages_entry SET title = '' WHERE id = 1")
    h.execute("UPDATE pages_entry SET title = '' WHERE id = 2")
    assert h.fails("UPDATE pages_entry SET rank = 5 WHERE id = 1")
    assert h.fails("UPDATE pages_entry SET title = 'a' WHERE id = 2")
    # Only visible entries need distinct ranks.
    h.execute("INSERT INTO pages_entry (id, title, rank, hidden) VALUES (3, 'c', 2, false)")
    assert h.fails("INSERT INTO pages_entry (id, title, rank, hidden) VALUES (4, 'd', 2, false)")

    h.migrate(migrations.RemoveConstraint("Entry", "entry_sane"))
    assert h.assert_schema_matches()["pages_entry"].checks == ("rank_le_id",)
    h.execute("UPDATE pages_entry SET rank = -1 WHERE id = 1")
    h.execute("UPDATE pages_entry SET rank = 1 WHERE id = 1")
    h.unmigrate()
    h.unmigrate()
    assert h.assert_schema_matches()["pages_entry"].checks == ()
    assert uniques(h) == set()
    assert len(h.rows("pages_entry")) == 3


@pytest.mark.parametrize(
    "constraint",
    [
        models.CheckConstraint(condition=models.Q(rank__gt=1), name="rank_above_one"),
        models.UniqueConstraint(fields=["hidden"], name="one_per_state"),
    ],
    ids=["check", "unique"],
)
def test_adding_a_violated_constraint_fails(h: Harness, constraint: models.BaseConstraint) -> None:
    with_entries(h)
    h.insert("pages_entry", id=3, title="c", rank=3, hidden=True)
    before = h.schema()
    with pytest.raises(MigrationFailedError):
        h.migrate(migrations.AddConstraint("Entry", constraint))
    assert h.schema() == before
    assert len(h.rows("pages_entry")) == 3


def test_deferrable_and_nulls_not_distinct_unique_constraints(pg: Harness) -> None:
    with_entries(pg)
    pg.migrate(
        migrations.AddConstraint(
            "Entry",
            models.UniqueConstraint(
                fields=["rank"], name="rank_deferred", deferrable=models.Deferrable.DEFERRED
            ),
        ),
        migrations.AddField("Entry", "code", models.CharField(max_length=3, null=True)),
    )
    pg.execute("UPDATE pages_entry SET code = title")
    pg.migrate(
        migrations.AddConstraint(
            "Entry",
            models.UniqueConstraint(fields=["code"], name="one_null_code", nulls_distinct=False),
        ),
    )
    pg.assert_schema_matches()
    # Swapping two ranks works because the check waits for the commit.
    with pg.connection.begin():
        pg.connection.exec_driver_sql("UPDATE pages_entry SET rank = 2 WHERE id = 1")
        pg.connection.exec_driver_sql("UPDATE pages_entry SET rank = 1 WHERE id = 2")
    assert pg.rows("pages_entry", "rank") == [(2,), (1,)]
    # NULLS NOT DISTINCT: a second NULL code breaks the rule.
    pg.execute("INSERT INTO pages_entry (id, title, rank, hidden) VALUES (3, 'c', 3, false)")
    assert pg.fails("INSERT INTO pages_entry (id, title, rank, hidden) VALUES (4, 'd', 4, false)")
    pg.unmigrate()
    pg.execute("INSERT INTO pages_entry (id, title, rank, hidden) VALUES (4, 'd', 4, false)")
    pg.unmigrate()
    pg.assert_schema_matches()


def test_comments_on_tables_and_columns(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Note",
            [
                ("id", models.AutoField(primary_key=True)),
                ("text", models.TextField(db_comment="The note's text")),
            ],
            options={"db_table_comment": "Notes 'quoted'"},
        )
    )
    table = h.assert_schema_matches()["pages_note"]
    if h.vendor == "postgresql":
        assert table.comment == "Notes 'quoted'"
        assert table.column("text").comment == "The note's text"
    h.migrate(
        migrations.AlterModelTableComment("Note", "Changed"),
        migrations.AlterField("Note", "text", models.TextField(db_comment=None)),
        migrations.AddField("Note", "tag", models.TextField(null=True, db_comment="A tag")),
    )
    table = h.assert_schema_matches()["pages_note"]
    if h.vendor == "postgresql":
        assert table.comment == "Changed"
        assert table.column("text").comment is None
        assert table.column("tag").comment == "A tag"
    h.unmigrate()
    table = h.assert_schema_matches()["pages_note"]
    if h.vendor == "postgresql":
        assert table.comment == "Notes 'quoted'"
