"""Building an empty database straight to where a run of migrations ends.

A new environment (a fresh database, every test run) does not need the detours
of a long history: columns added, renamed, altered and dropped again. When
nothing is applied yet, the leading migrations that only change the schema are
replaced by one CreateModel per model of their end state, run in one transaction
with every one of their recorder rows. Code and SQL written by hand (RunPython,
RunSQL, SeparateDatabaseAndState), custom operations and non-atomic migrations
end the run: from there on each migration runs as written.

The end state is the one the migrations build (operation by operation, as for
any plan), and each table is created from it exactly as the migrations declare
it; models whose relations form a cycle cannot be created one after another, and
then the migrations run one by one instead.
"""

from __future__ import annotations

from dbshift.migrations.migration import Migration
from dbshift.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelOptions,
    AlterModelTable,
    AlterModelTableComment,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameIndex,
    RenameModel,
)
from dbshift.migrations.state import ModelKey, ProjectState
from dbshift.models.related import split_label

#: Operations that only change the schema, and so may be replaced by their end state.
SCHEMA_OPERATIONS = frozenset(
    {
        AddConstraint,
        AddField,
        AddIndex,
        AlterField,
        AlterModelOptions,
        AlterModelTable,
        AlterModelTableComment,
        AlterUniqueTogether,
        CreateModel,
        DeleteModel,
        RemoveConstraint,
        RemoveField,
        RemoveIndex,
        RenameField,
        RenameIndex,
        RenameModel,
    }
)


def schema_only(migration: Migration) -> bool:
    """Return whether ``migration`` is atomic and made only of schema operations."""
    summary = getattr(migration, "summary", None)
    if summary is not None:
        return summary.schema_only  # known from the history index, without importing
    return migration.atomic and all(
        type(operation) in SCHEMA_OPERATIONS for operation in migration.operations
    )


def creating_operations(target: ProjectState) -> list[tuple[str, CreateModel]] | None:
    """Return ``(app label, CreateModel)`` pairs that build ``target`` from nothing.

    Each model comes after the models its relations point at; ``None`` when they
    point at each other in a cycle.
    """
    waiting = {key: _related_keys(target, key) for key in target.models}
    created: list[ModelKey] = []
    done: set[ModelKey] = set()
    while waiting:
        ready = [key for key, needs in waiting.items() if needs <= done]
        if not ready:
            return None
        for key in ready:
            del waiting[key]
            done.add(key)
            created.append(key)
    return [(key[0], CreateModel.from_state(target.models[key])) for key in created]


def _related_keys(state: ProjectState, key: ModelKey) -> set[ModelKey]:
    keys = set()
    for field in state.models[key].fields.values():
        if field.is_relation:
            for label in (field.to, getattr(field, "through", None)):
                if label:
                    keys.add(split_label(label))
    keys.discard(key)
    return keys & state.models.keys()
