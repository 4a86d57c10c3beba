"""How the SQLite editor changes a table: in place, re-created empty, or rebuilt."""

from __future__ import annotations

from dbshift import migrations, models
from tests.backends.support import Harness


def create_item() -> migrations.CreateModel:
    return migrations.CreateModel(
        "Item",
        [
            ("id", models.AutoField(primary_key=True)),
            ("name", models.CharField(max_length=10, db_index=True)),
            ("rank", models.IntegerField(default=0)),
        ],
        options={"indexes": [models.Index(fields=["-rank"], name="rank_desc")]},
    )


def statements(sql: list[str], prefix: str) -> list[str]:
    return [statement for statement in sql if statement.startswith(prefix)]


def test_empty_tables_are_recreated_without_schema_rewrites(lite: Harness) -> None:
    lite.migrate(create_item())
    editor = lite.migrate(
        migrations.RenameField("Item", "name", "title"),
        migrations.AlterField("Item", "rank", models.BigIntegerField(default=0)),
        migrations.RemoveField("Item", "title"),
    )
    assert not statements(editor.collected_sql, "ALTER TABLE")
    assert len(statements(editor.collected_sql, "DROP TABLE pages_item")) == 3
    lite.assert_schema_matches()
    lite.unmigrate()
    lite.assert_schema_matches()


def test_tables_with_rows_are_rebuilt_keeping_rows_indexes_and_counter(lite: Harness) -> None:
    lite.migrate(create_item())
    for number in (1, 2, 3):
        lite.insert("pages_item", name=f"n{number}", rank=number)
    lite.execute("DELETE FROM pages_item WHERE id = 3")
    editor = lite.migrate(migrations.AlterField("Item", "rank", models.BigIntegerField(default=0)))
    assert statements(editor.collected_sql, "CREATE TABLE new__pages_item")
    assert statements(editor.collected_sql, "ALTER TABLE new__pages_item RENAME TO pages_item")
    assert {index.name for index in lite.assert_schema_matches()["pages_item"].indexes} >= {
        "rank_desc"
    }
    assert lite.rows("pages_item") == [(1, "n1", 1), (2, "n2", 2)]
    lite.insert("pages_item", name="n4", rank=4)
    assert lite.rows("pages_item", "id")[-1] == (4,)


def test_nullable_columns_are_added_in_place(lite: Harness) -> None:
    lite.migrate(create_item())
    lite.insert("pages_item", name="a", rank=1)
    editor = lite.migrate(
        migrations.AddField("Item", "note", models.CharField(max_length=5, null=True, default="d")),
        migrations.AddField("Item", "size", models.PositiveIntegerField(db_default=3)),
    )
    assert not statements(editor.collected_sql, "CREATE TABLE")
    assert len(statements(editor.collected_sql, "ALTER TABLE pages_item ADD COLUMN")) == 2
    lite.assert_schema_matches()
    assert lite.rows("pages_item", "note", "size") == [("d", 3)]
    assert lite.fails("UPDATE pages_item SET size = -1")


def test_referenced_key_columns_are_renamed_in_place(lite: Harness) -> None:
    lite.migrate(
        migrations.CreateModel("Tag", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Post",
            [
                ("id", models.AutoField(primary_key=True)),
                ("tag", models.ForeignKey("pages.tag", models.CASCADE)),
            ],
        ),
    )
    editor = lite.migrate(
        migrations.AlterField("Tag", "id", models.AutoField(primary_key=True, db_column="ident"))
    )
    assert statements(editor.collected_sql, "ALTER TABLE pages_tag RENAME COLUMN id TO ident")
    schema = lite.assert_schema_matches()
    assert [fk.target_columns for fk in schema["pages_post"].foreign_keys] == [("ident",)]
    lite.insert("pages_tag", ident=1)
    lite.insert("pages_post", id=1, tag_id=1)
    lite.execute("DELETE FROM pages_tag")
    assert lite.rows("pages_post") == []


def test_new_tables_get_their_indexes_after_every_table(lite: Harness) -> None:
    editor = lite.migrate(
        create_item(),
        migrations.CreateModel("Other", [("id", models.AutoField(primary_key=True))]),
    )
    kinds = [statement.split(" (")[0].split()[1] for statement in editor.collected_sql]
    assert kinds == ["TABLE", "TABLE", "INDEX", "INDEX"]


def test_rebuilding_a_self_referencing_table_keeps_its_key(lite: Harness) -> None:
    lite.migrate(
        migrations.CreateModel(
            "Node",
            [
                ("id", models.AutoField(primary_key=True)),
                ("parent", models.ForeignKey("pages.node", models.CASCADE, null=True)),
                ("label", models.CharField(max_length=5, default="")),
            ],
        )
    )
    lite.insert("pages_node", id=1, parent_id=None, label="root")
    lite.insert("pages_node", id=2, parent_id=1, label="leaf")
    editor = lite.migrate(
        migrations.AlterField("Node", "label", models.CharField(max_length=9, default=""))
    )
    assert statements(editor.collected_sql, "CREATE TABLE new__pages_node")
    schema = lite.assert_schema_matches()
    assert [fk.target_table for fk in schema["pages_node"].foreign_keys] == ["pages_node"]
    lite.execute("DELETE FROM pages_node WHERE id = 1")
    assert lite.rows("pages_node") == []


def test_an_emptied_table_keeps_its_counter_through_several_changes(lite: Harness) -> None:
    lite.migrate(create_item())
    for number in (1, 2, 3):
        lite.insert("pages_item", name=f"n{number}", rank=number)
    lite.execute("DELETE FROM pages_item")
    editor = lite.migrate(
        migrations.AlterField("Item", "rank", models.BigIntegerField(default=0)),
        migrations.RenameField("Item", "name", "title"),
    )
    assert len(statements(editor.collected_sql, "DROP TABLE pages_item")) == 2
    lite.assert_schema_matches()
    lite.insert("pages_item", title="n4", rank=4)
    assert lite.rows("pages_item", "id") == [(4,)]
    lite.unmigrate()
    lite.insert("pages_item", name="n5", rank=5)
    assert lite.rows("pages_item", "id") == [(4,), (5,)]


def test_rows_added_by_sql_between_changes_are_kept(lite: Harness) -> None:
    lite.migrate(create_item())
    editor = lite.migrate(
        migrations.AlterField("Item", "rank", models.BigIntegerField(default=0)),
        migrations.RunSQL("INSERT INTO pages_item (name, rank) VALUES ('kept', 7)"),
        migrations.AlterField("Item", "rank", models.IntegerField(default=0)),
    )
    assert len(statements(editor.collected_sql, "DROP TABLE pages_item")) == 2
    assert statements(editor.collected_sql, "CREATE TABLE new__pages_item")
    lite.assert_schema_matches()
    assert lite.rows("pages_item") == [(1, "kept", 7)]


def test_rows_added_by_code_between_changes_are_kept(lite: Harness) -> None:
    def add_row(apps: object, schema_editor: object) -> None:
        item = apps.get_model("pages", "Item")  # type: ignore[attr-defined]
        item.objects.create(name="kept", rank=7)

    lite.migrate(create_item())
    editor = lite.migrate(
        migrations.AlterField("Item", "rank", models.BigIntegerField(default=0)),
        migrations.RunPython(add_row),
        migrations.AlterField("Item", "rank", models.IntegerField(default=0)),
    )
    assert statements(editor.collected_sql, "CREATE TABLE new__pages_item")
    lite.assert_schema_matches()
    assert lite.rows("pages_item") == [(1, "kept", 7)]
