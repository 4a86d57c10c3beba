"""The forms of new migrations that do not block a busy PostgreSQL table (``safe_postgres``).

``makemigrations`` with ``safe_postgres = true`` moves the operations that would
hold a lock on an existing table while it is read whole into one last migration
of the app, with ``atomic = False`` so that each runs in a transaction of its own:

- ``AddIndex`` becomes ``AddIndexConcurrently``;
- ``AddConstraint`` of a check becomes ``AddConstraintNotValid`` then
  ``ValidateConstraint``;
- ``AlterField`` that makes a nullable column required (with no default to fill
  it) is preceded by a ``NOT VALID`` check that the column is not null, validated,
  which PostgreSQL 12+ uses instead of scanning for ``SET NOT NULL``; the check is
  dropped after.

Operations on tables created in the same run are left as they are. The forms
give the same state, and on SQLite the same schema, as the plain ones.
"""

from __future__ import annotations

from typing import Any

from dbshift.migrations.graph import Key
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations import (
    AddConstraint,
    AddConstraintNotValid,
    AddIndex,
    AddIndexConcurrently,
    AlterField,
    RemoveConstraint,
    ValidateConstraint,
)
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.state import ProjectState
from dbshift.models.indexes import CheckConstraint
from dbshift.models.query import Q


def safe_forms(
    changes: dict[str, list[Migration]], before: ProjectState, name: str | None = None
) -> dict[str, list[Migration]]:
    """Return ``changes`` with the blocking operations on existing tables in their safe form.

    Migrations that lost operations are named again after what they keep, unless
    ``name`` (``makemigrations --name``) named them.
    """
    renamed: dict[Key, Key] = {}
    result = {}
    for label, migrations in changes.items():
        result[label] = _safe_app(label, migrations, before, renamed, name)
    for migrations in result.values():
        for migration in migrations:
            migration.dependencies = [renamed.get(key, key) for key in migration.dependencies]
    return result


def _safe_app(
    label: str,
    migrations: list[Migration],
    before: ProjectState,
    renamed: dict[Key, Key],
    name: str | None,
) -> list[Migration]:
    moved: list[Operation] = []
    for migration in migrations:
        kept = []
        for operation in migration.operations:
            safe = _safe_form(label, operation, before)
            if safe is None:
                kept.append(operation)
            else:
                moved.extend(safe)
        if len(kept) != len(migration.operations) and kept and name is None:
            old = migration.key
            migration.operations = kept
            migration.name = _numbered(_number(migration), migration)
            renamed[old] = migration.key
        migration.operations = kept
    if not moved:
        return migrations
    last = migrations[-1]
    if not last.operations:
        last.operations, last.atomic = moved, False
        return migrations
    trailing = Migration("pending", label)
    trailing.operations, trailing.atomic = moved, False
    trailing.name = _numbered(_number(last) + 1, trailing)
    trailing.dependencies = [last.key]
    return [*migrations, trailing]


def _number(migration: Migration) -> int:
    return int(migration.name.split("_", 1)[0])


def _numbered(number: int, migration: Migration) -> str:
    return f"{number:04d}_{migration.suggest_name()}"


def _safe_form(label: str, operation: Operation, before: ProjectState) -> list[Operation] | None:
    """Return the operations that replace ``operation``, or None to keep it where it is."""
    model_name = getattr(operation, "model_name", None)
    if model_name is None or not before.has_model(label, model_name):
        return None  # a new table: nobody else uses it yet
    if type(operation) is AddIndex:
        return [AddIndexConcurrently(operation.model_name, operation.index)]
    if type(operation) is AddConstraint and isinstance(operation.constraint, CheckConstraint):
        return [
            AddConstraintNotValid(operation.model_name, operation.constraint),
            ValidateConstraint(operation.model_name, operation.constraint.name),
        ]
    if type(operation) is AlterField and _becomes_required(label, operation, before):
        return _required_in_steps(operation)
    return None


def _becomes_required(label: str, operation: AlterField, before: ProjectState) -> bool:
    old = before.get_model(label, operation.model_name).fields.get(operation.name)
    new = operation.field
    return (
        old is not None
        and old.null
        and not new.null
        and new.concrete
        and operation.preserve_default
        and not new.has_default()
    )


def _required_in_steps(operation: AlterField) -> list[Operation]:
    name = f"{operation.model_name_lower}_{operation.name_lower}_not_null"
    not_null: dict[str, Any] = {f"{operation.name}__isnull": False}
    check = CheckConstraint(condition=Q(**not_null), name=name)
    return [
        AddConstraintNotValid(operation.model_name, check),
        ValidateConstraint(operation.model_name, name),
        operation,
        RemoveConstraint(operation.model_name, name),
    ]
