"""The project state: what the models look like at one point of the history.

A :class:`ProjectState` is plain data built by folding the operations of migration
files, or read from the model classes. Model states are never changed in place:
every change replaces the one :class:`ModelState` it touches, so cloning a project
state only copies a dictionary of references, however long the history.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from dbshift.exceptions import BadMigrationError
from dbshift.models.base import STATE_OPTIONS, normalize_together
from dbshift.models.fields import Field
from dbshift.models.indexes import BaseConstraint, CheckConstraint, Index
from dbshift.models.related import RelatedField, make_label
from dbshift.utils.deconstruct import deep_deconstruct

ModelKey = tuple[str, str]
#: Options that list groups of fields: unique together, and (in old Django files) indexed.
TOGETHER_OPTIONS = ("unique_together", "index_together")


@dataclasses.dataclass(frozen=True, eq=False)
class ModelState:
    """One model at one point of the history: its name, fields and Meta options."""

    app_label: str
    name: str
    fields: Mapping[str, Field]
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    bases: tuple[Any, ...] = ()
    managers: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise BadMigrationError(
                f"Model name {self.name!r} in app '{self.app_label}' is not a Python identifier."
            )
        for field_name in self.fields:
            if not isinstance(field_name, str) or not field_name.isidentifier():
                raise BadMigrationError(
                    f"Field name {field_name!r} on {self.app_label}.{self.name} is not a "
                    "Python identifier."
                )

    # -- Identity --------------------------------------------------------------------

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def key(self) -> ModelKey:
        return (self.app_label, self.name_lower)

    @property
    def label_lower(self) -> str:
        return make_label(self.app_label, self.name)

    # -- What the table looks like ----------------------------------------------------

    @property
    def db_table(self) -> str:
        return self.options.get("db_table") or f"{self.app_label}_{self.name_lower}"

    @property
    def managed(self) -> bool:
        return self.options.get("managed", True) and not self.options.get("proxy", False)

    @property
    def indexes(self) -> list[Index]:
        return list(self.options.get("indexes", ()))

    @property
    def constraints(self) -> list[BaseConstraint]:
        return list(self.options.get("constraints", ()))

    @property
    def unique_together(self) -> set[tuple[str, ...]]:
        return normalize_together(self.options.get("unique_together"))

    @property
    def index_together(self) -> set[tuple[str, ...]]:
        """Return the groups of fields indexed together, which only old Django files declare."""
        return normalize_together(self.options.get("index_together"))

    @property
    def pk_name(self) -> str:
        for name, field in self.fields.items():
            if field.primary_key:
                return name
        raise BadMigrationError(f"Model {self.app_label}.{self.name} has no primary key.")

    @functools.cached_property
    def relations(self) -> tuple[tuple[str, RelatedField], ...]:
        """Return ``(name, field)`` for each relation field (computed once: states never change)."""
        return tuple(
            (name, field)  # type: ignore[misc]
            for name, field in self.fields.items()
            if field.is_relation
        )

    @functools.cached_property
    def related_labels(self) -> frozenset[str]:
        """Return the labels of the models this model's relations point at or go through."""
        labels = set()
        for _name, field in self.relations:
            labels.add(field.to)
            through = getattr(field, "through", None)
            if through is not None:
                labels.add(through)
        return frozenset(labels)

    def get_field(self, name: str) -> Field:
        """Return field ``name``, or raise naming the model and its fields."""
        try:
            return self.fields[name]
        except KeyError:
            raise BadMigrationError(
                f"{self.app_label}.{self.name} has no field {name!r} at this point of the "
                f"history (fields: {', '.join(self.fields)})."
            ) from None

    def find_field_by_attname(self, name: str) -> tuple[str, Field] | None:
        """Return the field whose name or attribute (``author_id``) is ``name``."""
        if name in self.fields:
            return name, self.fields[name]
        for field_name, field in self.fields.items():
            if field.attname(field_name) == name:
                return field_name, field
        return None

    def column(self, field_name: str) -> str:
        """Return the column of field ``field_name``."""
        return self.get_field(field_name).column_name(field_name)

    def get_index(self, name: str) -> Index:
        for index in self.indexes:
            if index.name == name:
                return index
        raise BadMigrationError(f"{self.app_label}.{self.name} has no index named {name!r}.")

    def get_constraint(self, name: str) -> BaseConstraint:
        for constraint in self.constraints:
            if constraint.name == name:
                return constraint
        raise BadMigrationError(f"{self.app_label}.{self.name} has no constraint named {name!r}.")

    # -- Copies -------------------------------------------------------------------------

    def replace(self, **changes: Any) -> ModelState:
        """Return a copy with ``changes`` applied; fields and options are copied too."""
        changes.setdefault("fields", dict(self.fields))
        changes.setdefault("options", dict(self.options))
        return dataclasses.replace(self, **changes)

    def with_option(self, key: str, value: Any) -> ModelState:
        """Return a copy with Meta option ``key`` set, or removed when ``value`` is None."""
        options = dict(self.options)
        if value is None or value == [] or value == set():
            options.pop(key, None)
        else:
            options[key] = value
        return self.replace(options=options)

    def clone(self) -> ModelState:
        """Return a deep copy whose fields, indexes and constraints are new objects."""
        options = dict(self.options)
        for key in ("indexes", "constraints"):
            if key in options:
                options[key] = [item.clone() for item in options[key]]
        return dataclasses.replace(
            self,
            fields={name: field.clone() for name, field in self.fields.items()},
            options=options,
        )

    # -- Comparison ------------------------------------------------------------------

    def deconstruct_all(self) -> Any:
        """Return everything this state holds as comparable plain data."""
        return (
            self.app_label,
            self.name,
            tuple((name, deep_deconstruct(field)) for name, field in self.fields.items()),
            deep_deconstruct(_canonical_options(self.options)),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelState):
            return NotImplemented
        return self.deconstruct_all() == other.deconstruct_all()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ModelState {self.app_label}.{self.name}>"

    # -- From model classes --------------------------------------------------------------

    @classmethod
    def from_model(cls, model: type) -> ModelState:
        """Return the state of a model class declared in a models module."""
        meta = model._meta  # type: ignore[attr-defined]
        options: dict[str, Any] = {}
        for key, value in meta.original_attrs.items():
            if key not in STATE_OPTIONS:
                continue
            if key == "unique_together":
                value = normalize_together(value)
            elif key in ("indexes", "constraints"):
                value = getattr(meta, key)
            if value in ([], (), set(), None):
                continue
            options[key] = value
        if meta.proxy:
            options["proxy"] = True
        # The model's own fields, indexes and constraints are shared, not copied:
        # states never change what they hold, they replace it.
        return cls(
            app_label=meta.app_label,
            name=meta.object_name,
            fields=dict(meta.fields),
            options={
                key: list(value) if key in ("indexes", "constraints") else value
                for key, value in options.items()
            },
        )


def _canonical_options(options: Mapping[str, Any]) -> dict[str, Any]:
    result = {}
    for key, value in sorted(options.items()):
        if key in TOGETHER_OPTIONS:
            value = sorted(normalize_together(value))
        elif key in ("indexes", "constraints"):
            value = sorted(value, key=lambda item: item.name)
        elif isinstance(value, set):
            value = sorted(value, key=repr)
        result[key] = value
    return result


class ProjectState:
    """Every model of every app at one point of the history."""

    def __init__(self, models: Mapping[ModelKey, ModelState] | None = None) -> None:
        #: The models by key; change it through the methods below, which keep
        #: the index of relations in step.
        self.models: dict[ModelKey, ModelState] = dict(models or {})
        #: The keys of the models with relations to each model label, built on
        #: first use and shared with clones until one of them changes.
        self._referrers: dict[str, frozenset[ModelKey]] | None = None
        self._owns_referrers = False

    @classmethod
    def from_models(cls, models: Iterable[type]) -> ProjectState:
        """Return the state that the given model classes declare."""
        return cls({state.key: state for state in map(ModelState.from_model, models)})

    def clone(self) -> ProjectState:
        """Return a state that can change without affecting this one."""
        clone = ProjectState(self.models)
        clone._referrers = self._referrers
        self._owns_referrers = False
        return clone

    # -- Lookup ------------------------------------------------------------------------

    def get_model(self, app_label: str, name: str) -> ModelState:
        """Return the model ``app_label.name`` (case-insensitive)."""
        try:
            return self.models[(app_label, name.lower())]
        except KeyError:
            raise BadMigrationError(
                f"Model '{app_label}.{name}' does not exist at this point of the history; "
                "check the migration's dependencies and the model name."
            ) from None

    def get_model_by_label(self, label: str) -> ModelState:
        app_label, _, name = label.partition(".")
        return self.get_model(app_label, name)

    def has_model(self, app_label: str, name: str) -> bool:
        return (app_label, name.lower()) in self.models

    def app_models(self, app_label: str) -> Iterator[ModelState]:
        """Yield the models of one app."""
        return (state for key, state in self.models.items() if key[0] == app_label)

    def related_fields_to(self, label: str) -> Iterator[tuple[ModelState, str, RelatedField]]:
        """Yield ``(model, field name, field)`` for each relation that targets ``label``.

        The models come in the order of :attr:`models`. An index finds them, so
        that renaming a field of a model nothing points at (the usual case) does
        not walk every model of a long history.
        """
        keys = self._referrer_index().get(label)
        if not keys:
            return
        ordered = [key for key in self.models if key in keys] if len(keys) > 1 else keys
        for key in ordered:
            state = self.models[key]
            for name, field in state.relations:
                if field.to == label or getattr(field, "through", None) == label:
                    yield state, name, field

    def _referrer_index(self) -> dict[str, frozenset[ModelKey]]:
        if self._referrers is None:
            index: dict[str, frozenset[ModelKey]] = {}
            for key, state in self.models.items():
                for label in state.related_labels:
                    index[label] = index.get(label, frozenset()) | {key}
            self._referrers, self._owns_referrers = index, True
        return self._referrers

    def _store(self, state: ModelState) -> None:
        """Put ``state`` in :attr:`models` under its key, keeping the index in step."""
        old = self.models.get(state.key)
        self.models[state.key] = state
        self._reindex(state.key, old, state)

    def _discard(self, key: ModelKey) -> None:
        """Remove the model ``key`` from :attr:`models`, keeping the index in step."""
        self._reindex(key, self.models.pop(key), None)

    def _reindex(self, key: ModelKey, old: ModelState | None, new: ModelState | None) -> None:
        if self._referrers is None:
            return
        before = old.related_labels if old is not None else frozenset()
        after = new.related_labels if new is not None else frozenset()
        if before == after:
            return
        if not self._owns_referrers:
            self._referrers, self._owns_referrers = dict(self._referrers), True
        index = self._referrers
        for label in before - after:
            remaining = index[label] - {key}
            if remaining:
                index[label] = remaining
            else:
                del index[label]
        for label in after - before:
            index[label] = index.get(label, frozenset()) | {key}

    # -- Models --------------------------------------------------------------------------

    def add_model(self, state: ModelState) -> None:
        if state.key in self.models:
            raise BadMigrationError(
                f"Model '{state.app_label}.{state.name}' already exists at this point of "
                "the history; a migration creates it twice."
            )
        self._store(state)

    def remove_model(self, app_label: str, name: str) -> None:
        """Remove a model that no other model's relation points at.

        Deleting a model that is still referenced would leave relations to a model
        that does not exist, and its table could only be dropped together with the
        other tables' keys (PostgreSQL's ``CASCADE``), which unapplying would not
        bring back.
        """
        state = self.get_model(app_label, name)
        referrers = self.referrers_of(state)
        if referrers:
            raise BadMigrationError(
                f"Cannot delete model {app_label}.{state.name}: "
                f"{', '.join(referrers)} still point{'s' if len(referrers) == 1 else ''} "
                "at it. Remove those fields, or point them at another model, before the "
                "DeleteModel (earlier in the same migration or in a migration it depends on)."
            )
        self._discard(state.key)

    def referrers_of(self, model: ModelState) -> list[str]:
        """Return ``app.Model.field`` for each relation of another model that targets ``model``."""
        return [
            f"{related.app_label}.{related.name}.{field_name}"
            for related, field_name, _field in self.related_fields_to(model.label_lower)
            if related.key != model.key
        ]

    def rename_model(self, app_label: str, old_name: str, new_name: str) -> None:
        old = self.get_model(app_label, old_name)
        old_label, new_label = old.label_lower, make_label(app_label, new_name)
        if self.has_model(app_label, new_name) and old_name.lower() != new_name.lower():
            raise BadMigrationError(f"Cannot rename {old_label}: '{app_label}.{new_name}' exists.")
        self._discard(old.key)
        self._store(old.replace(name=new_name))
        for state, name, field in list(self.related_fields_to(old_label)):
            self._replace_field(state.key, name, _retarget(field, old_label, new_label))

    def replace_model(self, state: ModelState) -> None:
        """Store ``state`` in place of the model with the same key."""
        self.get_model(state.app_label, state.name)
        self._store(state)

    def alter_model_options(
        self, app_label: str, name: str, options: Mapping[str, Any], keys: Iterable[str]
    ) -> None:
        """Set ``options`` and drop the other ``keys`` (AlterModelOptions' rule)."""
        state = self.get_model(app_label, name)
        new_options = dict(state.options)
        new_options.update(options)
        for key in keys:
            if key not in options:
                new_options.pop(key, None)
        self.replace_model(state.replace(options=new_options))

    def set_model_option(self, app_label: str, name: str, key: str, value: Any) -> None:
        self.replace_model(self.get_model(app_label, name).with_option(key, value))

    # -- Fields -------------------------------------------------------------------------

    def add_field(self, app_label: str, model_name: str, name: str, field: Field) -> None:
        state = self.get_model(app_label, model_name)
        if name in state.fields:
            raise BadMigrationError(
                f"Field {name!r} already exists on {app_label}.{state.name}; a migration "
                "adds it twice."
            )
        fields = dict(state.fields)
        fields[name] = field
        self.replace_model(state.replace(fields=fields))

    def remove_field(self, app_label: str, model_name: str, name: str) -> None:
        """Remove a field, and the indexes and constraints that use it.

        Databases drop an index or constraint together with a column it covers
        (PostgreSQL does so silently), so the state does the same.
        """
        state = self.get_model(app_label, model_name)
        state.get_field(name)
        fields = dict(state.fields)
        del fields[name]
        options = dict(state.options)
        for key in TOGETHER_OPTIONS:
            if key in options:
                groups = normalize_together(options[key])
                options[key] = {group for group in groups if name not in group}
        for key in ("indexes", "constraints"):
            if key in options:
                options[key] = [
                    item for item in options[key] if name not in item.referenced_fields()
                ]
        options = {key: value for key, value in options.items() if value not in ([], set())}
        self.replace_model(state.replace(fields=fields, options=options))

    def alter_field(self, app_label: str, model_name: str, name: str, field: Field) -> None:
        state = self.get_model(app_label, model_name)
        old_column = state.get_field(name).column_name(name)
        self._replace_field(state.key, name, field)
        self._rename_column_in_checks(state.key, old_column, field.column_name(name))

    def rename_field(self, app_label: str, model_name: str, old_name: str, new_name: str) -> None:
        state = self.get_model(app_label, model_name)
        state.get_field(old_name)
        if new_name in state.fields:
            raise BadMigrationError(
                f"Cannot rename {app_label}.{state.name}.{old_name} to {new_name!r}: that "
                "field exists."
            )
        fields = {
            (new_name if name == old_name else name): field for name, field in state.fields.items()
        }
        options = dict(state.options)
        for key in TOGETHER_OPTIONS:
            if key in options:
                options[key] = {
                    tuple(new_name if part == old_name else part for part in group)
                    for group in normalize_together(options[key])
                }
        for key in ("indexes", "constraints"):
            if key in options:
                options[key] = [
                    item.with_field_renamed(old_name, new_name)
                    if old_name in item.referenced_fields()
                    else item
                    for item in options[key]
                ]
        self.replace_model(state.replace(fields=fields, options=options))
        field = fields[new_name]
        self._rename_column_in_checks(
            state.key, field.column_name(old_name), field.column_name(new_name)
        )
        self._rename_to_field_references(state.label_lower, old_name, new_name)

    def _rename_column_in_checks(self, key: ModelKey, old: str, new: str) -> None:
        """Follow a renamed column in checks written as SQL text, as the databases do."""
        state = self.models[key]
        constraints = state.options.get("constraints")
        if old == new or not constraints:
            return
        renamed = [
            item.with_column_renamed(old, new) if isinstance(item, CheckConstraint) else item
            for item in constraints
        ]
        self._store(state.replace(options={**state.options, "constraints": renamed}))

    def _rename_to_field_references(self, label: str, old_name: str, new_name: str) -> None:
        for state, name, field in list(self.related_fields_to(label)):
            if getattr(field, "to_field", None) == old_name and field.to == label:
                _path, args, kwargs = field.deconstruct()
                kwargs["to_field"] = new_name
                self._replace_field(state.key, name, type(field)(*args, **kwargs))

    def _replace_field(self, key: ModelKey, name: str, field: Field) -> None:
        state = self.models[key]
        fields = dict(state.fields)
        fields[name] = field
        self._store(state.replace(fields=fields))

    # -- Indexes and constraints ----------------------------------------------------------

    def add_index(self, app_label: str, model_name: str, index: Index) -> None:
        state = self.get_model(app_label, model_name)
        if any(existing.name == index.name for existing in state.indexes):
            raise BadMigrationError(
                f"Index {index.name!r} already exists on {app_label}.{state.name}."
            )
        self.replace_model(state.with_option("indexes", [*state.indexes, index]))

    def remove_index(self, app_label: str, model_name: str, name: str) -> None:
        state = self.get_model(app_label, model_name)
        state.get_index(name)
        remaining = [index for index in state.indexes if index.name != name]
        self.replace_model(state.with_option("indexes", remaining))

    def rename_index(self, app_label: str, model_name: str, old_name: str, new_name: str) -> None:
        state = self.get_model(app_label, model_name)
        state.get_index(old_name)
        renamed = [
            index.with_name(new_name) if index.name == old_name else index
            for index in state.indexes
        ]
        self.replace_model(state.with_option("indexes", renamed))

    def name_index_together(
        self, app_label: str, model_name: str, fields: Sequence[str], new_name: str
    ) -> None:
        """Turn the ``index_together`` group ``fields`` into an index named ``new_name``."""
        state = self.get_model(app_label, model_name)
        group = tuple(fields)
        if group not in state.index_together:
            raise BadMigrationError(
                f"RenameIndex: {app_label}.{state.name} has no index_together entry "
                f"{group!r} (index_together: {sorted(state.index_together) or 'none'})."
            )
        state = state.with_option("index_together", (state.index_together - {group}) or None)
        self.replace_model(state)
        self.add_index(app_label, model_name, Index(fields=list(group), name=new_name))

    def add_constraint(self, app_label: str, model_name: str, constraint: BaseConstraint) -> None:
        state = self.get_model(app_label, model_name)
        if any(existing.name == constraint.name for existing in state.constraints):
            raise BadMigrationError(
                f"Constraint {constraint.name!r} already exists on {app_label}.{state.name}."
            )
        self.replace_model(state.with_option("constraints", [*state.constraints, constraint]))

    def remove_constraint(self, app_label: str, model_name: str, name: str) -> None:
        state = self.get_model(app_label, model_name)
        state.get_constraint(name)
        remaining = [item for item in state.constraints if item.name != name]
        self.replace_model(state.with_option("constraints", remaining))

    # -- Comparison ------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProjectState):
            return NotImplemented
        return self.models.keys() == other.models.keys() and all(
            state == other.models[key] for key, state in self.models.items()
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ProjectState with {len(self.models)} models>"


def _retarget(field: Field, old_label: str, new_label: str) -> Field:
    _path, args, kwargs = field.deconstruct()
    if kwargs.get("to") == old_label:
        kwargs["to"] = new_label
    if kwargs.get("through") == old_label:
        kwargs["through"] = new_label
    return type(field)(*args, **kwargs)
