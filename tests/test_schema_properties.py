"""Property: whatever sequence of model changes, migrating makes the database match the models.

Hypothesis builds a sequence of models.py versions. After each one the test runs
makemigrations and migrate, then compares the database, read with plain SQL, with
the schema tests/expectations.py writes out for the models; at the end it migrates
back to zero and expects an empty database. It runs on SQLite and on PostgreSQL.
A few histories also run through Django 5.2's ``migrate`` (the files makemigrations
wrote, with Django's import line), which must build the same schema.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbshift.actions.makemigrations import detect_changes, render_files, write_files
from dbshift.actions.migrate import MigrationSession
from dbshift.migrations.questioner import Questioner
from tests.django_oracle import DJANGO_INSTALLED, assert_same_schema, django_structure
from tests.expectations import assert_database_matches
from tests.helpers import ProjectDir
from tests.postgres import fresh_database
from tests.structure import read_structure, vendor_of

FIELD_KINDS = ("char", "int", "bool", "text", "decimal", "datetime")


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    null: bool = False
    size: int = 50
    indexed: bool = False

    def source(self) -> str:
        options = []
        if self.kind == "char":
            call, options = "CharField", [f"max_length={self.size}"]
        elif self.kind == "int":
            call = "IntegerField"
        elif self.kind == "bool":
            call = "BooleanField"
        elif self.kind == "text":
            call = "TextField"
        elif self.kind == "decimal":
            call, options = "DecimalField", ["max_digits=10", "decimal_places=2"]
        else:
            call = "DateTimeField"
        if self.null:
            options.append("null=True")
        if self.indexed:
            options.append("db_index=True")
        return f"models.{call}({', '.join(options)})"


@dataclass(frozen=True)
class ModelSpec:
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)
    unique_pair: tuple[str, str] | None = None

    def source(self, name: str) -> str:
        lines = [f"class {name}(models.Model):"]
        for field_name, spec in self.fields.items():
            lines.append(f"    {field_name} = {spec.source()}")
        for field_name, target in self.relations.items():
            lines.append(
                # No reverse accessor: two relations to one model would clash (Django's E304).
                f"    {field_name} = models.ForeignKey('{target}', null=True, "
                "on_delete=models.SET_NULL, related_name='+')"
            )
        if self.unique_pair:
            lines += ["", "    class Meta:", f"        unique_together = [{self.unique_pair!r}]"]
        if len(lines) == 1:
            lines.append("    pass")
        return "\n".join(lines)


Project = dict[str, ModelSpec]


def render(project: Project) -> str:
    return "\n\n\n".join(spec.source(name) for name, spec in project.items()) or "# no models"


field_specs = st.builds(
    FieldSpec,
    kind=st.sampled_from(FIELD_KINDS),
    null=st.booleans(),
    size=st.sampled_from([20, 50, 120]),
    indexed=st.booleans(),
)


@st.composite
def change(draw: st.DrawFn, project: Project) -> Project:
    """Return ``project`` with one random change applied."""
    names = sorted(project)
    counter = draw(st.integers(0, 10_000))
    action = draw(
        st.sampled_from(
            [
                "add_model",
                "add_field",
                "remove_field",
                "alter_field",
                "rename_field",
                "relate",
                "remove_model",
                "unique_pair",
            ]
            if names
            else ["add_model"]
        )
    )
    result = dict(project)
    if action == "add_model" and f"M{counter}" not in result:
        fields = draw(
            st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), field_specs, max_size=3)
        )
        # A name already taken would change that model instead, NOT NULL fields and all.
        result.setdefault(f"M{counter}", ModelSpec(fields=fields))
        return result
    name = draw(st.sampled_from(names))
    model = result[name]
    if action == "remove_model" and len(names) > 1:  # deleting every model is refused
        del result[name]
        return {
            other: replace(spec, relations={f: t for f, t in spec.relations.items() if t != name})
            for other, spec in result.items()
        }
    if action == "add_field":
        spec = replace(draw(field_specs), null=True)
        result[name] = replace(model, fields={**model.fields, f"f{counter}": spec})
    elif action == "remove_field" and model.fields:
        victim = draw(st.sampled_from(sorted(model.fields)))
        fields = {k: v for k, v in model.fields.items() if k != victim}
        pair = model.unique_pair if model.unique_pair and victim not in model.unique_pair else None
        result[name] = replace(model, fields=fields, unique_pair=pair)
    elif action == "alter_field" and model.fields:
        target = draw(st.sampled_from(sorted(model.fields)))
        old = model.fields[target]
        new = replace(
            old, null=True, size=draw(st.sampled_from([20, 50, 120])), indexed=not old.indexed
        )
        result[name] = replace(model, fields={**model.fields, target: new})
    elif action == "rename_field" and model.fields:
        old_name = draw(st.sampled_from(sorted(model.fields)))
        fields = {
            (f"r{counter}" if key == old_name else key): value
            for key, value in model.fields.items()
        }
        pair = model.unique_pair
        if pair and old_name in pair:
            pair = tuple(f"r{counter}" if part == old_name else part for part in pair)
        result[name] = replace(model, fields=fields, unique_pair=pair)
    elif action == "relate":
        target = draw(st.sampled_from(names))
        result[name] = replace(
            model, relations={**model.relations, f"rel{counter}": f"pages.{target}"}
        )
    elif action == "unique_pair" and len(model.fields) >= 2:
        pair = tuple(draw(st.permutations(sorted(model.fields)))[:2])
        result[name] = replace(model, unique_pair=pair)
    return result


@st.composite
def histories(draw: st.DrawFn) -> list[Project]:
    project: Project = {}
    versions = []
    for _ in range(draw(st.integers(1, 5))):
        project = draw(change(project))
        versions.append(project)
    return versions


class YesQuestioner(Questioner):
    """Accept every rename and give NOT NULL changes a one-off default."""

    def ask_rename_field(self, model_name: str, old_name: str, new_name: str, field: Any) -> bool:
        return True

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        return None


def database_matches_models(project: ProjectDir, url: str) -> None:
    loaded = project.project()
    with MigrationSession(loaded) as session:
        session.check_history()
        session.run(session.plan(session.targets()))
    assert_database_matches(url, loaded.models_state())


def write_and_apply(tmp_path_factory: Any, url: str, versions: list[Project]) -> ProjectDir:
    """Return a project whose migrations lead through ``versions``, each one applied."""
    root = tmp_path_factory.mktemp("property") / f"p{uuid.uuid4().hex[:8]}"
    project = ProjectDir(root, ["pages"], url)
    for version in versions:
        project.models("pages", render(version))
        loaded = project.project()
        changes = detect_changes(loaded, questioner=YesQuestioner())
        write_files(render_files(loaded, changes))
        database_matches_models(project, url)
    return project


def run_history(tmp_path_factory: Any, url: str, versions: list[Project]) -> None:
    project = write_and_apply(tmp_path_factory, url, versions)
    result = project.run("migrate", "pages", "zero")
    assert result.code == 0, result.output
    assert read_structure(url) == {}


PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("DBSHIFT_PROPERTY_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(versions=histories())
def test_sqlite_schema_follows_the_models(tmp_path_factory, versions):
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    run_history(tmp_path_factory, f"sqlite:///{path}", versions)


@PROPERTY_SETTINGS
@given(versions=histories())
def test_postgresql_schema_follows_the_models(tmp_path_factory, postgres_server, versions):
    with fresh_database(postgres_server) as url:
        run_history(tmp_path_factory, url, versions)


def same_as_django(tmp_path_factory: Any, url: str, server: str | None, versions) -> None:
    """Apply a history with dbshift, then its files with Django, and compare the schemas."""
    project = write_and_apply(tmp_path_factory, url, versions)
    workdir = Path(tmp_path_factory.mktemp("django"))
    built = django_structure(project.root, ["pages"], url, server, workdir)
    assert_same_schema(read_structure(url), built, vendor_of(url))


def django_settings(examples: int) -> settings:
    # A fixed set of histories: each one costs a Django process.
    return settings(PROPERTY_SETTINGS, max_examples=examples, derandomize=True)


needs_django = pytest.mark.skipif(not DJANGO_INSTALLED, reason="Django is not installed")
DJANGO_EXAMPLES = int(os.environ.get("DBSHIFT_DJANGO_EXAMPLES", "25"))


@needs_django
@django_settings(3)
@given(versions=histories())
def test_django_builds_the_same_sqlite_schema(tmp_path_factory, versions):
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    same_as_django(tmp_path_factory, f"sqlite:///{path}", None, versions)


@needs_django
@django_settings(3)
@given(versions=histories())
def test_django_builds_the_same_postgresql_schema(tmp_path_factory, postgres_server, versions):
    with fresh_database(postgres_server) as url:
        same_as_django(tmp_path_factory, url, postgres_server, versions)


@pytest.mark.slow
@needs_django
@settings(PROPERTY_SETTINGS, max_examples=DJANGO_EXAMPLES)
@given(versions=histories())
def test_django_builds_the_same_schema_on_many_histories(
    tmp_path_factory, postgres_server, versions
):
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    same_as_django(tmp_path_factory, f"sqlite:///{path}", None, versions)
    with fresh_database(postgres_server) as url:
        same_as_django(tmp_path_factory, url, postgres_server, versions)
