"""The ``Model`` base class: a declaration of a table, read into ``_meta``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from dbshift.exceptions import ModelDefinitionError
from dbshift.models.fields import Field
from dbshift.models.indexes import BaseConstraint, Index
from dbshift.models.related import RelatedField, make_label

#: Meta options dbshift understands; anything else in ``Meta`` is a mistake.
META_OPTIONS = frozenset(
    {
        "abstract",
        "app_label",
        "base_manager_name",
        "constraints",
        "db_table",
        "db_table_comment",
        "db_tablespace",
        "default_manager_name",
        "default_permissions",
        "default_related_name",
        "get_latest_by",
        "indexes",
        "managed",
        "ordering",
        "permissions",
        "proxy",
        "required_db_features",
        "required_db_vendor",
        "select_on_save",
        "unique_together",
        "verbose_name",
        "verbose_name_plural",
    }
)

#: Meta options that live in migration states when given (Django keeps the same set).
STATE_OPTIONS = META_OPTIONS - {"abstract", "app_label", "proxy"}


def normalize_together(value: Any) -> set[tuple[str, ...]]:
    """Return ``unique_together`` as a set of field-name tuples."""
    if not value:
        return set()
    value = list(value)
    if all(isinstance(item, str) for item in value):
        value = [value]
    return {tuple(group) for group in value}


class Options:
    """What a model declares about its table: fields, name, indexes, constraints."""

    def __init__(self, model_name: str, app_label: str, meta_attrs: dict[str, Any]) -> None:
        self.object_name = model_name
        self.model_name = model_name.lower()
        self.app_label = app_label
        #: Meta options exactly as declared, interpolated; states copy these.
        self.original_attrs = meta_attrs
        self.abstract = bool(meta_attrs.get("abstract", False))
        self.managed = meta_attrs.get("managed", True)
        self.proxy = bool(meta_attrs.get("proxy", False))
        self.db_table = meta_attrs.get("db_table") or f"{app_label}_{self.model_name}"
        self.db_table_comment = meta_attrs.get("db_table_comment")
        self.ordering = list(meta_attrs.get("ordering", []))
        self.unique_together = normalize_together(meta_attrs.get("unique_together"))
        self.indexes: list[Index] = list(meta_attrs.get("indexes", []))
        self.constraints: list[BaseConstraint] = list(meta_attrs.get("constraints", []))
        self.fields: dict[str, Field] = {}

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.object_name}"

    @property
    def label_lower(self) -> str:
        return make_label(self.app_label, self.model_name)

    @property
    def pk_name(self) -> str:
        """Return the name of the primary key field."""
        return next(name for name, field in self.fields.items() if field.primary_key)

    @property
    def concrete_fields(self) -> dict[str, Field]:
        """Return the fields that are columns of this model's table."""
        return {name: field for name, field in self.fields.items() if field.concrete}

    def get_field(self, name: str) -> Field:
        """Return the field called ``name``."""
        try:
            return self.fields[name]
        except KeyError:
            raise ModelDefinitionError(f"{self.label} has no field named {name!r}.") from None


class ModelBase(type):
    """Read a model class body into ``_meta`` and register the model with its app."""

    def __new__(
        mcs,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        **kwargs: Any,
    ) -> ModelBase:
        model_parents = [base for base in bases if hasattr(base, "_meta")]
        if not any(isinstance(base, ModelBase) for base in bases):
            return super().__new__(mcs, name, bases, namespace, **kwargs)

        declared_meta = namespace.pop("Meta", None)
        own_fields = {key: value for key, value in namespace.items() if isinstance(value, Field)}
        for key in own_fields:
            del namespace[key]
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)

        meta_attrs = _read_meta(cls, declared_meta, model_parents)
        if meta_attrs.get("proxy"):
            raise ModelDefinitionError(
                f"Model {name}: proxy models are not supported; a proxy has no table of its "
                "own, so declare it in your code without subclassing models.Model."
            )
        app_label = meta_attrs.get("app_label") or _app_label_for(
            cls, required=not meta_attrs.get("abstract", False)
        )
        interpolated = _interpolate_meta(meta_attrs, app_label, name.lower())
        meta = Options(name, app_label, interpolated)
        cls._meta = meta  # type: ignore[attr-defined]
        if meta.abstract:
            cls.Meta = declared_meta  # type: ignore[attr-defined]  # children inherit it

        fields = _inherited_fields(model_parents, cls)
        fields.update(own_fields)
        if not meta.abstract:
            fields = _with_primary_key(fields, app_label)
        for field_name, field in fields.items():
            field.bind(cls, field_name)
            if isinstance(field, RelatedField) and not meta.abstract:
                field.resolve(app_label, meta.model_name)
        meta.fields = _ordered_fields(fields)

        if not meta.abstract:
            _name_unnamed_indexes(meta)
            check_model(meta)
            from dbshift.apps import register_model

            register_model(cls)
        return cls


def _read_meta(cls: type, declared_meta: type | None, parents: list[type]) -> dict[str, Any]:
    meta_cls = declared_meta
    if meta_cls is None:
        meta_cls = next(
            (
                parent.Meta
                for parent in parents
                if parent._meta.abstract and hasattr(parent, "Meta")  # type: ignore[attr-defined]
            ),
            None,
        )
    attrs: dict[str, Any] = {}
    if meta_cls is None:
        return attrs
    for klass in reversed(meta_cls.__mro__):
        for key, value in vars(klass).items():
            if not key.startswith("_"):
                attrs[key] = value
    unknown = set(attrs) - META_OPTIONS
    if unknown:
        raise ModelDefinitionError(
            f"Model {cls.__name__}: 'class Meta' has unknown option(s) "
            f"{', '.join(sorted(unknown))}."
        )
    # Only a model's own Meta makes it abstract; children of abstract models are concrete.
    attrs["abstract"] = bool(declared_meta is not None and vars(declared_meta).get("abstract"))
    if not attrs["abstract"]:
        attrs.pop("abstract")
    return attrs


def _interpolate_meta(attrs: dict[str, Any], app_label: str, class_name: str) -> dict[str, Any]:
    values = {"app_label": app_label.lower(), "class": class_name}
    result = dict(attrs)
    for key in ("indexes", "constraints"):
        if key in result:
            result[key] = [
                item.with_name(item.name % values) if "%(" in item.name else item.clone()
                for item in result[key]
            ]
    return result


def _app_label_for(cls: type, required: bool) -> str:
    """Return the app label of ``cls``; an abstract model may live outside any app."""
    from dbshift.apps import app_label_for_module

    try:
        return app_label_for_module(cls.__module__, cls.__name__)
    except ModelDefinitionError:
        if required:
            raise
        return ""


def _inherited_fields(parents: Iterable[type], cls: type) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for parent in parents:
        parent_meta = parent._meta  # type: ignore[attr-defined]
        if not parent_meta.abstract:
            raise ModelDefinitionError(
                f"Model {cls.__name__} inherits from concrete model {parent_meta.label}; "
                "multi-table inheritance is not supported. Make the parent abstract "
                "(Meta.abstract = True) or add a OneToOneField to it."
            )
        for name, field in parent_meta.fields.items():
            fields[name] = field.clone()
    return fields


def _with_primary_key(fields: dict[str, Field], app_label: str) -> dict[str, Field]:
    if any(field.primary_key for field in fields.values()):
        return fields
    if "id" in fields:
        raise ModelDefinitionError(
            "A field named 'id' that is not the primary key needs primary_key=True "
            "somewhere else; the automatic primary key is called 'id'."
        )
    from dbshift.apps import auto_field_class

    return {"id": auto_field_class(app_label)(auto_created=True, primary_key=True), **fields}


def _ordered_fields(fields: dict[str, Field]) -> dict[str, Field]:
    """Put the automatic primary key first and many-to-many fields last, as Django does."""
    auto = {name: field for name, field in fields.items() if field.auto_created}
    concrete = {
        name: field for name, field in fields.items() if not field.auto_created and field.concrete
    }
    related_sets = {name: field for name, field in fields.items() if not field.concrete}
    return {**auto, **concrete, **related_sets}


def _name_unnamed_indexes(meta: Options) -> None:
    for index in meta.indexes:
        if not index.name:
            columns = [meta.get_field(name).column_name(name) for name in index.field_names]
            index.set_name_with_model(meta.db_table, columns)


def check_model(meta: Options) -> None:
    """Raise :class:`ModelDefinitionError` for a model that cannot become a table."""
    label = meta.label
    columns: dict[str, str] = {}
    for name, field in meta.fields.items():
        field.check(label, name)
        if not field.concrete:
            continue
        column = field.column_name(name)
        if column in columns:
            raise ModelDefinitionError(
                f"{label}: fields {columns[column]!r} and {name!r} both use column "
                f"{column!r}; give one of them another name or db_column."
            )
        columns[column] = name
    if sum(field.primary_key for field in meta.fields.values()) > 1:
        raise ModelDefinitionError(f"{label} has more than one primary_key=True field.")
    _check_meta_references(meta)


def _check_meta_references(meta: Options) -> None:
    names = set(meta.fields)
    for group in meta.unique_together:
        _require_fields(meta, "unique_together", group, names)
    for index in meta.indexes:
        _require_fields(meta, f"index {index.name!r}", index.referenced_fields(), names)
    seen: set[str] = set()
    for declaration in [*meta.indexes, *meta.constraints]:
        if declaration.name in seen:
            raise ModelDefinitionError(
                f"{meta.label}: two indexes or constraints are named {declaration.name!r}."
            )
        seen.add(declaration.name)
    for constraint in meta.constraints:
        _require_fields(
            meta,
            f"constraint {constraint.name!r}",
            constraint.referenced_fields(),
            names,
        )


def _require_fields(meta: Options, what: str, fields: Iterable[str], names: set[str]) -> None:
    attnames = {meta.fields[name].attname(name) for name in names}
    for field_name in fields:
        if field_name not in names and field_name not in attnames:
            raise ModelDefinitionError(
                f"{meta.label}: {what} refers to {field_name!r}, which is not a field "
                f"of the model (fields: {', '.join(meta.fields)})."
            )


class Model(metaclass=ModelBase):
    """Base class of all models; subclass it and declare fields as class attributes."""

    _meta: ClassVar[Options]

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - _attribute_names(self._meta)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected field(s): {', '.join(sorted(unknown))}"
            )
        for name, field in self._meta.concrete_fields.items():
            attname = field.attname(name)
            if name in values:
                value = values[name]
            elif attname in values:
                value = values[attname]
            elif field.has_default():
                value = field.get_default()
            else:
                value = None
            setattr(self, attname, value)

    def __repr__(self) -> str:
        pk = getattr(self, self._meta.pk_name, None)
        return f"<{type(self).__name__}: {pk}>"


def _attribute_names(meta: Options) -> set[str]:
    names = set(meta.concrete_fields)
    names.update(field.attname(name) for name, field in meta.concrete_fields.items())
    return names
