"""Merging the branches of an app whose history split (``makemigrations --merge``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from dbshift.actions.makemigrations import check_name
from dbshift.migrations.autodetector import parse_number
from dbshift.migrations.graph import MigrationGraph
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.project import Project

#: Longest joined leaf names in a merge migration's name before a timestamp is used.
MAX_LEAF_NAMES = 47


@dataclass
class Merge:
    """The leaves of one app, what each branch did since they split, and the merge."""

    app_label: str
    branches: dict[str, list[Migration]]
    migration: Migration

    def overlaps(self) -> list[str]:
        """Return the models or fields that more than one branch changes."""
        touched: dict[str, set[str]] = {}
        for leaf, migrations in self.branches.items():
            for migration in migrations:
                for operation in migration.operations:
                    for target in _targets(operation):
                        touched.setdefault(target, set()).add(leaf)
        return sorted(target for target, leaves in touched.items() if len(leaves) > 1)


def _targets(operation: Operation) -> list[str]:
    model = getattr(operation, "model_name", None) or getattr(operation, "name", None)
    if not isinstance(model, str):
        return []
    field = getattr(operation, "name", None) if hasattr(operation, "model_name") else None
    if hasattr(operation, "old_name") and hasattr(operation, "model_name"):
        renamed = cast(Any, operation)  # a Rename* operation: it has both names
        return [f"{model.lower()}.{renamed.old_name}", f"{model.lower()}.{renamed.new_name}"]
    return [f"{model.lower()}.{field}" if field else model.lower()]


def plan_merges(
    project: Project, app_labels: Iterable[str] = (), name: str | None = None
) -> list[Merge]:
    """Return one merge per app that has several leaf migrations."""
    labels = set(project.check_app_labels(app_labels))
    check_name(name)
    loader = project.loader()
    merges = []
    for app_label, leaf_names in loader.detect_conflicts().items():
        if labels and app_label not in labels:
            continue
        branches = _branches(loader.graph, app_label, leaf_names)
        merges.append(Merge(app_label, branches, _merge_migration(app_label, leaf_names, name)))
    return merges


def _branches(
    graph: MigrationGraph, app_label: str, leaf_names: list[str]
) -> dict[str, list[Migration]]:
    chains = {
        name: [key for key in graph.forwards_plan((app_label, name)) if key[0] == app_label]
        for name in leaf_names
    }
    common = set.intersection(*(set(chain) for chain in chains.values()))
    return {
        name: [graph.node(key) for key in chain if key not in common]
        for name, chain in chains.items()
    }


def _merge_migration(app_label: str, leaf_names: list[str], name: str | None) -> Migration:
    number = max(parse_number(leaf) or 0 for leaf in leaf_names) + 1
    joined = "_".join(sorted(leaf_names))
    if name is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M")
        name = f"merge_{joined}" if len(joined) <= MAX_LEAF_NAMES else f"merge_{stamp}"
    migration = Migration(f"{number:04d}_{name}", app_label)
    migration.dependencies = sorted((app_label, leaf) for leaf in leaf_names)
    return migration
