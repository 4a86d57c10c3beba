"""What happens to rows pointing at a deleted row: ``on_delete`` in the database."""

from __future__ import annotations

import pytest

from dbshift import migrations, models
from dbshift.exceptions import NotSupportedError
from dbshift.models.deletion import OnDelete
from tests.backends.support import Harness


def setup(h: Harness, on_delete: OnDelete, **options: object) -> None:
    h.migrate(
        migrations.CreateModel("Parent", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Child",
            [
                ("id", models.AutoField(primary_key=True)),
                ("parent", models.ForeignKey("pages.parent", on_delete, **options)),
            ],
        ),
    )
    h.insert("pages_parent", id=1)
    h.insert("pages_parent", id=2)
    h.insert("pages_child", id=1, parent_id=2)


@pytest.mark.parametrize(
    ("on_delete", "options", "after"),
    [
        (models.CASCADE, {}, []),
        (models.SET_NULL, {"null": True}, [(1, None)]),
        (models.SET_DEFAULT, {"db_default": 1}, [(1, 1)]),
    ],
)
def test_delete_parent_changes_children(
    h: Harness, on_delete: OnDelete, options: dict[str, object], after: list[tuple[int, int]]
) -> None:
    if on_delete is models.SET_DEFAULT and h.vendor == "mysql":
        with pytest.raises(NotSupportedError, match="InnoDB has no ON DELETE SET DEFAULT"):
            setup(h, on_delete, **options)
        return
    setup(h, on_delete, **options)
    fk = next(iter(h.assert_schema_matches()["pages_child"].foreign_keys))
    assert fk.on_delete == on_delete.sql_action
    h.execute("DELETE FROM pages_parent WHERE id = 2")
    assert h.rows("pages_child") == after


@pytest.mark.parametrize("on_delete", [models.RESTRICT, models.PROTECT, models.DO_NOTHING])
def test_delete_parent_is_refused(h: Harness, on_delete: OnDelete) -> None:
    setup(h, on_delete)
    fk = next(iter(h.assert_schema_matches()["pages_child"].foreign_keys))
    # InnoDB's RESTRICT is its NO ACTION: both read back as no action.
    assert fk.on_delete == (None if h.vendor == "mysql" else on_delete.sql_action)
    assert h.fails("DELETE FROM pages_parent WHERE id = 2")
    assert h.rows("pages_parent") == [(1,), (2,)]


def test_no_constraint_when_db_constraint_is_false(h: Harness) -> None:
    setup(h, models.CASCADE, db_constraint=False)
    child = h.assert_schema_matches()["pages_child"]
    assert child.foreign_keys == frozenset()
    assert [index.columns for index in child.indexes] == [("parent_id",)]
    h.execute("DELETE FROM pages_parent WHERE id = 2")
    assert h.rows("pages_child") == [(1, 2)]


def test_changing_on_delete_recreates_the_key(h: Harness) -> None:
    setup(h, models.CASCADE)
    h.migrate(
        migrations.AlterField(
            "Child", "parent", models.ForeignKey("pages.parent", models.SET_NULL, null=True)
        )
    )
    h.assert_schema_matches()
    h.execute("DELETE FROM pages_parent WHERE id = 2")
    assert h.rows("pages_child") == [(1, None)]
    h.execute("UPDATE pages_child SET parent_id = 1")
    h.unmigrate()
    h.assert_schema_matches()
    h.execute("DELETE FROM pages_parent WHERE id = 1")
    assert h.rows("pages_child") == []
