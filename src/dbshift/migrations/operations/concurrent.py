"""Operations that change a busy table without blocking its writes (PostgreSQL).

They keep Django 5.2's names and arguments (``django.contrib.postgres.operations``).
On a database without ``CONCURRENTLY`` or ``NOT VALID`` they do what the plain
operation does, so the same migration files work on SQLite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.exceptions import BadMigrationError
from dbshift.migrations.operations.base import Operation, OperationCategory, allow_migrate_model
from dbshift.migrations.operations.indexes import (
    AddConstraint,
    AddIndex,
    IndexOperation,
    RemoveIndex,
)
from dbshift.migrations.state import ProjectState
from dbshift.models.indexes import BaseConstraint, CheckConstraint

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor


class AddIndexConcurrently(AddIndex):
    """Create an index while writes to the table go on (``CREATE INDEX CONCURRENTLY``)."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = True
    outside_transaction = True
    needs_non_atomic_migration = True
    concurrently = True

    def describe(self) -> str:
        fields = ", ".join(self.index.fields)
        return (
            f"Concurrently create index {self.index.name} on field(s) {fields} "
            f"of model {self.model_name}"
        )

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        # AddIndex folds a rename into a plain AddIndex, which would lose CONCURRENTLY.
        return IndexOperation.reduce(self, operation, app_label)


class RemoveIndexConcurrently(RemoveIndex):
    """Drop an index without blocking the queries on the table (``DROP INDEX CONCURRENTLY``)."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = True
    outside_transaction = True
    needs_non_atomic_migration = True
    concurrently = True

    def describe(self) -> str:
        return f"Concurrently remove index {self.name} from {self.model_name}"


class AddConstraintNotValid(AddConstraint):
    """Add a check that new rows must meet, leaving existing rows unchecked (``NOT VALID``).

    The table is locked only for the catalog change; :class:`ValidateConstraint`, in
    a later transaction, checks the existing rows while writes go on.
    """

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = True
    not_valid = True

    def __init__(self, model_name: str, constraint: BaseConstraint) -> None:
        if not isinstance(constraint, CheckConstraint):
            raise BadMigrationError(
                f"AddConstraintNotValid on {model_name}: {constraint!r} is not a "
                "CheckConstraint; only check constraints can be added NOT VALID."
            )
        super().__init__(model_name, constraint)

    def describe(self) -> str:
        return f"Create not valid constraint {self.constraint.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{super().migration_name_fragment}_not_valid"

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        # A later ValidateConstraint refers to it by name: keep the pair apart.
        return IndexOperation.reduce(self, operation, app_label)


class ValidateConstraint(IndexOperation):
    """Check the existing rows against a constraint added with :class:`AddConstraintNotValid`."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    category = OperationCategory.ALTERATION

    def __init__(self, model_name: str, name: str) -> None:
        super().__init__(model_name)
        self.name = name

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("ValidateConstraint", {"model_name": self.model_name, "name": self.name})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Leave the state as it is: the constraint is already in it."""

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.model_name)
        if allow_migrate_model(model):
            editor.validate_constraint(model, model.get_constraint(self.name))

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Do nothing: PostgreSQL cannot make a constraint NOT VALID again, nor needs to."""

    def describe(self) -> str:
        return f"Validate constraint {self.name} on model {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name_lower}_validate_{self.name.lower()}"
