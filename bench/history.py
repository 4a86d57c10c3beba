"""Synthetic migration histories: plain data, generated deterministically from a seed.

A :class:`History` is what every flavour is written from: the migrations of each app
with their dependencies and operations, in one global order (the order they were
"written" in, which is also the order of the Alembic chain), and the final schema that
``models.py`` declares. Nothing here knows how a flavour spells it on disk.

The mix of operations follows what long-lived projects accumulate: new fields most
often, then indexes, type changes, renames and removals, and now and then a new model,
with foreign keys between apps. Fields that carry an index or a foreign key are never
renamed, altered or removed, so that every flavour can follow every step without
special cases.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

#: Bumped whenever the generator's output changes, so cached projects are rewritten.
GENERATOR_VERSION = 3

KINDS = ("char", "text", "int", "bool", "datetime", "decimal")


@dataclass(frozen=True)
class FieldSpec:
    """The database-shaping attributes of one field."""

    kind: str  # one of KINDS, or "fk"
    null: bool = False
    max_length: int | None = None  # char
    max_digits: int | None = None  # decimal
    to: tuple[str, str] | None = None  # fk: (app label, model name)

    @property
    def has_default(self) -> bool:
        """Return whether the field needs a default: NOT NULL columns other than keys."""
        return not self.null and self.kind != "fk"


@dataclass(frozen=True)
class CreateModel:
    app: str
    model: str
    fields: tuple[tuple[str, FieldSpec], ...]


@dataclass(frozen=True)
class AddField:
    app: str
    model: str
    name: str
    field: FieldSpec


@dataclass(frozen=True)
class AlterField:
    app: str
    model: str
    name: str
    old: FieldSpec
    new: FieldSpec


@dataclass(frozen=True)
class RenameField:
    app: str
    model: str
    old_name: str
    new_name: str
    field: FieldSpec


@dataclass(frozen=True)
class RemoveField:
    app: str
    model: str
    name: str
    field: FieldSpec


@dataclass(frozen=True)
class AddIndex:
    app: str
    model: str
    index: str
    field_name: str


Operation = CreateModel | AddField | AlterField | RenameField | RemoveField | AddIndex


@dataclass(frozen=True)
class Migration:
    app: str
    name: str
    dependencies: tuple[tuple[str, str], ...]
    operations: tuple[Operation, ...]

    @property
    def initial(self) -> bool:
        return self.name.startswith("0001_")


@dataclass
class ModelSchema:
    """The final (or current, while generating) shape of one model."""

    fields: dict[str, FieldSpec] = field(default_factory=dict)
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (index name, field name)

    def plain_fields(self) -> list[str]:
        """Return the fields an operation may rename, alter or remove."""
        indexed = {name for _, name in self.indexes}
        return [
            name for name, spec in self.fields.items() if spec.kind != "fk" and name not in indexed
        ]


@dataclass
class History:
    """A whole project's history and the schema it ends in."""

    apps: list[str]
    migrations: list[Migration]  # global order
    schema: dict[str, dict[str, ModelSchema]]  # app -> model -> final shape

    def app_migrations(self, app: str) -> list[Migration]:
        return [migration for migration in self.migrations if migration.app == app]

    @property
    def table_count(self) -> int:
        return sum(len(models) for models in self.schema.values())

    def dependents(self, app: str, name: str) -> set[tuple[str, str]]:
        """Return the migrations that depend on ``app.name``, it included: what
        ``migrate app zero`` unapplies when ``name`` is the app's first migration."""
        children: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for migration in self.migrations:
            for dependency in migration.dependencies:
                children.setdefault(dependency, []).append((migration.app, migration.name))
        found: set[tuple[str, str]] = set()
        pending = [(app, name)]
        while pending:
            key = pending.pop()
            if key not in found:
                found.add(key)
                pending += children.get(key, [])
        return found


def table_name(app: str, model: str) -> str:
    """Return the table Django (and so dbshift) gives ``app.model``."""
    return f"{app}_{model.lower()}"


class _Generator:
    def __init__(self, apps: int, migrations_per_app: int, seed: int) -> None:
        self.random = random.Random(seed)
        self.apps = [f"app{i:02d}" for i in range(apps)]
        self.per_app = migrations_per_app
        self.schema: dict[str, dict[str, ModelSchema]] = {app: {} for app in self.apps}
        self.latest: dict[str, str] = {}
        self.counter = 0

    def next_name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def new_field(self) -> FieldSpec:
        kind = self.random.choice(KINDS)
        if kind == "char":
            return FieldSpec("char", max_length=self.random.choice((50, 100, 200)))
        if kind == "datetime":
            return FieldSpec("datetime", null=True)
        if kind == "decimal":
            return FieldSpec("decimal", null=self.random.random() < 0.5, max_digits=10)
        if kind in ("text", "int"):
            return FieldSpec(kind, null=self.random.random() < 0.5)
        return FieldSpec(kind)

    def create_model(self, app: str, dependencies: set[tuple[str, str]]) -> CreateModel:
        name = self.next_name("M")
        fields = {self.next_name("f"): self.new_field() for _ in range(self.random.randint(2, 5))}
        targets = [(a, m) for a in self.apps for m in self.schema[a]]
        if targets and self.random.random() < 0.6:
            target_app, target_model = self.random.choice(targets)
            fields[self.next_name("rel")] = FieldSpec(
                "fk", null=True, to=(target_app, target_model)
            )
            if target_app != app:
                dependencies.add((target_app, self.latest[target_app]))
        self.schema[app][name] = ModelSchema(dict(fields))
        return CreateModel(app, name, tuple(fields.items()))

    def field_operation(self, app: str) -> Operation:
        model_name = self.random.choice(list(self.schema[app]))
        model = self.schema[app][model_name]
        plain = model.plain_fields()
        roll = self.random.random()
        if roll < 0.35 or not plain:
            name, spec = self.next_name("f"), self.new_field()
            model.fields[name] = spec
            return AddField(app, model_name, name, spec)
        target = self.random.choice(plain)
        spec = model.fields[target]
        if roll < 0.55 and (altered := _altered(spec)) is not None:
            model.fields[target] = altered
            return AlterField(app, model_name, target, spec, altered)
        if roll < 0.70:
            new_name = self.next_name("f")
            model.fields = {
                (new_name if name == target else name): value
                for name, value in model.fields.items()
            }
            return RenameField(app, model_name, target, new_name, spec)
        if roll < 0.82 and len(plain) > 1:
            del model.fields[target]
            return RemoveField(app, model_name, target, spec)
        index = self.next_name("ix_")
        model.indexes.append((index, target))
        return AddIndex(app, model_name, index, target)

    def migration(self, app: str) -> Migration:
        dependencies: set[tuple[str, str]] = set()
        number = int(self.latest[app][:4]) + 1 if app in self.latest else 1
        if number == 1:
            operations = [
                self.create_model(app, dependencies) for _ in range(self.random.randint(2, 4))
            ]
            name = "0001_initial"
        else:
            dependencies.add((app, self.latest[app]))
            operations = []
            for _ in range(self.random.randint(1, 4)):
                if self.random.random() < 0.12:
                    operations.append(self.create_model(app, dependencies))
                else:
                    operations.append(self.field_operation(app))
            name = f"{number:04d}_step{number}"
        self.latest[app] = name
        return Migration(app, name, tuple(sorted(dependencies)), tuple(operations))

    def run(self) -> History:
        migrations = [
            self.migration(self.apps[step % len(self.apps)])
            for step in range(len(self.apps) * self.per_app)
        ]
        return History(self.apps, migrations, self.schema)


def _altered(spec: FieldSpec) -> FieldSpec | None:
    """Return the field widened or relaxed the way projects change fields, if it can be."""
    if spec.kind == "char":
        return dataclasses.replace(spec, max_length=spec.max_length + 50)
    if spec.kind == "decimal":
        return dataclasses.replace(spec, max_digits=spec.max_digits + 2)
    if spec.kind in ("text", "int") and not spec.null:
        return dataclasses.replace(spec, null=True)
    return None


def generate(apps: int, migrations_per_app: int, seed: int = 1) -> History:
    """Return a history of ``apps`` apps with ``migrations_per_app`` migrations each."""
    if apps < 1 or migrations_per_app < 1:
        raise ValueError("a history needs at least one app and one migration per app")
    return _Generator(apps, migrations_per_app, seed).run()
