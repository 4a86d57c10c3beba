"""Squashing a run of migrations into one, verified before it is written.

The squash replaces the run (``replaces``), carries the optimized operations and
the run's dependencies on the outside, and copies the RunPython functions it keeps
into its own file. Before anything is written, the state the squash builds is
compared with the state the run builds; any difference stops the squash.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbshift.exceptions import BadMigrationError, CircularDependencyError, NodeNotFoundError
from dbshift.migrations.codecopy import (
    CopiedCode,
    copy_functions,
    is_migration_function,
    operation_functions,
)
from dbshift.migrations.graph import Key, MigrationGraph, format_key
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.optimizer import optimize
from dbshift.migrations.statediff import describe_differences


@dataclass
class Squash:
    """A squashed migration ready to be written, with what it came from."""

    migration: Migration
    replaced: list[Migration]
    original_count: int
    code: CopiedCode


def squash_range(
    loader: MigrationLoader, app_label: str, start: str | None, end: str
) -> list[Migration]:
    """Return the migrations of ``app_label`` from ``start`` (or the first) to ``end``."""
    end_migration = loader.get_by_prefix(app_label, end)
    chain = [
        loader.graph.node(key)
        for key in loader.graph.forwards_plan(end_migration.key)
        if key[0] == app_label
    ]
    if start is not None:
        start_migration = loader.get_by_prefix(app_label, start)
        keys = [migration.key for migration in chain]
        if start_migration.key not in keys:
            raise NodeNotFoundError(
                f"Migration {start_migration} does not come before {end_migration}; the "
                "start of a squash must be an ancestor of its end."
            )
        chain = chain[keys.index(start_migration.key) :]
    if len(chain) < 2 and not (chain and chain[0].replaces):
        raise BadMigrationError(f"Nothing to squash: {end_migration} is a single migration.")
    return chain


def build_squash(
    loader: MigrationLoader,
    app_label: str,
    chain: list[Migration],
    name: str | None = None,
    optimized: bool = True,
    from_start: bool = True,
) -> Squash:
    """Return the squash of ``chain``, verified to build the same state."""
    keys = {migration.key for migration in chain}
    operations: list[Operation] = []
    replaces: list[Key] = []
    dependencies: set[Key] = set()
    for position, migration in enumerate(chain):
        replaces.extend(migration.replaces or [migration.key])
        operations.extend(migration.operations)
        for dependency in migration.dependencies:
            if dependency in keys or (dependency[0] == app_label and position > 0):
                continue
            dependencies.add(dependency)
    original_count = len(operations)
    if optimized:
        operations = optimize([op for op in operations if not op.elidable], app_label)
    squash = Migration(_squash_name(chain, name, from_start), app_label)
    squash.operations = operations
    squash.dependencies = sorted(dependencies)
    squash.replaces = replaces
    squash.initial = from_start or None
    squash.atomic = all(migration.atomic for migration in chain)
    verify_squash(loader, chain, squash)
    check_no_cycle(loader.graph, squash)
    functions = [
        value
        for op in operations
        for value in operation_functions(op)
        if is_migration_function(value)
    ]
    return Squash(squash, chain, original_count, copy_functions(functions))


def _squash_name(chain: list[Migration], name: str | None, from_start: bool) -> str:
    first, last = chain[0], chain[-1]
    if from_start:
        return f"0001_{name or 'squashed_' + last.name}"
    if name:
        return f"{first.name.split('_', 1)[0]}_{name}"
    return f"{first.name}_squashed_{last.name}"


def verify_squash(loader: MigrationLoader, chain: list[Migration], squash: Migration) -> None:
    """Raise unless ``squash`` builds exactly the state ``chain`` builds."""
    before = loader.project_state([chain[0].key], at_end=False)
    expected = before.clone()
    for migration in chain:
        migration.mutate_state(expected, preserve=False)
    try:
        actual = squash.mutate_state(before)
    except BadMigrationError as err:
        raise BadMigrationError(f"The squashed operations do not apply: {err}") from err
    differences = describe_differences(expected, actual, "the original migrations", "the squash")
    if differences:
        raise BadMigrationError(
            "The squash would not build the same state as the migrations it replaces, so "
            "nothing was written:\n  " + "\n  ".join(differences)
        )


def check_no_cycle(graph: MigrationGraph, squash: Migration) -> None:
    """Raise if putting ``squash`` in place of what it replaces creates a dependency cycle."""
    trial = MigrationGraph()
    for key, migration in graph.nodes.items():
        trial.add_node(key, migration)
    trial.add_node(squash.key, squash)
    for key in graph.nodes:
        for parent in graph.parents[key]:
            trial.add_dependency(key, parent)
    for dependency in squash.dependencies:
        if dependency in trial:
            trial.add_dependency(squash.key, dependency)
    trial.remove_replaced_nodes(squash.key, squash.replaces)
    try:
        trial.ensure_not_cyclic()
    except CircularDependencyError as err:
        raise CircularDependencyError(
            f"Squashing into {format_key(squash.key)} would create a dependency cycle, "
            f"because another app depends on a migration inside the range while the "
            f"range depends on that app: {err} Squash a shorter range."
        ) from err
