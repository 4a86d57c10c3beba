"""Fields that point at other models: ForeignKey, OneToOneField, ManyToManyField.

A relation names its target as a lowercase ``"app_label.modelname"`` label once it
is resolved; models.py may name it by class, ``"self"``, ``"Model"`` or
``"app.Model"``. States and migration files only ever hold the resolved label.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dbshift.exceptions import ModelDefinitionError
from dbshift.models.deletion import SET_NULL, OnDelete, as_rule
from dbshift.models.fields import NOT_PROVIDED, Field

RECURSIVE_RELATIONSHIP = "self"


def make_label(app_label: str, model_name: str) -> str:
    """Return the lowercase label states use as a model's key."""
    return f"{app_label}.{model_name}".lower()


def split_label(label: str) -> tuple[str, str]:
    """Return ``(app_label, model_name_lower)`` of a resolved label."""
    app_label, _, model_name = label.partition(".")
    return app_label, model_name.lower()


def resolve_reference(target: Any, app_label: str, model_name: str) -> str:
    """Return the label that ``target`` names, seen from model ``app_label.model_name``."""
    if isinstance(target, type):
        meta = getattr(target, "_meta", None)
        if meta is None:
            raise ModelDefinitionError(f"{target!r} is not a model class.")
        return meta.label_lower
    if not isinstance(target, str) or not target:
        raise ModelDefinitionError(f"Relation target {target!r} must be a model class or a string.")
    if target == RECURSIVE_RELATIONSHIP:
        return make_label(app_label, model_name)
    if "." in target:
        app, _, name = target.partition(".")
        return make_label(app, name)
    return make_label(app_label, target)


class RelatedField(Field):
    """A field whose values identify rows of another model."""

    is_relation = True
    positional: ClassVar[tuple[str, ...]] = ()

    # Options of both subclasses, installed by Field's defaults; declared for type checkers.
    related_name: str | None
    related_query_name: str | None

    def __init__(self, to: Any, *args: Any, **kwargs: Any) -> None:
        self.to: Any = to
        #: The target as the model declares it, for messages (``to`` is lowercased).
        self.declared_to = to if isinstance(to, str) else None
        super().__init__(*args, **kwargs)
        if isinstance(to, str) and "." in to and to != RECURSIVE_RELATIONSHIP:
            self.to = make_label(*to.split(".", 1))
        elif isinstance(to, type) and hasattr(to, "_meta"):
            self.to = to._meta.label_lower

    @property
    def is_resolved(self) -> bool:
        """Return whether the target is a full ``app.model`` label."""
        return isinstance(self.to, str) and "." in self.to

    def resolve(self, app_label: str, model_name: str) -> None:
        """Turn a relative target into a label, seen from the declaring model."""
        self.to = resolve_reference(self.to, app_label, model_name)

    @property
    def remote_label(self) -> str:
        """Return the label of the target model."""
        if not self.is_resolved:
            raise ModelDefinitionError(
                f"Relation to {self.to!r} is not resolved to an 'app.model' label."
            )
        return self.to

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["to"] = self.to
        return path, args, kwargs


class ForeignKey(RelatedField):
    """A column holding the key of a row in the target table, with a constraint."""

    extra_options = {
        "on_delete": None,
        "related_name": None,
        "related_query_name": None,
        "limit_choices_to": None,
        "parent_link": False,
        "to_field": None,
        "db_constraint": True,
        "db_index": True,
        "swappable": True,
    }
    positional = ("on_delete",)
    empty_strings_allowed = False
    on_delete: Any
    to_field: str | None

    def __init__(self, to: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(to, *args, **kwargs)
        self.on_delete = as_rule(self.on_delete)

    def check(self, model_label: str, name: str) -> None:
        super().check(model_label, name)
        if not isinstance(self.on_delete, OnDelete):
            raise ModelDefinitionError(
                f"{model_label}.{name}: {type(self).__name__} needs on_delete, one of "
                "models.CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, SET(...), "
                "DO_NOTHING."
            )
        if self.on_delete == SET_NULL and not self.null:
            raise ModelDefinitionError(f"{model_label}.{name}: on_delete=SET_NULL needs null=True.")
        if self.on_delete.name == "SET_DEFAULT" and not (
            self.has_default() or self.has_db_default()
        ):
            raise ModelDefinitionError(
                f"{model_label}.{name}: on_delete=SET_DEFAULT needs a default."
            )

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs.pop("swappable", None)
        return path, args, kwargs

    def attname(self, name: str) -> str:
        return f"{name}_id"

    def empty_value(self) -> Any:
        return None


class OneToOneField(ForeignKey):
    """A foreign key that is also unique: one row here for each row there."""

    fixed_options = {"unique": True}


class ManyToManyField(RelatedField):
    """A relation stored in a join table rather than a column.

    Without ``through`` the join table is created automatically, named after the
    model's table and the field unless ``db_table`` says otherwise.
    """

    many_to_many = True
    extra_options = {
        "related_name": None,
        "related_query_name": None,
        "limit_choices_to": None,
        "symmetrical": None,
        "through": None,
        "through_fields": None,
        "db_table": None,
        "db_constraint": True,
        "swappable": True,
    }
    through: Any
    db_table: str | None
    db_constraint: bool

    def __init__(self, to: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(to, *args, **kwargs)
        through = self.through
        if isinstance(through, str) and "." in through:
            self.through = make_label(*through.split(".", 1))
        elif isinstance(through, type) and hasattr(through, "_meta"):
            self.through = through._meta.label_lower

    def resolve(self, app_label: str, model_name: str) -> None:
        super().resolve(app_label, model_name)
        if self.through is not None:
            self.through = resolve_reference(self.through, app_label, model_name)

    def check(self, model_label: str, name: str) -> None:
        super().check(model_label, name)
        if self.through is not None and self.db_table is not None:
            raise ModelDefinitionError(
                f"{model_label}.{name}: db_table cannot be set together with through; "
                "set db_table on the through model instead."
            )
        if self.has_default() or self.db_default is not NOT_PROVIDED:
            raise ModelDefinitionError(
                f"{model_label}.{name}: a ManyToManyField cannot have a default."
            )

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs.pop("swappable", None)
        return path, args, kwargs

    @property
    def has_auto_table(self) -> bool:
        """Return whether dbshift owns the join table (no ``through`` model)."""
        return self.through is None
