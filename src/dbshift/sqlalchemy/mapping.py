"""Mapping the model classes of ``models.py`` onto their tables with the SQLAlchemy ORM.

Each model class is mapped imperatively: the class stays the user's, and gains
one attribute per column (``author_id``), one relationship per relation
(``author``, ``tags``) and the reverse relationships Django would give the
target (``article_set``, or the ``related_name``). ``on_delete`` stays the
database's: the ORM leaves rows that point at a deleted row to the foreign key's
``ON DELETE`` rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from dbshift.exceptions import ModelDefinitionError
from dbshift.migrations.state import ModelKey, ModelState, ProjectState
from dbshift.models.fields import Field
from dbshift.sqlalchemy.tables import TableBuilder


@dataclasses.dataclass
class MappedModel:
    """One model on its way to being mapped: its class, state, table and attributes."""

    cls: type
    state: ModelState
    table: sa.Table
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def taken(self) -> set[str]:
        """Return the attribute names the class already maps, or its fields hold."""
        names = set(self.properties) | set(self.state.fields)
        return names | {field.attname(name) for name, field in self.state.fields.items()}


def map_models(
    registry: orm.registry, classes: list[type], state: ProjectState, tables: TableBuilder
) -> None:
    """Map ``classes`` to their tables, with their relationships in both directions."""
    models: dict[ModelKey, MappedModel] = {}
    for cls in classes:
        model_state = state.get_model(cls._meta.app_label, cls._meta.object_name)  # type: ignore[attr-defined]
        models[model_state.key] = MappedModel(
            cls, model_state, tables.model_tables[model_state.key]
        )
    for model in models.values():
        for name, field in model.state.relations:
            target = models[state.get_model_by_label(field.remote_label).key]
            if field.many_to_many:
                _add_many_to_many(models, tables, model, target, name, field)
            else:
                _add_foreign_key(model, target, name, field, state)
    for model in models.values():
        model.cls.__init__ = _constructor(model)  # type: ignore[misc]
        registry.map_imperatively(model.cls, model.table, properties=model.properties)


def _add_foreign_key(
    model: MappedModel, target: MappedModel, name: str, field: Any, state: ProjectState
) -> None:
    local = model.table.c[field.attname(name)]
    remote_name = field.to_field or target.state.pk_name
    remote = target.table.c[target.state.fields[remote_name].attname(remote_name)]
    join = orm.foreign(local) == remote
    reverse = reverse_name(model.state, field)
    model.properties[name] = orm.relationship(
        target.cls,
        primaryjoin=join,
        remote_side=[remote],
        back_populates=reverse,
    )
    if reverse is None:
        return
    _claim(target, reverse, model, name)
    one = bool(field.unique) or bool(field.primary_key)
    target.properties[reverse] = orm.relationship(
        model.cls,
        primaryjoin=join,
        remote_side=[local],
        uselist=not one,
        back_populates=name,
        # The database applies on_delete (ON DELETE ...); the ORM must not set keys to NULL.
        passive_deletes="all",
    )


def _add_many_to_many(
    models: dict[ModelKey, MappedModel],
    tables: TableBuilder,
    model: MappedModel,
    target: MappedModel,
    name: str,
    field: Any,
) -> None:
    if field.has_auto_table:
        secondary = tables.join_tables[(model.state.key, name)]
        # Columns of a join table: its key, then the source, then the target.
        _key, source_column, target_column = secondary.columns
        overlaps: list[str] = []
    else:
        through = models[tables.state.get_model_by_label(field.through).key]
        source_field, target_field = _through_fields(through, model, target, name, field)
        secondary = through.table
        source_column = secondary.c[through.state.fields[source_field].attname(source_field)]
        target_column = secondary.c[through.state.fields[target_field].attname(target_field)]
        overlaps = _through_overlaps(through, source_field, target_field)
    primary = orm.foreign(source_column) == _pk_column(model)
    secondary_join = orm.foreign(target_column) == _pk_column(target)
    reverse = reverse_name(model.state, field)
    joined = ",".join(overlaps) or None
    model.properties[name] = _through(
        target.cls, secondary, primary, secondary_join, reverse, joined
    )
    if reverse is None:
        return
    _claim(target, reverse, model, name)
    target.properties[reverse] = _through(
        model.cls, secondary, secondary_join, primary, name, joined
    )


def _through(
    cls: type,
    secondary: sa.Table,
    near: sa.ColumnElement[bool],
    far: sa.ColumnElement[bool],
    back: str | None,
    overlaps: str | None,
) -> Any:
    """Return a relationship to ``cls`` through table ``secondary``.

    Deleting a row deletes its rows in the join table (the ORM for the rows it
    has loaded, ``ON DELETE CASCADE`` for the others).
    """
    return orm.relationship(
        cls,
        secondary=secondary,
        primaryjoin=near,
        secondaryjoin=far,
        back_populates=back,
        passive_deletes=True,
        overlaps=overlaps,
    )


def _pk_column(model: MappedModel) -> sa.Column[Any]:
    name = model.state.pk_name
    return model.table.c[model.state.fields[name].attname(name)]


def _through_fields(
    through: MappedModel, model: MappedModel, target: MappedModel, name: str, field: Any
) -> tuple[str, str]:
    """Return the fields of the through model that point at the source and the target."""
    if field.through_fields:
        source, destination = field.through_fields
        return source, destination
    keys = [
        (key, relation.remote_label)
        for key, relation in through.state.relations
        if not relation.many_to_many
    ]
    source = [key for key, label in keys if label == model.state.label_lower]
    destination = [key for key, label in keys if label == target.state.label_lower]
    if model.state.key == target.state.key and len(source) == 2:
        return source[0], source[1]
    if len(source) != 1 or len(destination) != 1:
        raise ModelDefinitionError(
            f"{model.state.label_lower}.{name}: through model {through.state.label_lower} "
            "needs exactly one foreign key to each side; set through_fields=(source, target)."
        )
    return source[0], destination[0]


def _through_overlaps(through: MappedModel, *fields: str) -> list[str]:
    """Return the relationships that also write the through table's keys."""
    names = list(fields)
    for field_name in fields:
        reverse = reverse_name(through.state, through.state.fields[field_name])
        if reverse is not None:
            names.append(reverse)
    return names


def reverse_name(model: ModelState, field: Any) -> str | None:
    """Return the attribute the target of ``field`` gets, as Django names it, or None.

    A ``related_name`` (or ``Meta.default_related_name``) may use ``%(class)s``,
    ``%(model_name)s`` and ``%(app_label)s``; one ending in ``+`` asks for none.
    """
    name = field.related_name or model.options.get("default_related_name")
    if name is None:
        one = not field.many_to_many and bool(field.unique)
        name = model.name_lower if one else f"{model.name_lower}_set"
    name = name % {
        "class": model.name_lower,
        "model_name": model.name_lower,
        "app_label": model.app_label.lower(),
    }
    return None if name.endswith("+") else name


def _claim(target: MappedModel, name: str, model: MappedModel, field_name: str) -> None:
    if name in target.taken:
        raise ModelDefinitionError(
            f"{model.state.label_lower}.{field_name}: the reverse accessor {name!r} clashes "
            f"with an attribute of {target.state.label_lower}; give the field a related_name."
        )


def _constructor(model: MappedModel) -> Callable[..., None]:
    """Return an ``__init__`` that takes mapped attributes and fills defaults as Django does.

    A field given neither by name nor by attribute gets its ``default``; a
    non-null text field without one gets ``""``. Fields with a ``db_default``,
    automatic keys and ``auto_now(_add)`` dates are left to the INSERT.
    """
    accepted = model.taken
    fields = [
        (name, field.attname(name), field)
        for name, field in model.state.fields.items()
        if field.concrete
    ]
    class_name = model.cls.__name__

    def __init__(self: Any, **values: Any) -> None:
        unknown = set(values) - accepted
        if unknown:
            raise TypeError(f"{class_name}() got unexpected field(s): {', '.join(sorted(unknown))}")
        for name, value in values.items():
            setattr(self, name, value)
        for name, attname, field in fields:
            if name in values or attname in values:
                continue
            value = _initial_value(field)
            if value is not None:
                setattr(self, attname, value)

    return __init__


def _initial_value(field: Field) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return None
    if field.has_default():
        return field.get_default()
    if field.has_db_default() or field.null or not field.empty_strings_allowed:
        return None
    return ""
