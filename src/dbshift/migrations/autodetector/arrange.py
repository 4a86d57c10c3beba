"""Cutting the found operations into migrations, one or more per app.

An app's operations go into one migration when everything they need from other
apps is ready; when apps need each other (a cycle of relations), the first app
that can make progress gets a partial migration and the rest follows in a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dbshift.exceptions import CircularDependencyError
from dbshift.migrations.autodetector.changes import (
    ChangeSet,
    PendingOperation,
    Requirement,
)
from dbshift.migrations.graph import Key
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.optimizer import optimize

#: A dependency on a new migration: its app and its position among that app's new ones.
NewKey = tuple[str, int]


@dataclass
class PlannedMigration:
    """Operations of one future migration, and what it must depend on."""

    app_label: str
    operations: list[Operation]
    new_dependencies: set[NewKey] = field(default_factory=set)
    existing_dependencies: set[Key] = field(default_factory=set)


ExistingDependency = Callable[[str, str], Key | None]


def arrange(
    changes: ChangeSet, existing_dependency: ExistingDependency
) -> dict[str, list[PlannedMigration]]:
    """Return the planned migrations of each app, optimized, in application order.

    ``existing_dependency(app_label, model)`` names the migration a reference to an
    unchanged model of another app must depend on.
    """
    queues = changes.by_app()
    providers = changes.providers()
    placed: dict[int, NewKey] = {}
    planned: dict[str, list[PlannedMigration]] = {}

    def takeable(
        app_label: str, items: list[PendingOperation]
    ) -> tuple[int, set[NewKey], set[Key]]:
        """Return how many leading items can go into one migration now, and its dependencies."""
        in_chunk: set[int] = set()
        new_deps: set[NewKey] = set()
        existing_deps: set[Key] = set()
        for count, item in enumerate(items):
            item_new: set[NewKey] = set()
            item_existing: set[Key] = set()
            for requirement in item.requires:
                where = _locate(
                    requirement,
                    item,
                    app_label,
                    providers,
                    placed,
                    in_chunk,
                    existing_dependency,
                )
                if not where.ready:
                    return count, new_deps, existing_deps
                if where.new is not None:
                    item_new.add(where.new)
                if where.existing is not None:
                    item_existing.add(where.existing)
            in_chunk.add(id(item))
            new_deps |= item_new
            existing_deps |= item_existing
        return len(items), new_deps, existing_deps

    def emit(app_label: str, count: int, new_deps: set[NewKey], existing_deps: set[Key]) -> None:
        items = queues[app_label][:count]
        del queues[app_label][:count]
        migrations = planned.setdefault(app_label, [])
        for item in items:
            placed[id(item)] = (app_label, len(migrations))
        operations = optimize([item.operation for item in items], app_label)
        migrations.append(PlannedMigration(app_label, operations, new_deps, existing_deps))

    while any(queues.values()):
        for app_label, items in queues.items():
            count, new_deps, existing_deps = takeable(app_label, items)
            if items and count == len(items):
                emit(app_label, count, new_deps, existing_deps)
                break
        else:
            for app_label, items in queues.items():
                count, new_deps, existing_deps = takeable(app_label, items)
                if count:
                    emit(app_label, count, new_deps, existing_deps)
                    break
            else:
                stuck = [item for items in queues.values() for item in items[:1]]
                raise CircularDependencyError(
                    "Cannot order the detected changes: "
                    + "; ".join(f"{item.app_label}: {item.operation.describe()}" for item in stuck)
                )
    return planned


@dataclass(frozen=True)
class _Location:
    """Whether a requirement is met yet, and the migration that meets it, if another app's."""

    ready: bool
    new: NewKey | None = None
    existing: Key | None = None


_NOT_YET = _Location(ready=False)
_HERE = _Location(ready=True)


def _locate(
    requirement: Requirement,
    item: PendingOperation,
    app_label: str,
    providers: dict[Requirement, PendingOperation],
    placed: dict[int, NewKey],
    in_chunk: set[int],
    existing_dependency: ExistingDependency,
) -> _Location:
    provider = providers.get(requirement)
    if provider is None or provider is item:
        if requirement.app_label != app_label and requirement.exists:
            key = existing_dependency(requirement.app_label, requirement.model)
            if key is not None:
                return _Location(ready=True, existing=key)
        return _HERE
    if id(provider) in in_chunk:
        return _HERE
    if id(provider) in placed:
        location = placed[id(provider)]
        return _Location(ready=True, new=location) if location[0] != app_label else _HERE
    return _NOT_YET
