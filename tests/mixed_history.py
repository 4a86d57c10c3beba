"""Histories where running migrations as written and building their end state could part.

:func:`write_mixed_history` writes, from a seed, one app's migrations that mix
ordinary schema changes with what the fresh build must not fold: models that are
not managed (some with keys pointing at them), proxies, ``managed`` switched
either way, table renames of unmanaged models, ``SeparateDatabaseAndState``
(a table created for the database only, and adopted by the state later), and
``RunSQL`` (elidable or not). Every history applies as written on SQLite and
PostgreSQL: the generator never asks the database for a table it lacks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.helpers import ProjectDir
from tests.history import HEADER

APP = "pages"
AUTO_ID = '("id", models.BigAutoField(primary_key=True))'


@dataclass
class MixedModel:
    """A model as the generator knows it, and what its table is like when run as written."""

    name: str
    managed: bool = True
    #: Whether the database holds a table for it (created while it was managed).
    has_table: bool = True
    #: Whether the state changed since the model stopped being managed.
    stale: bool = False
    #: Made managed without a table that matches: nothing may touch the table again.
    frozen: bool = False
    #: ``"int"``: an IntegerField primary key that may become a BigIntegerField.
    pk: str = "auto"
    #: Plain columns: name -> ``"char"`` or ``"int"``.
    plain: dict[str, str] = field(default_factory=dict)
    #: Columns a hand-written index covers: never renamed, altered or dropped.
    pinned: set[str] = field(default_factory=set)
    referenced: bool = False
    #: Its ``db_table`` option.
    db_table: str | None = None

    @property
    def lower(self) -> str:
        return self.name.lower()

    @property
    def table(self) -> str:
        return self.db_table or f"{APP}_{self.lower}"

    @property
    def changeable(self) -> bool:
        """Return whether the model's table follows its state (a managed model in step)."""
        return self.managed and not self.frozen


class MixedHistoryBuilder:
    """Invent migrations one at a time, tracking the models and their tables."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.models: dict[str, MixedModel] = {}
        self.proxies: list[str] = []
        #: Tables created for the database only, waiting for the state to adopt them.
        self.sides: list[str] = []
        self.counter = 0
        self.ordinary = False

    def number(self) -> int:
        self.counter += 1
        return self.counter

    def migration(self, ordinary: bool = False) -> list[str]:
        """Return the operation sources of the next migration.

        An ``ordinary`` one only creates and changes managed models, so that a
        history that starts with some has a part the fresh build stands in for.
        """
        self.ordinary = ordinary
        return [self.operation() for _ in range(self.random.randint(1, 2))]

    def operation(self) -> str:
        if self.ordinary:
            choices = ["create"] + ["managed_change"] * 3
        else:
            choices = ["create"] * 2 + ["managed_change"] * 6 + ["unmanaged_change"] * 4
            choices += ["toggle"] * 3 + ["proxy", "side", "sql"] + ["delete"]
        for _ in range(20):
            source = getattr(self, f"_{self.random.choice(choices)}")()
            if source:
                return source
        return self._create()

    # -- Models ----------------------------------------------------------------------------

    def _pick(self, predicate) -> MixedModel | None:
        candidates = [model for _, model in sorted(self.models.items()) if predicate(model)]
        return self.random.choice(candidates) if candidates else None

    def _create(self) -> str:
        name = f"M{self.number()}"
        managed = self.ordinary or self.random.random() < 0.7
        pk = "int" if self.random.random() < 0.3 else "auto"
        model = MixedModel(name, managed=managed, has_table=managed, pk=pk)
        model.plain["title"] = "char"
        self.models[name.lower()] = model
        id_field = '("id", models.IntegerField(primary_key=True))' if pk == "int" else AUTO_ID
        options: dict[str, object] = {}
        if not managed:
            options["managed"] = False
        if self.random.random() < 0.3:
            model.db_table = options["db_table"] = f"tbl_{self.counter}"
        return (
            f'        migrations.CreateModel("{name}", [{id_field}, '
            f'("title", models.CharField(max_length=30))], options={options!r}),\n'
        )

    def _delete(self) -> str | None:
        model = self._pick(lambda m: not m.referenced and not m.frozen)
        if model is None:
            return None
        del self.models[model.lower]
        return f'        migrations.DeleteModel("{model.name}"),\n'

    def _proxy(self) -> str | None:
        if self.proxies and self.random.random() < 0.5:
            name = self.proxies.pop()
            return f'        migrations.DeleteModel("{name}"),\n'
        model = self._pick(lambda m: m.changeable)
        if model is None:
            return None
        name = f"P{self.number()}"
        self.proxies.append(name)
        model.referenced = True
        return (
            f'        migrations.CreateModel("{name}", [], options={{"proxy": True}}, '
            f'bases=("{APP}.{model.lower}",)),\n'
        )

    def _toggle(self) -> str | None:
        model = self._pick(lambda m: not m.frozen)
        if model is None:
            return None
        if model.managed:
            model.managed = False
            return f'        migrations.AlterModelOptions("{model.name}", {{"managed": False}}),\n'
        model.managed = True
        model.frozen = not model.has_table or model.stale
        return f'        migrations.AlterModelOptions("{model.name}", {{}}),\n'

    # -- Changes of one model ------------------------------------------------------------

    def _managed_change(self) -> str | None:
        model = self._pick(lambda m: m.changeable)
        if model is None:
            return None
        kinds = ["add", "add", "fk", "m2m", "alter", "rename_field", "remove", "index"]
        kinds += ["unique", "table", "rename_model", "pk"]
        return self._change(model, self.random.choice(kinds))

    def _unmanaged_change(self) -> str | None:
        model = self._pick(lambda m: not m.managed)
        if model is None:
            return None
        kinds = ["add", "fk", "rename_field", "remove", "table", "rename_model", "pk", "options"]
        source = self._change(model, self.random.choice(kinds))
        if source:
            model.stale = True
        return source

    def _change(self, model: MixedModel, kind: str) -> str | None:
        return getattr(self, f"_{kind}")(model)

    def _add(self, model: MixedModel) -> str:
        name = f"f{self.number()}"
        if self.random.random() < 0.5:
            model.plain[name] = "char"
            field_source = "models.CharField(max_length=20, null=True)"
            extra = ""
        else:
            model.plain[name] = "int"
            field_source = f"models.IntegerField(default={self.random.randint(0, 9)})"
            extra = ", preserve_default=False" if self.random.random() < 0.4 else ""
        return f'        migrations.AddField("{model.lower}", "{name}", {field_source}{extra}),\n'

    def _fk(self, model: MixedModel) -> str | None:
        target = self._pick(lambda m: True)
        if target is None:
            return None
        target.referenced = True
        name = f"k{self.number()}"
        # Only a managed table in step is sure to exist with the key's column.
        constraint = "" if target.changeable and model.managed else ", db_constraint=False"
        return (
            f'        migrations.AddField("{model.lower}", "{name}", models.ForeignKey('
            f'"{APP}.{target.lower}", null=True, on_delete=models.DO_NOTHING, '
            f'related_name="+"{constraint})),\n'
        )

    def _m2m(self, model: MixedModel) -> str | None:
        target = self._pick(lambda m: m.changeable)
        if target is None:
            return None
        target.referenced = True
        name = f"m{self.number()}"
        return (
            f'        migrations.AddField("{model.lower}", "{name}", '
            f'models.ManyToManyField("{APP}.{target.lower}", related_name="+")),\n'
        )

    def _free(self, model: MixedModel) -> list[str]:
        return sorted(set(model.plain) - model.pinned)

    def _alter(self, model: MixedModel) -> str | None:
        chars = [name for name in self._free(model) if model.plain[name] == "char"]
        if not chars:
            return None
        name = self.random.choice(chars)
        size = self.random.choice([20, 40, 80])
        null = ", null=True" if name != "title" and self.random.random() < 0.7 else ""
        return (
            f'        migrations.AlterField("{model.lower}", "{name}", '
            f"models.CharField(max_length={size}{null})),\n"
        )

    def _rename_field(self, model: MixedModel) -> str | None:
        free = self._free(model)
        if not free:
            return None
        old = self.random.choice(free)
        new = f"r{self.number()}"
        model.plain[new] = model.plain.pop(old)
        return f'        migrations.RenameField("{model.lower}", "{old}", "{new}"),\n'

    def _remove(self, model: MixedModel) -> str | None:
        free = self._free(model)
        if len(model.plain) < 2 or not free:
            return None
        name = self.random.choice(free)
        del model.plain[name]
        return f'        migrations.RemoveField("{model.lower}", "{name}"),\n'

    def _index(self, model: MixedModel) -> str | None:
        if not model.plain:
            return None
        column = self.random.choice(sorted(model.plain))
        return (
            f'        migrations.AddIndex("{model.lower}", models.Index(fields=["{column}"], '
            f'name="ix_{self.number()}")),\n'
        )

    def _unique(self, model: MixedModel) -> str | None:
        if len(model.plain) < 2:
            return None
        pair = self.random.sample(sorted(model.plain), 2)
        return f'        migrations.AlterUniqueTogether("{model.lower}", [{tuple(pair)!r}]),\n'

    def _table(self, model: MixedModel) -> str:
        table = f"tbl_{self.number()}" if self.random.random() < 0.7 else None
        model.db_table = table
        return f'        migrations.AlterModelTable("{model.name}", {table!r}),\n'

    def _frozen_may_point_at(self, model: MixedModel) -> bool:
        """Return whether a frozen model's stale table or join table may refer to ``model``."""
        return model.referenced and any(other.frozen for other in self.models.values())

    def _rename_model(self, model: MixedModel) -> str | None:
        # Join tables of other models name a column after this model.
        if self._frozen_may_point_at(model):
            return None
        new = f"M{self.number()}"
        del self.models[model.lower]
        old, model.name = model.name, new
        self.models[model.lower] = model
        return f'        migrations.RenameModel("{old}", "{new}"),\n'

    def _pk(self, model: MixedModel) -> str | None:
        # Keys point at the primary key, and follow its type.
        if model.pk != "int" or self._frozen_may_point_at(model):
            return None
        model.pk = "big"
        return (
            f'        migrations.AlterField("{model.lower}", "id", '
            "models.BigIntegerField(primary_key=True)),\n"
        )

    def _options(self, model: MixedModel) -> str:
        return (
            f'        migrations.AlterModelOptions("{model.name}", '
            '{"managed": False, "ordering": ["id"]}),\n'
        )

    # -- Code written by hand ---------------------------------------------------------------

    def _side(self) -> str:
        """Create a table for the database only, or let the state adopt one made earlier."""
        if self.sides and self.random.random() < 0.6:
            name = self.sides.pop(0)
            self.models[name.lower()] = MixedModel(name, plain={"label": "char"})
            return self._separate(name, database=False)
        name = f"S{self.number()}"
        self.sides.append(name)
        return self._separate(name, database=True)

    @staticmethod
    def _separate(name: str, database: bool) -> str:
        create = (
            f'migrations.CreateModel("{name}", [{AUTO_ID}, '
            '("label", models.CharField(max_length=20))])'
        )
        side = "database_operations" if database else "state_operations"
        return f"        migrations.SeparateDatabaseAndState({side}=[{create}]),\n"

    def _sql(self) -> str:
        elidable = self.random.random() < 0.5
        model = self._pick(lambda m: m.changeable and m.plain)
        if model is None or self.random.random() < 0.3:
            statement, reverse = "SELECT 1", "SELECT 1"
        else:
            column = self.random.choice(sorted(model.plain))
            model.pinned.add(column)
            index = f"raw_{self.number()}"
            statement = f"CREATE INDEX {index} ON {model.table} ({column})"
            reverse = f"DROP INDEX {index}"
        return f"        migrations.RunSQL({statement!r}, {reverse!r}, elidable={elidable}),\n"


def write_mixed_history(project: ProjectDir, count: int, seed: int) -> list[str]:
    """Write ``count`` migrations of :data:`APP` invented from ``seed``; return their names."""
    builder = MixedHistoryBuilder(seed)
    ordinary = builder.random.randint(2, max(2, count // 4))
    names: list[str] = []
    for number in range(1, count + 1):
        operations = "".join(builder.migration(ordinary=number <= ordinary))
        dependencies = f'[("{APP}", "{names[-1]}")]' if names else "[]"
        body = f"    dependencies = {dependencies}\n    operations = [\n{operations}    ]\n"
        names.append(f"{number:04d}_step")
        project.write(f"{APP}/migrations/{names[-1]}.py", HEADER + body)
    return names
