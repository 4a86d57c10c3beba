"""Listing migrations with their status (``showmigrations``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dbshift.actions.migrate import MigrationSession
from dbshift.migrations.graph import Key, format_key


@dataclass(frozen=True)
class MigrationListing:
    """One migration as ``showmigrations`` lists it."""

    key: Key
    title: str
    mark: str
    applied_at: datetime.datetime | None
    dependencies: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return format_key(self.key)


def _entry(session: MigrationSession, key: Key) -> MigrationListing:
    migration = session.loader.graph.node(key)
    title = key[1]
    if migration.replaces:
        title += f" ({len(migration.replaces)} squashed migrations)"
    row = session.applied.get(key)
    if row is not None:
        mark, applied_at = "[X]", row.applied
    elif key in session.loader.applied:
        # A squash counts as applied once all it replaces are; migrate records it.
        mark, applied_at = "[-]", None
        title += " Run 'dbshift migrate' to finish recording."
    else:
        mark, applied_at = "[ ]", None
    parents = tuple(sorted(format_key(parent) for parent in session.loader.graph.parents[key]))
    return MigrationListing(key, title, mark, applied_at, parents)


def list_migrations(
    session: MigrationSession, labels: list[str] | None = None
) -> dict[str, list[MigrationListing]]:
    """Return each app's migrations in the order they apply."""
    graph = session.loader.graph
    wanted = sorted(labels or session.project.app_labels())
    result: dict[str, list[MigrationListing]] = {label: [] for label in wanted}
    leaves = [key for label in wanted for key in graph.leaf_nodes(label)]
    for key in graph.forwards_plan_many(leaves):
        if key[0] in result:
            result[key[0]].append(_entry(session, key))
    return result


def plan_listing(session: MigrationSession, labels: list[str]) -> list[MigrationListing]:
    """Return every migration of ``labels`` (default: all) in global apply order."""
    graph = session.loader.graph
    if labels:
        targets = [key for label in labels for key in graph.leaf_nodes(label)]
    else:
        targets = session.loader.all_leaves()
    return [_entry(session, key) for key in graph.forwards_plan_many(targets)]
