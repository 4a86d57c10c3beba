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

The end state stands in for the migrations only where running them as written
leaves the tables the end state describes. Models that dbshift does not manage
(``managed = False``, proxies) are where the two part: making a model managed
creates no table and making it unmanaged drops none, and a change to an
unmanaged model leaves alone the keys of managed tables that point at it (its
table name, its key's column and type). The build therefore stops before the
first migration that does either (:func:`first_divergence`); from there on each
migration runs as written. Elidable ``RunSQL`` is no exception to the rule
above: squashing may drop it, but a migration that holds it still runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbshift.migrations.graph import format_key
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations import CreateModel
from dbshift.migrations.state import ModelKey, ModelState, ProjectState
from dbshift.models.related import RelatedField, split_label


def schema_only(migration: Migration) -> bool:
    """Return whether ``migration`` is atomic and made only of schema operations."""
    summary = getattr(migration, "summary", None)
    if summary is not None:
        return summary.schema_only  # known from the history index, without importing
    return migration.atomic and all(operation.schema_only for operation in migration.operations)


def may_unmanage(migration: Migration) -> bool:
    """Return whether ``migration`` may leave a model without a table of its own.

    Only CreateModel (of an unmanaged or proxy model) and AlterModelOptions (of
    ``managed``) do so among schema operations: a history without either has only
    managed models, and its end state stands in for it without a closer look.
    """
    summary = getattr(migration, "summary", None)
    if summary is not None:
        return summary.may_unmanage
    return any(operation.unmanages_model() for operation in migration.operations)


@dataclass(frozen=True)
class Divergence:
    """Where running migrations as written first leaves other tables than their end state."""

    #: How many migrations, from the first, the end state stands in for.
    count: int
    #: The state after those migrations.
    state: ProjectState
    #: Why the next one does not join them (``None``: all of them do).
    reason: str | None = None


def first_divergence(migrations: list[Migration], state: ProjectState) -> Divergence:
    """Return how many of ``migrations``, applied to ``state``, their end state stands in for."""
    for position, migration in enumerate(migrations):
        start = state.clone()
        for operation in migration.operations:
            before = state.clone()
            operation.state_forwards(migration.app_label, state)
            reason = _divergence(before, state)
            if reason is not None:
                where = f"{format_key(migration.key)}: {operation.describe()}"
                return Divergence(position, start, f"{where} {reason}")
    return Divergence(len(migrations), state)


def _divergence(before: ProjectState, after: ProjectState) -> str | None:
    """Return why the database change between two states is not the change of their tables."""
    for key in before.models.keys() | after.models.keys():
        old, new = before.models.get(key), after.models.get(key)
        if old is new:
            continue
        if old is not None and new is not None and old.managed != new.managed:
            made = "managed" if new.managed else "unmanaged"
            return f"makes {old.label_lower} {made}, which creates or drops no table"
        for model, state in ((old, before), (new, after)):
            if model is not None and not model.managed and _managed_referrer(state, model):
                return (
                    f"changes {model.label_lower}, which has no table, and leaves as they are "
                    "the keys of managed tables that point at it"
                )
    return None


def _managed_referrer(state: ProjectState, model: ModelState) -> bool:
    return any(referrer.managed for referrer, _, _ in state.related_fields_to(model.label_lower))


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
        if isinstance(field, RelatedField):
            for label in (field.to, getattr(field, "through", None)):
                if label:
                    keys.add(split_label(label))
    keys.discard(key)
    return keys & state.models.keys()
