"""Triggers, views and indexes made by RunSQL survive SQLite table rebuilds and re-creations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dbshift import migrations, models
from dbshift.backends.sqlite_objects import carried_objects, names_in
from dbshift.exceptions import NotSupportedError
from tests.backends.support import Harness
from tests.helpers import ProjectDir, run_sql

LOG = "CREATE TABLE log (item_id integer, name text)"
ITEM_LOG = (
    "CREATE TRIGGER item_log AFTER INSERT ON pages_item "
    "BEGIN INSERT INTO log VALUES (new.id, new.name); END"
)
LOG_BUMP = (
    "CREATE TRIGGER log_bump AFTER DELETE ON log "
    "BEGIN UPDATE pages_item SET rank = rank + 10 WHERE id = old.item_id; END"
)
LOWER_NAME = "CREATE INDEX item_lower_name ON pages_item (lower(name))"
RANKED = "CREATE INDEX item_ranked ON pages_item (rank) WHERE rank > 0"
RANKED_ITEMS = "CREATE VIEW ranked_items AS SELECT id, name FROM pages_item WHERE rank > 0"
RANKED_NAMES = "CREATE VIEW ranked_names AS SELECT * FROM ranked_items"

#: What SQLite's schema holds for the hand-made objects, by name: (type, table, SQL).
HAND_MADE = {
    "item_log": ("trigger", "pages_item", ITEM_LOG),
    "log_bump": ("trigger", "log", LOG_BUMP),
    "item_lower_name": ("index", "pages_item", LOWER_NAME),
    "item_ranked": ("index", "pages_item", RANKED),
    "ranked_items": ("view", "ranked_items", RANKED_ITEMS),
    "ranked_names": ("view", "ranked_names", RANKED_NAMES),
}


def create_item() -> migrations.CreateModel:
    return migrations.CreateModel(
        "Item",
        [
            ("id", models.AutoField(primary_key=True)),
            ("name", models.CharField(max_length=20)),
            ("rank", models.PositiveIntegerField(default=0)),
            ("note", models.CharField(max_length=20, null=True)),
        ],
    )


def hand_made_sql() -> migrations.RunSQL:
    return migrations.RunSQL([LOG, ITEM_LOG, LOG_BUMP, LOWER_NAME, RANKED, RANKED_ITEMS])


def setup(lite: Harness, rows: bool) -> None:
    """Create the item table, hand-made objects around it and, if asked, two items."""
    lite.migrate(create_item())
    lite.migrate(hand_made_sql(), migrations.RunSQL(RANKED_NAMES))
    if rows:
        lite.insert("pages_item", name="Low", rank=0, note="n")
        lite.insert("pages_item", name="High", rank=5, note="n")


def hand_made(lite: Harness) -> dict[str, tuple[str, str, str]]:
    """Return the hand-made objects of SQLite's schema, by name: (type, table, SQL)."""
    rows = lite.execute(
        "SELECT name, type, tbl_name, sql FROM sqlite_master WHERE name IN "
        f"({', '.join('?' for _ in HAND_MADE)})",
        *HAND_MADE,
    )
    return {name: (kind, table, sql) for name, kind, table, sql in rows}


def assert_hand_made_work(lite: Harness, name: str = "name", size: bool = False) -> None:
    """Assert that the triggers fire, the views answer and the expression index is used."""
    before = len(lite.rows("pages_item"))
    columns, values = f"{name}, rank", "'Mid', 3"
    if size:
        columns, values = f"{columns}, size", f"{values}, 1"
    lite.execute(f"INSERT INTO pages_item ({columns}) VALUES ({values})")
    (new_id,) = lite.execute("SELECT max(id) FROM pages_item")[0]
    assert lite.execute("SELECT name FROM log WHERE item_id = ?", new_id) == [("Mid",)]
    lite.execute("DELETE FROM log WHERE item_id = ?", new_id)
    assert lite.execute("SELECT rank FROM pages_item WHERE id = ?", new_id) == [(13,)]
    assert ("Mid",) in lite.execute(f"SELECT {name} FROM ranked_items")
    assert ("Mid",) in lite.execute(f"SELECT {name} FROM ranked_names")
    plan = lite.execute(f"EXPLAIN QUERY PLAN SELECT * FROM pages_item WHERE lower({name}) = 'x'")
    assert "item_lower_name" in " ".join(str(row) for row in plan)
    assert len(lite.rows("pages_item")) == before + 1


@pytest.mark.parametrize("rows", [True, False], ids=["rebuilt", "recreated"])
def test_altering_a_field_keeps_triggers_indexes_and_views(lite: Harness, rows: bool) -> None:
    setup(lite, rows)
    lite.migrate(migrations.AlterField("Item", "rank", models.BigIntegerField(default=0)))
    assert hand_made(lite) == HAND_MADE
    if rows:
        assert lite.rows("pages_item", "name", "rank") == [("Low", 0), ("High", 5)]
        assert lite.execute("SELECT name FROM ranked_names") == [("High",)]
    assert_hand_made_work(lite)
    lite.unmigrate()
    assert hand_made(lite) == HAND_MADE
    assert_hand_made_work(lite)


@pytest.mark.parametrize("rows", [True, False], ids=["rebuilt", "recreated"])
def test_adding_a_field_that_needs_a_rebuild_keeps_them(lite: Harness, rows: bool) -> None:
    setup(lite, rows)
    editor = lite.migrate(migrations.AddField("Item", "size", models.IntegerField(default=1)))
    assert any(sql.startswith("DROP TABLE pages_item") for sql in editor.collected_sql)
    assert hand_made(lite) == HAND_MADE
    assert_hand_made_work(lite, size=True)


@pytest.mark.parametrize("rows", [True, False], ids=["in_place", "recreated"])
def test_removing_an_unrelated_field_keeps_them(lite: Harness, rows: bool) -> None:
    setup(lite, rows)
    lite.migrate(migrations.RemoveField("Item", "note"))
    assert hand_made(lite) == HAND_MADE
    assert_hand_made_work(lite)


@pytest.mark.parametrize("rows", [True, False], ids=["rebuilt", "recreated"])
def test_removing_an_unrelated_key_keeps_them(lite: Harness, rows: bool) -> None:
    lite.migrate(migrations.CreateModel("Owner", [("id", models.AutoField(primary_key=True))]))
    setup(lite, rows=False)
    lite.migrate(
        migrations.AddField(
            "Item", "owner", models.ForeignKey("pages.owner", models.CASCADE, null=True)
        )
    )
    if rows:
        lite.insert("pages_item", name="High", rank=5)
    editor = lite.migrate(migrations.RemoveField("Item", "owner"))
    assert any(sql.startswith("DROP TABLE pages_item") for sql in editor.collected_sql)
    assert hand_made(lite) == HAND_MADE
    assert_hand_made_work(lite)


@pytest.mark.parametrize("rows", [True, False], ids=["in_place", "recreated"])
def test_renaming_a_field_renames_it_in_them(lite: Harness, rows: bool) -> None:
    setup(lite, rows)
    lite.migrate(migrations.RenameField("Item", "name", "title"))
    renamed = {
        **HAND_MADE,
        "item_log": (
            "trigger",
            "pages_item",
            "CREATE TRIGGER item_log AFTER INSERT ON pages_item "
            "BEGIN INSERT INTO log VALUES (new.id, new.title); END",
        ),
        "item_lower_name": (
            "index",
            "pages_item",
            "CREATE INDEX item_lower_name ON pages_item (lower(title))",
        ),
        "ranked_items": (
            "view",
            "ranked_items",
            "CREATE VIEW ranked_items AS SELECT id, title FROM pages_item WHERE rank > 0",
        ),
    }
    assert hand_made(lite) == renamed
    assert_hand_made_work(lite, name="title")


def test_renamed_field_altered_with_rows_keeps_them(lite: Harness) -> None:
    setup(lite, rows=True)
    lite.migrate(
        migrations.RenameField("Item", "name", "title"),
        migrations.AlterField("Item", "title", models.CharField(max_length=30)),
    )
    assert hand_made(lite)["item_log"][2].endswith("(new.id, new.title); END")
    assert lite.rows("pages_item", "title") == [("Low",), ("High",)]
    assert_hand_made_work(lite, name="title")


@pytest.mark.parametrize("rows", [True, False], ids=["in_place", "recreated"])
def test_removing_a_field_they_use_is_refused_before_anything_changes(
    lite: Harness, rows: bool
) -> None:
    setup(lite, rows)
    columns = [row[1] for row in lite.execute("PRAGMA table_info(pages_item)")]
    with pytest.raises(Exception) as raised:
        lite.migrate(migrations.RemoveField("Item", "name"))
    if not rows:
        assert isinstance(raised.value, NotSupportedError)
        message = str(raised.value)
        assert "pages_item" in message and "'name'" in message
        for name in ("item_log", "item_lower_name", "ranked_items"):
            assert f"'{name}'" in message
        for name in ("log_bump", "item_ranked", "ranked_names"):
            assert f"'{name}'" not in message
    assert [row[1] for row in lite.execute("PRAGMA table_info(pages_item)")] == columns
    assert hand_made(lite) == HAND_MADE


@pytest.mark.parametrize("rows", [True, False], ids=["rebuilt", "recreated"])
def test_renaming_a_field_with_a_check_renames_it_in_them(lite: Harness, rows: bool) -> None:
    setup(lite, rows)
    editor = lite.migrate(migrations.RenameField("Item", "rank", "position"))
    assert any(sql.startswith("DROP TABLE pages_item") for sql in editor.collected_sql)
    assert {name: sql for name, (_kind, _table, sql) in hand_made(lite).items()} == {
        "item_log": ITEM_LOG,
        "log_bump": "CREATE TRIGGER log_bump AFTER DELETE ON log "
        "BEGIN UPDATE pages_item SET position = position + 10 WHERE id = old.item_id; END",
        "item_lower_name": LOWER_NAME,
        "item_ranked": "CREATE INDEX item_ranked ON pages_item (position) WHERE position > 0",
        "ranked_items": "CREATE VIEW ranked_items AS "
        "SELECT id, name FROM pages_item WHERE position > 0",
        "ranked_names": RANKED_NAMES,
    }
    if rows:
        assert lite.execute("SELECT name FROM ranked_names") == [("High",)]
    assert lite.fails("INSERT INTO pages_item (name, position) VALUES ('x', -1)")


@pytest.mark.parametrize("rows", [True, False], ids=["rebuilt", "recreated"])
def test_removing_a_key_a_trigger_uses_is_refused(lite: Harness, rows: bool) -> None:
    lite.migrate(migrations.CreateModel("Owner", [("id", models.AutoField(primary_key=True))]))
    lite.migrate(
        create_item(),
        migrations.AddField(
            "Item", "owner", models.ForeignKey("pages.owner", models.CASCADE, null=True)
        ),
    )
    lite.migrate(migrations.RunSQL([LOG, ITEM_LOG.replace("new.name", "new.owner_id")]))
    if rows:
        lite.insert("pages_item", name="High", rank=5)
    with pytest.raises(NotSupportedError) as raised:
        lite.migrate(migrations.RemoveField("Item", "owner"))
    assert str(raised.value) == (
        "Cannot drop column 'owner_id' of table 'pages_item' on sqlite: trigger 'item_log' "
        "created outside the models use it, and SQLite drops it by creating the table again. "
        "Drop them with RunSQL before this operation and create them again without the "
        "column after it."
    )
    assert "owner_id" in [row[1] for row in lite.execute("PRAGMA table_info(pages_item)")]
    assert lite.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("item_log",)]


def test_names_skip_strings_and_comments_and_unquote() -> None:
    sql = (
        'CREATE VIEW "my ""view""" AS SELECT [a b], `c``d`, E -- f\n'
        "FROM t /* g */ WHERE x = 'h ''i'''"
    )
    assert names_in(sql) == {
        *("create", "view", 'my "view"', "as", "select", "a b", "c`d", "e"),
        *("from", "t", "where", "x"),
    }


def test_views_on_views_are_carried_and_declared_indexes_are_not() -> None:
    rows = [
        ("view", "outer_view", "outer_view", "CREATE VIEW outer_view AS SELECT * FROM inner_view"),
        ("index", "declared", "item", "CREATE INDEX declared ON item (a)"),
        ("index", "by_hand", "item", "CREATE INDEX by_hand ON item (a + 1)"),
        ("view", "inner_view", "inner_view", 'CREATE VIEW inner_view AS SELECT a FROM "Item"'),
        ("view", "elsewhere", "elsewhere", "CREATE VIEW elsewhere AS SELECT 'item' FROM other"),
        (
            "trigger",
            "on_outer",
            "outer_view",
            "CREATE TRIGGER on_outer INSTEAD OF DELETE ON outer_view BEGIN SELECT 1; END",
        ),
        ("trigger", "on_other", "other", "CREATE TRIGGER on_other AFTER INSERT ON other"),
    ]
    carried = carried_objects(rows, "item", ["Declared"])
    assert [entry.name for entry in carried.entries] == [
        "outer_view",
        "by_hand",
        "inner_view",
        "on_outer",
    ]
    assert [entry.name for entry in carried.detached] == ["outer_view", "inner_view", "on_outer"]
    assert [entry.name for entry in carried.using(["A"])] == ["by_hand", "inner_view"]


def write_migration(project: ProjectDir, name: str, previous: str, operations: str) -> None:
    project.write(
        f"pages/migrations/{name}.py",
        f"""
        from dbshift import migrations, models

        class Migration(migrations.Migration):
            dependencies = [("pages", "{previous}")]
            operations = [{operations}]
        """,
    )


def test_migrate_keeps_them_through_a_batch_and_names_the_refused_migration(
    make_project: Callable[..., ProjectDir],
) -> None:
    project = make_project()
    project.models("pages", "")
    project.write(
        "pages/migrations/0001_initial.py",
        """
        from dbshift import migrations, models

        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(
                    "Item",
                    [
                        ("id", models.AutoField(primary_key=True)),
                        ("name", models.CharField(max_length=20)),
                        ("rank", models.IntegerField(default=0)),
                    ],
                ),
            ]
        """,
    )
    statements = [LOG, ITEM_LOG, LOG_BUMP, LOWER_NAME, RANKED, RANKED_ITEMS, RANKED_NAMES]
    statements.append("INSERT INTO pages_item (name, rank) VALUES ('High', 5)")
    write_migration(project, "0002_sql", "0001_initial", f"migrations.RunSQL({statements!r})")
    # Two schema-only migrations in a row share one transaction.
    write_migration(
        project,
        "0003_rank",
        "0002_sql",
        'migrations.AlterField("Item", "rank", models.BigIntegerField(default=0))',
    )
    write_migration(
        project, "0004_title", "0003_rank", 'migrations.RenameField("Item", "name", "title")'
    )

    result = project.run("migrate", "-v", "2")

    assert result.code == 0, result.output
    assert "in one transaction with 1 others" in result.output
    url = project.database
    assert run_sql(url, "SELECT title FROM ranked_names") == [("High",)]
    run_sql(url, "INSERT INTO pages_item (title, rank) VALUES ('Mid', 3)")
    assert run_sql(url, "SELECT name FROM log ORDER BY item_id") == [("High",), ("Mid",)]
    assert {row[0] for row in run_sql(url, "SELECT name FROM sqlite_master")} >= set(HAND_MADE)

    write_migration(
        project, "0005_drop_title", "0004_title", 'migrations.RemoveField("Item", "title")'
    )
    run_sql(url, "DELETE FROM pages_item")
    result = project.run("migrate")

    assert result.code == 1
    assert "Applying pages.0005_drop_title failed at operation 'Remove field title from Item'" in (
        result.stderr
    )
    assert "Cannot drop column 'title' of table 'pages_item' on sqlite: trigger 'item_log'" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    assert "title" in [row[1] for row in run_sql(url, "PRAGMA table_info(pages_item)")]
