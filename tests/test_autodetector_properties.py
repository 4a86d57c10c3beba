"""Any two projects: the planned migrations, run in dependency order, turn one into the other.

And on the way no model of one app is deleted while a model of another app still
points at it. A few pairs are also migrated on real databases: the schema dbshift
builds must be the one tests/expectations.py writes out for the new project.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from dbshift import models
from dbshift.migrations.graph import MigrationGraph
from dbshift.migrations.migration import Migration
from dbshift.migrations.state import ModelState, ProjectState
from dbshift.migrations.writer import render_migration
from dbshift.models.fields import NON_DB_OPTIONS
from tests.expectations import assert_database_matches
from tests.helpers import ProjectDir
from tests.postgres import fresh_database
from tests.states import ScriptedQuestioner, apply_in_order, detect, graph_with

APPS = ("pages", "shop", "blog")
MODEL_NAMES = ("Article", "Tag", "Order")
FIELD_NAMES = ("a", "b", "c", "d")


def plain_field(draw: Any) -> models.Field:
    kind = draw(st.sampled_from(["char", "int", "text", "bool", "decimal"]))
    null = draw(st.booleans())
    if kind == "char":
        return models.CharField(
            max_length=draw(st.sampled_from([10, 20])),
            null=null,
            db_index=draw(st.booleans()),
            verbose_name=draw(st.sampled_from([None, "label"])),
        )
    if kind == "int":
        return models.IntegerField(null=null, default=draw(st.sampled_from([0, 1])))
    if kind == "text":
        return models.TextField(null=null, blank=draw(st.booleans()))
    if kind == "bool":
        return models.BooleanField(default=draw(st.booleans()))
    return models.DecimalField(
        max_digits=draw(st.sampled_from([5, 8])), decimal_places=2, null=null
    )


def relation(draw: Any, labels: list[str]) -> models.Field:
    target = draw(st.sampled_from(labels))
    kind = draw(st.sampled_from(["fk", "o2o", "m2m"]))
    if kind == "fk":
        return models.ForeignKey(
            target, on_delete=draw(st.sampled_from([models.CASCADE, models.PROTECT])), null=True
        )
    if kind == "o2o":
        return models.OneToOneField(target, on_delete=models.CASCADE, null=True)
    return models.ManyToManyField(target)


@st.composite
def projects(draw: Any) -> ProjectState:
    """Return a project of up to three models in each of two apps."""
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(APPS), st.sampled_from(MODEL_NAMES)),
            unique=True,
            max_size=6,
        )
    )
    labels = [f"{app}.{name.lower()}" for app, name in keys]
    state = ProjectState()
    for app, name in keys:
        fields: dict[str, models.Field] = {
            "id": models.BigAutoField(auto_created=True, primary_key=True)
        }
        for field_name in draw(st.lists(st.sampled_from(FIELD_NAMES), unique=True, max_size=3)):
            use_relation = labels and draw(st.integers(0, 3)) == 0
            fields[field_name] = relation(draw, labels) if use_relation else plain_field(draw)
        state.add_model(ModelState(app, name, fields, options(draw, name, fields)))
    return state


def options(draw: Any, name: str, fields: dict[str, models.Field]) -> dict[str, Any]:
    columns = sorted(name for name, field in fields.items() if field.concrete and name != "id")
    result: dict[str, Any] = {}
    if draw(st.booleans()) and columns:
        chosen = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=2, unique=True))
        result["indexes"] = [models.Index(fields=chosen, name=f"{name}_{'_'.join(chosen)}_ix")]
    if draw(st.booleans()) and len(columns) > 1:
        result["unique_together"] = {tuple(columns[:2])}
    if draw(st.booleans()) and columns:
        column = draw(st.sampled_from(columns))
        result["constraints"] = [
            models.UniqueConstraint(fields=[column], name=f"{name}_{column}_uq")
        ]
    if draw(st.booleans()):
        result["db_table_comment"] = draw(st.sampled_from(["one", "two"]))
    if draw(st.integers(0, 4)) == 0:
        result["db_table"] = f"t_{name.lower()}"
    if draw(st.integers(0, 4)) == 0:
        result["ordering"] = ["-id"]
    return result


def schema(state: ProjectState) -> dict[Any, Any]:
    """Return what of each model shapes the database."""

    def field_facts(field: models.Field) -> Any:
        path, args, kwargs = field.deconstruct()
        return path, args, {k: v for k, v in kwargs.items() if k not in NON_DB_OPTIONS}

    result = {}
    for key, model in state.models.items():
        result[key] = (
            model.db_table,
            model.options.get("db_table_comment"),
            {name: repr(field_facts(field)) for name, field in model.fields.items()},
            sorted(model.unique_together),
            sorted((index.name, tuple(index.fields)) for index in model.indexes),
            sorted((item.name, tuple(item.fields)) for item in model.constraints),
        )
    return result


def described_state(state: ProjectState) -> str:
    return "; ".join(
        f"{model.label_lower}("
        + ", ".join(
            f"{name}={type(field).__name__}"
            + (f"->{field.to}" if field.is_relation else "")
            + (" null" if field.null else "")
            for name, field in model.fields.items()
            if name != "id"
        )
        + ")"
        for model in state.models.values()
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects(), projects(), st.booleans())
def test_planned_migrations_turn_the_old_project_into_the_new(before, after, renames):
    note(f"before: {described_state(before)}\nafter: {described_state(after)}")
    existing = graph_with(*((app, "0001_initial") for app in sorted({k[0] for k in before.models})))
    questioner = ScriptedQuestioner(renames=renames, default=0, alteration_default=0)

    changes = detect(before, after, questioner, graph=existing)

    folded = apply_in_order(before, changes, existing)
    assert schema(folded) == schema(after)
    assert detect(folded, after, ScriptedQuestioner(), graph=existing) == {}
    for migrations in changes.values():
        names = [migration.name for migration in migrations]
        assert len(set(names)) == len(names)


# -- The planned migrations on a real database ----------------------------------------------


def graph_of(changes: dict[str, list[Migration]]) -> MigrationGraph:
    """Return the graph of freshly planned migrations (the initial ones of a project)."""
    graph = MigrationGraph()
    for migrations in changes.values():
        for migration in migrations:
            graph.add_node(migration.key, migration)
    for migrations in changes.values():
        for migration in migrations:
            for parent in migration.dependencies:
                graph.add_dependency(migration.key, parent)
    return graph


def write_migrations(project: ProjectDir, *changes: dict[str, list[Migration]]) -> None:
    for planned in changes:
        for label, migrations in planned.items():
            for migration in migrations:
                source = render_migration(migration, include_header=False)
                project.write(f"{label}/migrations/{migration.name}.py", source)


def names_are_distinct(*states: ProjectState) -> bool:
    """Return whether no table, index or constraint name of ``states`` belongs to two models."""
    owners: dict[str, set[Any]] = {}
    for state in states:
        for key, model in state.models.items():
            names = [model.db_table] + [item.name for item in model.indexes + model.constraints]
            for name in names:
                owners.setdefault(name.lower(), set()).add(key)
    return all(len(keys) == 1 for keys in owners.values())


def migrate_from_before_to_after(
    tmp_path_factory: Any, url: str, before, after, renames: bool
) -> None:
    """Write the migrations to ``before`` and on to ``after``; apply them.

    The result must be what tests/expectations.py writes out for ``after``. (Django's
    ``migrate`` is no witness here: it refuses some of these type changes, such as
    boolean to numeric on PostgreSQL, that dbshift makes.)
    """
    # The generator may give two apps' models one table or index name: a state can hold
    # that, a database not.
    assume(names_are_distinct(before, after))
    initial = detect(ProjectState(), before, graph=MigrationGraph())
    questioner = ScriptedQuestioner(renames=renames, default=0, alteration_default=0)
    changes = detect(before, after, questioner, graph=graph_of(initial))
    root = tmp_path_factory.mktemp("planned")
    project = ProjectDir(root / "project", list(APPS), url)
    write_migrations(project, initial, changes)

    result = project.run("migrate", "-v", "0")

    assert result.code == 0, result.output
    assert_database_matches(url, after)


DATABASE_SETTINGS = settings(
    max_examples=4,
    derandomize=True,
    # Each example builds databases: shrinking a failure would take many minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@DATABASE_SETTINGS
@given(projects(), projects(), st.booleans())
def test_planned_migrations_build_the_new_project_on_sqlite(
    tmp_path_factory, before, after, renames
):
    note(f"before: {described_state(before)}\nafter: {described_state(after)}")
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    migrate_from_before_to_after(tmp_path_factory, f"sqlite:///{path}", before, after, renames)


@DATABASE_SETTINGS
@given(projects(), projects(), st.booleans())
def test_planned_migrations_build_the_new_project_on_postgresql(
    tmp_path_factory, postgres_server, before, after, renames
):
    note(f"before: {described_state(before)}\nafter: {described_state(after)}")
    with fresh_database(postgres_server) as url:
        migrate_from_before_to_after(tmp_path_factory, url, before, after, renames)


@pytest.mark.slow
@settings(DATABASE_SETTINGS, max_examples=30, derandomize=False)
@given(projects(), projects(), st.booleans())
def test_planned_migrations_build_the_new_project_on_many_pairs(
    tmp_path_factory, postgres_server, before, after, renames
):
    note(f"before: {described_state(before)}\nafter: {described_state(after)}")
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    migrate_from_before_to_after(tmp_path_factory, f"sqlite:///{path}", before, after, renames)
    with fresh_database(postgres_server) as url:
        migrate_from_before_to_after(tmp_path_factory, url, before, after, renames)
