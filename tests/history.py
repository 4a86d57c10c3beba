"""Long migration histories written straight to disk, and how to read a database back.

The concurrency and crash tests need a few hundred migrations that touch the
schema in every way a real history does. :func:`write_history` writes them as
files (no ``makemigrations``): a few models per app across three apps, built up
with CreateModel, AddField (including keys across apps), AlterField,
RenameField, RemoveField and AddIndex, one to three operations per migration,
and a ``models.py`` per app that matches the end of the history. The history is
a function of its seed, so two projects with the same seed hold the same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

import sqlalchemy as sa

from dbshift.backends.introspection import Schema, introspect
from dbshift.migrations.recorder import PROGRESS_TABLE_NAME, TABLE_NAME
from dbshift.migrations.state import ProjectState
from tests.expectations import expected_structure
from tests.helpers import ProjectDir
from tests.structure import Structure, read_structure, vendor_of

APPS = ("shop", "people", "blog")
HEADER = "from dbshift import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
ID_FIELD = '("id", models.BigAutoField(auto_created=True, primary_key=True))'


@dataclass(frozen=True)
class FieldDef:
    """A field: text (``char``), number (``int``) or a nullable key to another model."""

    kind: str
    size: int = 40
    null: bool = False
    default: int = 0
    target: str = ""

    def source(self) -> str:
        if self.kind == "fk":
            return (
                f'models.ForeignKey(null=True, on_delete=models.SET_NULL, to="{self.target}", '
                'related_name="+")'
            )
        if self.kind == "char":
            null = ", null=True" if self.null else ""
            return f"models.CharField(max_length={self.size}{null})"
        return f"models.IntegerField(default={self.default})"


@dataclass
class ModelDef:
    fields: dict[str, FieldDef] = field(default_factory=dict)
    indexes: dict[str, str] = field(default_factory=dict)  # index name -> field name


class HistoryBuilder:
    """Invent a history step by step, keeping the models it has built so far."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.models: dict[str, dict[str, ModelDef]] = {app: {} for app in APPS}
        self.migrations: dict[str, list[str]] = {app: [] for app in APPS}
        self.counter = 0

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def step(self) -> tuple[str, str, list[str], list[tuple[str, str]]]:
        """Return (app, name, operation sources, extra dependencies) of one migration."""
        app = self.random.choice(APPS)
        operations: list[str] = []
        dependencies: list[tuple[str, str]] = []
        kinds = []
        for _ in range(self.random.randint(1, 3)):
            kind = self._pick(app)
            kinds.append(kind)
            operations.append(getattr(self, f"_{kind}")(app, dependencies))
        number = len(self.migrations[app]) + 1
        name = f"{number:04d}_{'_'.join(dict.fromkeys(kinds))}"
        return app, name, operations, dependencies

    def _pick(self, app: str) -> str:
        models = self.models[app]
        if not models:
            return "create"
        choices = ["add"] * 4 + ["alter"] * 3 + ["rename"] * 2 + ["index"] * 2 + ["remove"]
        if len(models) < 4:
            choices.append("create")
        return self.random.choice(choices)

    def _model(self, app: str) -> tuple[str, ModelDef]:
        name = self.random.choice(sorted(self.models[app]))
        return name, self.models[app][name]

    def _create(self, app: str, dependencies: list[tuple[str, str]]) -> str:
        name = f"M{self.next_number()}"
        first = FieldDef("char", size=self.random.choice([20, 40, 80]))
        self.models[app][name] = ModelDef({"title": first})
        return (
            f'        migrations.CreateModel(\n            name="{name}",\n            fields=[\n'
            f"                {ID_FIELD},\n"
            f'                ("title", {first.source()}),\n            ],\n        ),\n'
        )

    def _add(self, app: str, dependencies: list[tuple[str, str]]) -> str:
        model_name, model = self._model(app)
        number = self.next_number()
        roll = self.random.random()
        if roll < 0.2:
            target_app = self.random.choice(APPS)
            if not self.models[target_app]:
                target_app = app
            target = self.random.choice(sorted(self.models[target_app]))
            new = FieldDef("fk", target=f"{target_app}.{target.lower()}")
            if target_app != app and self.migrations[target_app]:
                dependencies.append((target_app, self.migrations[target_app][-1]))
            name = f"k{number}"
        elif roll < 0.6:
            new = FieldDef("char", size=self.random.choice([20, 40, 80]), null=True)
            name = f"c{number}"
        else:
            new = FieldDef("int", default=self.random.randint(0, 9))
            name = f"n{number}"
        model.fields[name] = new
        return self._field_operation("AddField", model_name, name, new)

    def _plain_fields(self, model: ModelDef, indexed_too: bool = False) -> list[str]:
        indexed = set(model.indexes.values())
        return sorted(
            name
            for name, spec in model.fields.items()
            if spec.kind != "fk" and (indexed_too or name not in indexed)
        )

    def _alter(self, app: str, dependencies: list[tuple[str, str]]) -> str:
        model_name, model = self._model(app)
        candidates = self._plain_fields(model, indexed_too=True)
        name = self.random.choice(candidates)
        old = model.fields[name]
        if old.kind == "char":
            new = replace(old, size=self.random.choice([20, 40, 80, 120]), null=not old.null)
        else:
            new = replace(old, default=old.default + 1)
        model.fields[name] = new
        return self._field_operation("AlterField", model_name, name, new)

    def _rename(self, app: str, dependencies: list[tuple[str, str]]) -> str:
        model_name, model = self._model(app)
        candidates = self._plain_fields(model)
        if not candidates:
            return self._add(app, dependencies)
        old = self.random.choice(candidates)
        new = f"r{self.next_number()}"
        model.fields = {(new if key == old else key): value for key, value in model.fields.items()}
        return (
            f'        migrations.RenameField(model_name="{model_name.lower()}", '
            f'old_name="{old}", new_name="{new}"),\n'
        )

    def _remove(self, app: str, dependencies: list[tuple[str, str]]) -> str:
        model_name, model = self._model(app)
        candidates = self._plain_fields(model)
        if not candidates or len(self._plain_fields(model, indexed_too=True)) < 2:
            return self._add(app, dependencies)
        victim = self.random.choice(candidates)
        del model.fields[victim]
        return (
            f'        migrations.RemoveField(model_name="{model_name.lower()}", name="{victim}"),\n'
        )

    def _index(self, app: str, dependencies: list[tuple[str, str]]) -> str:
        model_name, model = self._model(app)
        target = self.random.choice(self._plain_fields(model, indexed_too=True))
        name = f"ix_{app}_{self.next_number()}"
        model.indexes[name] = target
        return (
            f'        migrations.AddIndex(model_name="{model_name.lower()}", '
            f'index=models.Index(fields=["{target}"], name="{name}")),\n'
        )

    @staticmethod
    def _field_operation(kind: str, model_name: str, name: str, spec: FieldDef) -> str:
        return (
            f'        migrations.{kind}(model_name="{model_name.lower()}", name="{name}", '
            f"field={spec.source()}),\n"
        )

    def models_source(self, app: str) -> str:
        """Return the body of ``app``'s models.py at the end of the history."""
        classes = []
        for name, model in self.models[app].items():
            lines = [f"class {name}(models.Model):"]
            lines += [
                f"    {field_name} = {spec.source()}" for field_name, spec in model.fields.items()
            ]
            if model.indexes:
                indexes = ", ".join(
                    f'models.Index(fields=["{target}"], name="{index}")'
                    for index, target in model.indexes.items()
                )
                lines += ["", "    class Meta:", f"        indexes = [{indexes}]"]
            classes.append("\n".join(lines))
        return "\n\n\n".join(classes) + "\n"


def write_history(project: ProjectDir, count: int, seed: int = 7) -> list[tuple[str, str]]:
    """Write ``count`` migrations over :data:`APPS` and matching models; return their keys."""
    builder = HistoryBuilder(seed)
    keys = []
    for _ in range(count):
        app, name, operations, extra = builder.step()
        previous = builder.migrations[app][-1:]
        dependencies = [(app, parent) for parent in previous] + extra
        deps = "".join(f'        ("{a}", "{n}"),\n' for a, n in dict.fromkeys(dependencies))
        body = (
            f"    dependencies = [\n{deps}    ]\n\n    operations = [\n{''.join(operations)}    ]\n"
        )
        project.write(f"{app}/migrations/{name}.py", HEADER + body)
        builder.migrations[app].append(name)
        keys.append((app, name))
    for app in APPS:
        project.models(app, builder.models_source(app))
    return keys


def project_with_history(make_project, url: str, count: int, seed: int = 7) -> ProjectDir:
    """Return a project over :data:`APPS` on ``url`` with a history of ``count`` migrations."""
    project = make_project(apps=APPS, database=url)
    write_history(project, count, seed)
    return project


# -- Reading a database back ---------------------------------------------------------------


def read_schema(url: str) -> Schema:
    """Return the introspected tables of the database at ``url``, without the recorder."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return introspect(connection, ignore=[TABLE_NAME, PROGRESS_TABLE_NAME])
    finally:
        engine.dispose()


def recorded_rows(url: str) -> list[tuple[str, str]]:
    """Return every (app, name) row of the recorder table, duplicates included."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(TABLE_NAME):
                return []
            rows = connection.exec_driver_sql(f"SELECT app, name FROM {TABLE_NAME}")
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def schema_at_recorded_boundary(project: ProjectDir, url: str) -> tuple[Structure, Structure]:
    """Return (actual, expected) schemas, expected being the state the recorder says.

    The expectation is written by hand (tests/expectations.py), not built by dbshift.
    """
    applied = recorded_rows(url)
    loader = project.project().loader(applied)
    state = loader.project_state(applied) if applied else ProjectState()
    return read_structure(url), expected_structure(state, vendor_of(url))


def inspected_schema(url: str) -> dict[str, dict[str, object]]:
    """Return what ``sqlalchemy.inspect`` reports of each table of ``url`` but the recorder's.

    Two databases built from the same history compare equal when they hold the same
    tables with the same columns (name, type, nullability, default), keys, indexes,
    unique and check constraints, names included.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            return {
                table: _inspected_table(inspector, table)
                for table in sorted(inspector.get_table_names())
                if table not in (TABLE_NAME, PROGRESS_TABLE_NAME)
            }
    finally:
        engine.dispose()


def _inspected_table(inspector: sa.Inspector, table: str) -> dict[str, object]:
    return {
        "columns": [
            (column["name"], str(column["type"]).lower(), column["nullable"], column["default"])
            for column in inspector.get_columns(table)
        ],
        "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
        "foreign keys": sorted(
            (
                key["name"] or "",
                tuple(key["constrained_columns"]),
                key["referred_table"],
                tuple(key["referred_columns"]),
                key["options"].get("ondelete") or "",
            )
            for key in inspector.get_foreign_keys(table)
        ),
        "indexes": sorted(
            (index["name"] or "", tuple(map(str, index["column_names"])), index["unique"])
            for index in inspector.get_indexes(table)
        ),
        "uniques": sorted(
            (unique["name"] or "", tuple(unique["column_names"]))
            for unique in inspector.get_unique_constraints(table)
        ),
        "checks": sorted(
            (check["name"] or "", check["sqltext"])
            for check in inspector.get_check_constraints(table)
        ),
    }
