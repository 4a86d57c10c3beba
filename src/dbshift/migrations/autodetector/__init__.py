"""Finding the changes between the migration state and the models.

The autodetector runs an ordered list of steps over a :class:`Diff`; each step
appends operations. :func:`arrange` then cuts them into migrations and
:func:`name_migrations` numbers and names them after the apps' current leaves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from dbshift.migrations.autodetector import fields, indexes, models
from dbshift.migrations.autodetector.arrange import PlannedMigration, arrange
from dbshift.migrations.autodetector.diff import Diff
from dbshift.migrations.graph import Key, MigrationGraph
from dbshift.migrations.migration import Migration
from dbshift.migrations.questioner import Questioner
from dbshift.migrations.state import ProjectState

#: The steps, in the order their operations should run within an app.
STEPS: tuple[Callable[[Diff], None], ...] = (
    models.detect_renamed_models,
    fields.detect_renamed_fields,
    models.detect_created_models,
    models.detect_table_options,
    indexes.detect_removed_indexes,
    indexes.detect_removed_unique_together,
    fields.detect_removed_fields,
    fields.detect_added_fields,
    fields.detect_altered_fields,
    models.detect_deleted_models,
    indexes.detect_added_unique_together,
    indexes.detect_added_indexes,
)


class MigrationAutodetector:
    """Compare two project states and say which migrations turn one into the other."""

    def __init__(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        questioner: Questioner | None = None,
    ) -> None:
        self.from_state = from_state
        self.to_state = to_state
        # Without a questioner, only what needs no answer is found: no renames.
        self.questioner = questioner or Questioner(renames=False)

    def changes(
        self,
        graph: MigrationGraph,
        apps: Iterable[str] | None = None,
        name: str | None = None,
    ) -> dict[str, list[Migration]]:
        """Return the new migrations per app label; only for ``apps`` if given."""
        diff = Diff(self.from_state.clone(), self.to_state, self.questioner)
        for step in STEPS:
            step(diff)
        planned = arrange(diff.changes, _existing_dependency_finder(graph))
        if apps is not None:
            planned = _trim_to_apps(planned, set(apps))
        return name_migrations(planned, graph, name)


def _existing_dependency_finder(
    graph: MigrationGraph,
) -> Callable[[str, str], Key | None]:
    """Return a function naming the last migration of an app that touched a model."""
    cache: dict[tuple[str, str], Key | None] = {}

    def find(app_label: str, model: str) -> Key | None:
        if (app_label, model) not in cache:
            cache[(app_label, model)] = _last_touching(graph, app_label, model)
        return cache[(app_label, model)]

    return find


def _last_touching(graph: MigrationGraph, app_label: str, model: str) -> Key | None:
    leaves = graph.leaf_nodes(app_label)
    if not leaves:
        return None
    chain = [key for key in graph.forwards_plan(leaves[0]) if key[0] == app_label]
    for key in reversed(chain):
        migration = graph.nodes[key]
        if migration is not None and any(
            operation.references_model(model, app_label) for operation in migration.operations
        ):
            return key
    return leaves[0]


def _trim_to_apps(
    planned: dict[str, list[PlannedMigration]], wanted: set[str]
) -> dict[str, list[PlannedMigration]]:
    """Keep the wanted apps' migrations and the new migrations they depend on."""
    keep = set(wanted)
    pending = list(wanted)
    while pending:
        label = pending.pop()
        for migration in planned.get(label, []):
            for app_label, _index in migration.new_dependencies:
                if app_label not in keep:
                    keep.add(app_label)
                    pending.append(app_label)
    return {label: items for label, items in planned.items() if label in keep}


def parse_number(name: str) -> int | None:
    """Return the number a migration name starts with (a squash's last number)."""
    squashed = re.match(r"^\d+_squashed_(\d+)", name)
    if squashed:
        return int(squashed.group(1))
    plain = re.match(r"^(\d+)", name)
    return int(plain.group(1)) if plain else None


def name_migrations(
    planned: dict[str, list[PlannedMigration]],
    graph: MigrationGraph,
    name: str | None = None,
) -> dict[str, list[Migration]]:
    """Number and name the planned migrations after each app's current leaf."""
    result: dict[str, list[Migration]] = {}
    for app_label, items in planned.items():
        leaves = graph.leaf_nodes(app_label)
        leaf = leaves[0] if leaves else None
        number = (parse_number(leaf[1]) or 0) + 1 if leaf else 1
        migrations = []
        for position, item in enumerate(items):
            migration = Migration("pending", app_label)
            migration.operations = item.operations
            migration.initial = leaf is None and position == 0
            migration.name = f"{number + position:04d}_{name or migration.suggest_name()}"
            migrations.append(migration)
        result[app_label] = migrations
    for app_label, items in planned.items():
        leaves = graph.leaf_nodes(app_label)
        for position, item in enumerate(items):
            dependencies: set[Key] = set(item.existing_dependencies)
            if position:
                dependencies.add(result[app_label][position - 1].key)
            elif leaves:
                dependencies.add(leaves[0])
            dependencies |= {result[other][index].key for other, index in item.new_dependencies}
            result[app_label][position].dependencies = sorted(dependencies)
    return result
