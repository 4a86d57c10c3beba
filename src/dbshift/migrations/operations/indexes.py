"""Operations on the indexes and constraints of a model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.exceptions import BadMigrationError
from dbshift.migrations.operations.base import Operation, OperationCategory, allow_migrate_model
from dbshift.migrations.state import ProjectState
from dbshift.models.indexes import BaseConstraint, Index

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor


class IndexOperation(Operation):
    """An operation on one index or constraint of a model."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    model_name_arguments = ("model_name",)

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() == self.model_name_lower

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        return super().reduce(operation, app_label) or not operation.references_model(
            self.model_name, app_label
        )


class AddIndex(IndexOperation):
    """Create an index on a model's table."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ADDITION
    #: Build the index while writes go on (``CREATE INDEX CONCURRENTLY``).
    concurrently = False

    def __init__(self, model_name: str, index: Index) -> None:
        super().__init__(model_name)
        if not isinstance(index, Index) or not index.name:
            raise BadMigrationError(f"AddIndex on {model_name}: the index needs a name.")
        self.index = index

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return (type(self).__name__, {"model_name": self.model_name, "index": self.index})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.add_index(app_label, self.model_name, self.index)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.add_index(model, self.index, concurrently=self.concurrently)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.remove_index(model, self.index, concurrently=self.concurrently)

    def describe(self) -> str:
        where = " on field(s) " + ", ".join(self.index.fields)
        return f"Create index {self.index.name}{where} of model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_{self.index.name.lower()}"

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return (
            self.references_model(model_name, app_label) and name in self.index.referenced_fields()
        )

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        same_model = (
            isinstance(operation, IndexOperation)
            and operation.model_name_lower == self.model_name_lower
        )
        if same_model and isinstance(operation, RemoveIndex) and operation.name == self.index.name:
            return []
        if (
            same_model
            and isinstance(operation, RenameIndex)
            and operation.old_name == self.index.name
        ):
            return [AddIndex(self.model_name, self.index.with_name(operation.new_name))]
        return super().reduce(operation, app_label)


class RemoveIndex(IndexOperation):
    """Drop an index from a model's table."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.REMOVAL
    #: Drop the index without blocking queries (``DROP INDEX CONCURRENTLY``).
    concurrently = False

    def __init__(self, model_name: str, name: str) -> None:
        super().__init__(model_name)
        self.name = name

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return (type(self).__name__, {"model_name": self.model_name, "name": self.name})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.remove_index(app_label, self.model_name, self.name)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.remove_index(model, model.get_index(self.name), concurrently=self.concurrently)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.add_index(model, model.get_index(self.name), concurrently=self.concurrently)

    def describe(self) -> str:
        return f"Remove index {self.name} from {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name_lower}_{self.name.lower()}"


class RenameIndex(IndexOperation):
    """Give an index a new name, or a name to the unnamed index of ``old_fields``.

    ``old_fields`` is Django's way to turn an ``index_together`` group into a
    ``Meta.indexes`` entry; the index keeps its columns.
    """

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ALTERATION

    def __init__(
        self,
        model_name: str,
        new_name: str,
        old_name: str | None = None,
        old_fields: Sequence[str] | None = None,
    ) -> None:
        super().__init__(model_name)
        if (old_name is None) == (not old_fields):
            raise BadMigrationError(
                f"RenameIndex on {model_name}: give exactly one of old_name and old_fields."
            )
        self.new_name = new_name
        self.old_name = old_name
        self.old_fields = tuple(old_fields) if old_fields else None

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {"model_name": self.model_name, "new_name": self.new_name}
        if self.old_name is not None:
            kwargs["old_name"] = self.old_name
        else:
            kwargs["old_fields"] = self.old_fields
        return ("RenameIndex", kwargs)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        if self.old_fields:
            state.name_index_together(app_label, self.model_name, self.old_fields, self.new_name)
        else:
            assert self.old_name is not None  # __init__ requires old_name or old_fields
            state.rename_index(app_label, self.model_name, self.old_name, self.new_name)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        if not allow_migrate_model(model):
            return
        before = from_state.get_model(app_label, self.model_name)
        if self.old_fields:
            new = model.get_index(self.new_name)
            editor.name_index_together(before, model, self.old_fields, new)
        else:
            assert self.old_name is not None  # __init__ requires old_name or old_fields
            editor.rename_index(
                model, before.get_index(self.old_name), model.get_index(self.new_name)
            )

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
        after = from_state.get_model(app_label, self.model_name)
        if self.old_fields:
            index = after.get_index(self.new_name)
            editor.unname_index_together(after, model, self.old_fields, index)
        else:
            assert self.old_name is not None  # __init__ requires old_name or old_fields
            editor.rename_index(
                model, after.get_index(self.new_name), model.get_index(self.old_name)
            )

    def describe(self) -> str:
        if self.old_fields:
            return (
                f"Rename unnamed index for {self.old_fields} on {self.model_name} to "
                f"{self.new_name}"
            )
        return f"Rename index {self.old_name} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self) -> str:
        if self.old_fields:
            fields = "_".join(self.old_fields)
            return f"rename_{self.model_name_lower}_{fields}_{self.new_name.lower()}"
        return f"rename_{(self.old_name or '').lower()}_{self.new_name.lower()}"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            isinstance(operation, RenameIndex)
            and operation.model_name_lower == self.model_name_lower
            and operation.old_name == self.new_name
        ):
            return [
                RenameIndex(
                    self.model_name,
                    new_name=operation.new_name,
                    old_name=self.old_name,
                    old_fields=self.old_fields,
                )
            ]
        return super().reduce(operation, app_label)


class AddConstraint(IndexOperation):
    """Add a check or unique constraint to a model's table."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ADDITION
    #: Leave the existing rows unchecked (``NOT VALID``) until a ``ValidateConstraint``.
    not_valid = False

    def __init__(self, model_name: str, constraint: BaseConstraint) -> None:
        super().__init__(model_name)
        self.constraint = constraint

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return (
            type(self).__name__,
            {"model_name": self.model_name, "constraint": self.constraint},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.add_constraint(app_label, self.model_name, self.constraint)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.add_constraint(to_state, model, self.constraint, not_valid=self.not_valid)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.remove_constraint(from_state, model, self.constraint)

    def describe(self) -> str:
        return f"Create constraint {self.constraint.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_{self.constraint.name.lower()}"

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return (
            self.references_model(model_name, app_label)
            and name in self.constraint.referenced_fields()
        )

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            isinstance(operation, RemoveConstraint)
            and operation.model_name_lower == self.model_name_lower
            and operation.name == self.constraint.name
        ):
            return []
        return super().reduce(operation, app_label)


class RemoveConstraint(IndexOperation):
    """Drop a check or unique constraint from a model's table."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.REMOVAL

    def __init__(self, model_name: str, name: str) -> None:
        super().__init__(model_name)
        self.name = name

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("RemoveConstraint", {"model_name": self.model_name, "name": self.name})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.remove_constraint(app_label, self.model_name, self.name)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.remove_constraint(from_state, model, model.get_constraint(self.name))

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.add_constraint(to_state, model, model.get_constraint(self.name))

    def describe(self) -> str:
        return f"Remove constraint {self.name} from model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.model_name_lower}_{self.name.lower()}"
