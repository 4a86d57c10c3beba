"""Operations on one field of a model: add, remove, alter, rename."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.exceptions import BadMigrationError, IrreversibleError
from dbshift.migrations.operations.base import (
    Operation,
    OperationCategory,
    allow_migrate_model,
)
from dbshift.migrations.operations.models import DeleteModel
from dbshift.migrations.state import ModelState, ProjectState
from dbshift.models.fields import NOT_PROVIDED, Field
from dbshift.models.related import RelatedField, make_label

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor


def _check_name(operation: str, what: str, name: Any) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise BadMigrationError(f"{operation}: {what} {name!r} is not an identifier.")


def without_default(field: Field) -> Field:
    """Return a copy of ``field`` whose Python default is gone (a one-off default)."""
    stripped = copy.copy(field)
    stripped.default = NOT_PROVIDED
    return stripped


class FieldOperation(Operation):
    """An operation on field ``name`` of model ``model_name``."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    model_name_arguments = ("model_name",)

    def __init__(self, model_name: str, name: str, field: Field | None = None) -> None:
        _check_name(type(self).__name__, "model name", model_name)
        _check_name(type(self).__name__, "field name", name)
        self.model_name = model_name
        self.name = name
        self.field = field

    def declared_fields(self) -> Iterator[tuple[str, str, Field]]:
        if self.field is not None:
            yield self.model_name, self.name, self.field

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    def is_same_field_operation(self, operation: Operation) -> bool:
        return (
            isinstance(operation, FieldOperation)
            and operation.model_name_lower == self.model_name_lower
            and operation.name_lower == self.name_lower
        )

    def references_model(self, name: str, app_label: str) -> bool:
        if name.lower() == self.model_name_lower:
            return True
        return self.field is not None and _relates_to(self.field, app_label, name)

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        if model_name.lower() == self.model_name_lower:
            return name.lower() == self.name_lower
        return self.field is not None and _relates_to(self.field, app_label, model_name)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if isinstance(operation, DeleteModel) and operation.name_lower == self.model_name_lower:
            return [operation]
        return super().reduce(operation, app_label) or not (
            operation.references_field(self.model_name, self.name, app_label)
            or self.refers_to_renamed_model(operation, app_label)
        )


def _relates_to(field: Field, app_label: str, model_name: str) -> bool:
    if not isinstance(field, RelatedField):
        return False
    label = model_name.lower() if "." in model_name else make_label(app_label, model_name)
    return field.to == label or getattr(field, "through", None) == label


class AddField(FieldOperation):
    """Add a column; ``preserve_default=False`` uses the default for existing rows only."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ADDITION
    field: Field

    def __init__(
        self, model_name: str, name: str, field: Field, preserve_default: bool = True
    ) -> None:
        super().__init__(model_name, name, field)
        self.preserve_default = preserve_default

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "name": self.name,
            "field": self.field,
        }
        if not self.preserve_default:
            kwargs["preserve_default"] = False
        return ("AddField", kwargs)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        field = self.field if self.preserve_default else without_default(self.field)
        state.add_field(app_label, self.model_name, self.name, field)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.add_field(to_state, model, self.name, self.field)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.remove_field(from_state, model, self.name)

    def describe(self) -> str:
        return f"Add field {self.name} to {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if self.is_same_field_operation(operation):
            if isinstance(operation, RemoveField):
                return []
            if isinstance(operation, RenameField):
                return [
                    AddField(
                        self.model_name,
                        operation.new_name,
                        self.field,
                        self.preserve_default,
                    )
                ]
            if isinstance(operation, AlterField):
                return self._absorb_alter(operation)
        return super().reduce(operation, app_label)

    def _absorb_alter(self, operation: AlterField) -> list[Operation] | bool:
        if self.preserve_default:
            if not operation.preserve_default:
                return False
            return [AddField(self.model_name, self.name, operation.field)]
        # Keep the one-off default as one-off: existing rows still get it, and the
        # state ends with the altered field, which must then have no default of its own.
        if operation.field.has_default() or not operation.preserve_default:
            return False
        field = copy.copy(operation.field)
        field.default = self.field.default
        return [AddField(self.model_name, self.name, field, preserve_default=False)]


class RemoveField(FieldOperation):
    """Drop a column (or a many-to-many join table)."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.REMOVAL

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("RemoveField", {"model_name": self.model_name, "name": self.name})

    def columns_added_back(
        self, app_label: str, from_state: ProjectState
    ) -> Iterator[tuple[ModelState, str]]:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model) and model.get_field(self.name).concrete:
            yield model, self.name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.remove_field(app_label, self.model_name, self.name)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.remove_field(from_state, model, self.name)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        if not allow_migrate_model(model):
            return
        field = model.get_field(self.name)
        if not field.fills_existing_rows() and editor.table_has_rows(model.db_table):
            from dbshift.migrations.rollback import refill_advice

            raise IrreversibleError(
                f"{model.app_label}.{model.name}.{self.name} is NOT NULL without a default, "
                f"and table {model.db_table} has rows that would get no value. "
                f"{refill_advice(model, self.name)}"
            )
        editor.add_field(to_state, model, self.name, field)

    def describe(self) -> str:
        return f"Remove field {self.name} from {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name_lower}_{self.name_lower}"


class AlterField(FieldOperation):
    """Change a field's definition; ``preserve_default=False`` fills NULLs once."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ALTERATION
    field: Field

    def __init__(
        self, model_name: str, name: str, field: Field, preserve_default: bool = True
    ) -> None:
        super().__init__(model_name, name, field)
        self.preserve_default = preserve_default

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "model_name": self.model_name,
            "name": self.name,
            "field": self.field,
        }
        if not self.preserve_default:
            kwargs["preserve_default"] = False
        return ("AlterField", kwargs)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        field = self.field if self.preserve_default else without_default(self.field)
        state.alter_field(app_label, self.model_name, self.name, field)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._alter(app_label, editor, from_state, to_state, fill=self.field)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._alter(app_label, editor, from_state, to_state, fill=None)

    def _alter(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
        fill: Field | None,
    ) -> None:
        old = from_state.get_model(app_label, self.model_name)
        new = to_state.get_model(app_label, self.model_name)
        if allow_migrate_model(new):
            editor.alter_field(from_state, to_state, old, new, self.name, self.name, fill_from=fill)

    def describe(self) -> str:
        return f"Alter field {self.name} on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.model_name_lower}_{self.name_lower}"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if self.is_same_field_operation(operation) and self.preserve_default:
            if isinstance(operation, RemoveField | AlterField):
                return [operation]
            if isinstance(operation, RenameField) and self.field.db_column is None:
                # With a db_column the column stays put through the rename; moving
                # the alter after it would rename the column and then rename it back.
                return [
                    operation,
                    AlterField(self.model_name, operation.new_name, self.field),
                ]
        return super().reduce(operation, app_label)


class RenameField(FieldOperation):
    """Rename a field, and its column unless ``db_column`` pins the column name."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ALTERATION

    def __init__(self, model_name: str, old_name: str, new_name: str) -> None:
        super().__init__(model_name, old_name)
        _check_name("RenameField", "new field name", new_name)
        self.old_name = old_name
        self.new_name = new_name

    @property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return (
            "RenameField",
            {
                "model_name": self.model_name,
                "old_name": self.old_name,
                "new_name": self.new_name,
            },
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.rename_field(app_label, self.model_name, self.old_name, self.new_name)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._rename(app_label, editor, from_state, to_state, self.old_name, self.new_name)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._rename(app_label, editor, from_state, to_state, self.new_name, self.old_name)

    def _rename(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
        old_name: str,
        new_name: str,
    ) -> None:
        old = from_state.get_model(app_label, self.model_name)
        new = to_state.get_model(app_label, self.model_name)
        if allow_migrate_model(new):
            editor.alter_field(from_state, to_state, old, new, old_name, new_name)

    def describe(self) -> str:
        return f"Rename field {self.old_name} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rename_{self.old_name_lower}_{self.model_name_lower}_{self.new_name_lower}"

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        if model_name.lower() == self.model_name_lower:
            return name.lower() in (self.old_name_lower, self.new_name_lower)
        return False

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            isinstance(operation, RenameField)
            and operation.model_name_lower == self.model_name_lower
            and operation.old_name_lower == self.new_name_lower
        ):
            if (
                operation.new_name_lower == self.old_name_lower
                and operation.new_name == self.old_name
            ):
                return []
            return [RenameField(self.model_name, self.old_name, operation.new_name)]
        if isinstance(operation, DeleteModel) and operation.name_lower == self.model_name_lower:
            return [operation]
        return Operation.reduce(self, operation, app_label) or not (
            operation.references_field(self.model_name, self.old_name, app_label)
            or operation.references_field(self.model_name, self.new_name, app_label)
        )
