"""The flags the fast paths read are declared on each operation class.

An operation that forgot its flag would silently leave the fresh build, batching
or the optimizer's folding out for every history that uses it, so each class
dbshift ships says it in its own body; a user's subclass is not schema-only
unless it says so.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from typing import ClassVar

import pytest

import dbshift
from dbshift import migrations, models
from dbshift.migrations.batch import batches
from dbshift.migrations.fresh import may_unmanage, schema_only
from dbshift.migrations.operations.base import Operation
from tests.test_batches import plain

FLAGS = ("schema_only", "absorbable")

SCHEMA_ONLY = {
    "AddConstraint",
    "AddField",
    "AddIndex",
    "AlterField",
    "AlterModelOptions",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterUniqueTogether",
    "CreateModel",
    "DeleteModel",
    "RemoveConstraint",
    "RemoveField",
    "RemoveIndex",
    "RenameField",
    "RenameIndex",
    "RenameModel",
}

ABSORBABLE = {
    "AddConstraint",
    "AddConstraintNotValid",
    "AddField",
    "AddIndex",
    "AddIndexConcurrently",
    "AlterField",
    "AlterIndexTogether",
    "AlterModelOptions",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterUniqueTogether",
    "RemoveConstraint",
    "RemoveField",
    "RemoveIndex",
    "RemoveIndexConcurrently",
    "RenameField",
    "RenameIndex",
}


def shipped_operations() -> list[type[Operation]]:
    """Return every Operation subclass defined in dbshift's own modules."""
    for module in pkgutil.walk_packages(dbshift.__path__, "dbshift."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[Operation]] = []
    pending = list(Operation.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.split(".")[0] == "dbshift" and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)


def declared_in_body(cls: type) -> set[str]:
    """Return the names assigned at the top level of the class's own source."""
    (node,) = ast.parse(textwrap.dedent(inspect.getsource(cls))).body
    assert isinstance(node, ast.ClassDef)
    names = set()
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.add(statement.target.id)
        elif isinstance(statement, ast.Assign):
            names |= {target.id for target in statement.targets if isinstance(target, ast.Name)}
    return names


def test_dbshift_ships_the_operations_django_migrations_use():
    names = {cls.__name__ for cls in shipped_operations()}
    assert SCHEMA_ONLY | ABSORBABLE | {"RunPython", "RunSQL", "SeparateDatabaseAndState"} <= names


@pytest.mark.parametrize("cls", shipped_operations(), ids=lambda cls: cls.__name__)
def test_every_operation_declares_the_fast_path_flags_in_its_own_body(cls):
    missing = set(FLAGS) - declared_in_body(cls)
    assert not missing, f"{cls.__module__}.{cls.__name__} does not declare {sorted(missing)}"


def test_the_schema_only_and_absorbable_operations():
    operations = shipped_operations()
    assert {cls.__name__ for cls in operations if cls.schema_only} == SCHEMA_ONLY
    assert {cls.__name__ for cls in operations if cls.absorbable} == ABSORBABLE


class SeededCreateModel(migrations.CreateModel):
    """A project's own operation: a table, and rows in it."""


class Retitle(migrations.AlterField):
    """A project's own operation that declares it only changes the schema."""

    schema_only: ClassVar[bool] = True


def test_a_projects_subclass_is_schema_only_only_if_it_says_so():
    assert not SeededCreateModel.schema_only
    assert Retitle.schema_only
    # Folding into a CreateModel goes by the state, which a subclass keeps.
    assert Retitle.absorbable


def test_a_projects_subclass_of_a_schema_operation_runs_on_its_own():
    add = migrations.AddField("article", "rank", models.IntegerField(default=0))
    seeded = SeededCreateModel("Tag", [("id", models.AutoField(primary_key=True))])
    retitle = Retitle("article", "title", models.CharField(max_length=40))
    steps = [plain("0001_add", add), plain("0002_seeded", seeded), plain("0003_retitle", retitle)]

    assert [schema_only(step.migration) for step in steps] == [True, False, True]
    assert [len(batch) for batch in batches(steps)] == [1, 1, 1]
    assert [len(batch) for batch in batches([steps[0], steps[2]])] == [2]


def test_unmanaged_and_proxy_models_are_where_the_end_state_may_part():
    fields = [("id", models.AutoField(primary_key=True))]
    managed = migrations.CreateModel("Tag", fields)
    unmanaged = migrations.CreateModel("Tag", fields, options={"managed": False})
    proxy = migrations.CreateModel("Proxy", [], options={"proxy": True}, bases=("pages.tag",))
    options = migrations.AlterModelOptions("Tag", {"managed": True})
    ordering = migrations.AlterModelOptions("Tag", {"ordering": ["id"]})

    assert [
        may_unmanage(plain("0001", operation).migration)
        for operation in (managed, unmanaged, proxy, options, ordering)
    ] == [False, True, True, True, False]
    assert not may_unmanage(plain("0002", SeededCreateModel("Tag", fields)).migration)
