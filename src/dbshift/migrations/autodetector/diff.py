"""What every autodetector step reads and writes: the two states and the change set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dbshift.migrations.autodetector.changes import ChangeSet, Requirement
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.questioner import Questioner
from dbshift.migrations.state import ModelKey, ModelState, ProjectState
from dbshift.models.fields import NON_DB_OPTIONS, Field
from dbshift.models.related import RelatedField
from dbshift.utils.deconstruct import deep_deconstruct


@dataclass
class Diff:
    """The states being compared, and the operations found so far.

    ``old`` starts as the state the migrations build. Renames are applied to it as
    soon as they are found, so later steps compare models and fields by name.
    """

    old: ProjectState
    new: ProjectState
    questioner: Questioner
    changes: ChangeSet = field(default_factory=ChangeSet)

    def emit(
        self,
        app_label: str,
        operation: Operation,
        requires: set[Requirement] | None = None,
        provides: set[Requirement] | None = None,
        apply: bool = False,
    ) -> None:
        """Record ``operation``; with ``apply``, also fold it into the old state."""
        self.changes.add(app_label, operation, requires or set(), provides or set())
        if apply:
            operation.state_forwards(app_label, self.old)

    def kept(self) -> list[tuple[ModelState, ModelState]]:
        """Return ``(old, new)`` for every model present in both states."""
        return [
            (self.old.models[key], state)
            for key, state in self.new.models.items()
            if key in self.old.models
        ]

    def created(self) -> list[ModelState]:
        return [state for key, state in self.new.models.items() if key not in self.old.models]

    def deleted(self) -> list[ModelState]:
        return [state for key, state in self.old.models.items() if key not in self.new.models]

    def created_keys(self) -> set[ModelKey]:
        return {key for key in self.new.models if key not in self.old.models}


def field_signature(field: Field) -> Any:
    """Return what of ``field`` shapes the database, as comparable data."""
    path, args, kwargs = field.deconstruct()
    relevant = {key: value for key, value in kwargs.items() if key not in NON_DB_OPTIONS}
    return deep_deconstruct((path, args, relevant))


def same_schema(old: Field, new: Field) -> bool:
    """Return whether two fields shape the database the same way."""
    # Identical declarations are by far the common case, and comparing the
    # instances' option dictionaries is much cheaper than deconstructing them.
    if type(old) is type(new) and _declared(old) == _declared(new):
        return True
    return field_signature(old) == field_signature(new)


def _declared(field: Field) -> dict[str, Any]:
    return {key: value for key, value in field.__dict__.items() if key not in ("name", "model")}


def relation_requirements(field: Field) -> set[Requirement]:
    """Return the models that must exist before ``field`` can be created."""
    if not isinstance(field, RelatedField):
        return set()
    requirements = {Requirement.model_exists(field.to)}
    through = getattr(field, "through", None)
    if through:
        requirements.add(Requirement.model_exists(through))
    return requirements


def related_labels(field: Field) -> set[str]:
    """Return the labels of the models ``field`` points at (target and through model)."""
    if not isinstance(field, RelatedField):
        return set()
    labels = {field.to}
    through = getattr(field, "through", None)
    if through:
        labels.add(through)
    return labels
