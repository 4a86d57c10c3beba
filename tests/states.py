"""Declaring models in tests and running the autodetector on them, without files.

Models are declared from source text executed as if it were ``<app>.models``, so
that their app label is ``<app>`` as it would be in a project. They are not
registered anywhere; each call gets fresh classes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from dbshift import models
from dbshift.migrations.autodetector import MigrationAutodetector
from dbshift.migrations.graph import MigrationGraph
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations import DeleteModel
from dbshift.migrations.questioner import Questioner
from dbshift.migrations.state import ProjectState
from dbshift.models.fields import NOT_PROVIDED


def declare(app_label: str, source: str) -> list[type]:
    """Return the concrete model classes that ``source`` declares in app ``app_label``."""
    namespace: dict[str, Any] = {"__name__": f"{app_label}.models", "models": models}
    exec(textwrap.dedent(source), namespace)
    return [
        value
        for value in namespace.values()
        if isinstance(value, type)
        and issubclass(value, models.Model)
        and value is not models.Model
        and not value._meta.abstract
        and value._meta.app_label == app_label
    ]


def state(**apps: str) -> ProjectState:
    """Return the state the models of each app (``label=source``) declare."""
    classes: list[type] = []
    for label, source in apps.items():
        classes.extend(declare(label, source))
    return ProjectState.from_models(classes)


def graph_with(*keys: tuple[str, str]) -> MigrationGraph:
    """Return a graph holding a linear chain of empty migrations per app, named by ``keys``."""
    graph = MigrationGraph()
    previous: dict[str, tuple[str, str]] = {}
    for app_label, name in keys:
        graph.add_node((app_label, name), Migration(name, app_label))
        if app_label in previous:
            graph.add_dependency((app_label, name), previous[app_label])
        previous[app_label] = (app_label, name)
    return graph


class ScriptedQuestioner(Questioner):
    """Answer questions from a script and record what was asked."""

    def __init__(
        self,
        renames: bool = False,
        model_renames: bool | None = None,
        default: Any = NOT_PROVIDED,
        alteration_default: Any = NOT_PROVIDED,
    ) -> None:
        self.renames = renames
        self.model_renames = renames if model_renames is None else model_renames
        self.default = default
        self.alteration_default = alteration_default
        self.asked: list[tuple[Any, ...]] = []

    def ask_rename_model(self, app_label: str, old_name: str, new_name: str) -> bool:
        self.asked.append(("rename_model", app_label, old_name, new_name))
        return self.model_renames

    def ask_rename_field(self, model_name: str, old_name: str, new_name: str, field: Any) -> bool:
        self.asked.append(("rename_field", model_name, old_name, new_name, type(field).__name__))
        return self.renames

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        self.asked.append(("not_null_addition", field_name, model_name))
        if self.default is NOT_PROVIDED:
            return super().ask_not_null_addition(field_name, model_name)
        return self.default

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        self.asked.append(("not_null_alteration", field_name, model_name))
        return self.alteration_default


def detect(
    before: ProjectState,
    after: ProjectState,
    questioner: Questioner | None = None,
    graph: MigrationGraph | None = None,
    apps: Iterable[str] | None = None,
    name: str | None = None,
) -> dict[str, list[Migration]]:
    """Return the migrations the autodetector plans from ``before`` to ``after``."""
    if graph is None:
        labels = sorted({key[0] for key in [*before.models, *after.models]})
        graph = graph_with(*((label, "0001_initial") for label in labels))
    return MigrationAutodetector(before, after, questioner).changes(graph, apps, name)


def plan(changes: dict[str, list[Migration]], graph: MigrationGraph) -> list[Migration]:
    """Return the new migrations in an order their dependencies allow, as migrate runs them."""
    combined = MigrationGraph()
    for key, migration in graph.nodes.items():
        combined.add_node(key, migration)
    new = {migration.key: migration for items in changes.values() for migration in items}
    for key, migration in new.items():
        combined.add_node(key, migration)
    for key, migration in new.items():
        for parent in migration.dependencies:
            assert parent in combined, f"{key} depends on unknown {parent}"
            combined.add_dependency(key, parent)
    combined.validate_consistency()
    return [new[key] for key in combined.forwards_plan_many(combined.leaf_nodes()) if key in new]


def apply_in_order(
    before: ProjectState, changes: dict[str, list[Migration]], graph: MigrationGraph
) -> ProjectState:
    """Return ``before`` with the new migrations applied in dependency order.

    Raise AssertionError when a model is deleted while a relation from another
    app's model still points at it: its table would be dropped under a constraint.
    """
    current = before.clone()
    for migration in plan(changes, graph):
        for operation in migration.operations:
            if isinstance(operation, DeleteModel):
                label = f"{migration.app_label}.{operation.name_lower}"
                pointing = [
                    f"{model.label_lower}.{name}"
                    for model, name, _field in current.related_fields_to(label)
                    if model.app_label != migration.app_label
                ]
                assert not pointing, f"{migration} deletes {label} while {pointing} point at it"
            operation.state_forwards(migration.app_label, current)
    return current


def operations_of(changes: dict[str, list[Migration]], app_label: str) -> list[Any]:
    """Return the operations of every new migration of ``app_label``, in order."""
    return [op for migration in changes.get(app_label, []) for op in migration.operations]


def described(changes: dict[str, list[Migration]]) -> dict[str, list[list[str]]]:
    """Return each app's new migrations as lists of operation descriptions."""
    return {
        label: [[op.describe() for op in migration.operations] for migration in migrations]
        for label, migrations in changes.items()
    }
