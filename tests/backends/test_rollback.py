"""A migration that fails leaves the database as it was, DDL included."""

from __future__ import annotations

import pytest

from dbshift import migrations, models
from dbshift.exceptions import MigrationFailedError
from tests.backends.support import Harness


def with_parent_and_child(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Parent",
            [("id", models.AutoField(primary_key=True)), ("name", models.CharField(max_length=9))],
        ),
        migrations.CreateModel(
            "Child",
            [
                ("id", models.AutoField(primary_key=True)),
                ("parent", models.ForeignKey("pages.parent", models.CASCADE)),
            ],
        ),
    )
    h.insert("pages_parent", id=1, name="p")
    h.insert("pages_child", id=1, parent_id=1)


def rolls_back_ddl(h: Harness) -> bool:
    return h.db.schema_editor(None, collect=True).features.can_rollback_ddl


def test_failure_mid_migration_rolls_everything_back(h: Harness) -> None:
    with_parent_and_child(h)
    before, state = h.schema(), h.state
    with pytest.raises(MigrationFailedError, match="no_such_table"):
        h.migrate(
            migrations.AddField("Parent", "rank", models.IntegerField(default=1)),
            migrations.AlterField("Parent", "name", models.CharField(max_length=30)),
            migrations.RenameModel("Child", "Kid"),
            migrations.CreateModel("Extra", [("id", models.AutoField(primary_key=True))]),
            migrations.RunSQL("INSERT INTO no_such_table VALUES (1)"),
        )
    assert h.state is state
    if not rolls_back_ddl(h):
        # MySQL commits each DDL statement: what ran before the failure stays.
        assert set(h.schema()) == {"pages_parent", "pages_kid", "pages_extra"}
        assert h.rows("pages_parent") == [(1, "p", 1)]
        return
    assert h.schema() == before
    assert h.rows("pages_parent") == [(1, "p")]
    assert h.rows("pages_child") == [(1, 1)]
    h.assert_schema_matches()


def test_dangling_rows_fail_the_migration_by_name(h: Harness) -> None:
    with_parent_and_child(h)
    before = h.schema()
    with pytest.raises(MigrationFailedError, match="pages_child") as failure:
        h.migrate(
            migrations.AddField("Child", "note", models.TextField(default="")),
            migrations.RunSQL("INSERT INTO pages_child (id, parent_id, note) VALUES (7, 99, '')"),
        )
    if h.vendor == "sqlite":
        assert "row 7" in str(failure.value) and "pages_parent" in str(failure.value)
    if not rolls_back_ddl(h):
        # The key refuses the row at once; the column added before it stays.
        assert h.rows("pages_child") == [(1, 1, "")]
        return
    assert h.schema() == before
    assert h.rows("pages_child") == [(1, 1)]


def test_deferred_keys_are_checked_early_only_after_rows_were_written(pg: Harness) -> None:
    with_parent_and_child(pg)
    ddl_only = pg.migrate(migrations.AddField("Child", "note", models.TextField(default="")))
    assert not [sql for sql in ddl_only.collected_sql if sql.startswith("SET CONSTRAINTS")]
    with_rows = pg.migrate(
        migrations.RunSQL("INSERT INTO pages_child (id, parent_id, note) VALUES (2, 1, '')")
    )
    assert with_rows.collected_sql[-1] == "SET CONSTRAINTS ALL IMMEDIATE;"


def test_dangling_rows_copied_by_a_table_rebuild_are_found(lite: Harness) -> None:
    with_parent_and_child(lite)
    # dbshift's own connection does not enforce keys: this leaves a dangling row.
    with lite.connection.begin():
        lite.connection.exec_driver_sql("DELETE FROM pages_parent")
    with pytest.raises(MigrationFailedError, match="row 1 of table 'pages_child'"):
        lite.migrate(
            migrations.AlterField(
                "Child", "parent", models.ForeignKey("pages.parent", models.SET_NULL, null=True)
            )
        )
    assert not lite.table("pages_child").column("parent_id").nullable
