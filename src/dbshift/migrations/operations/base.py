"""The contract every migration operation follows."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.utils.deconstruct import deep_deconstruct

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor
    from dbshift.migrations.state import ModelState, ProjectState
    from dbshift.models.fields import Field


class OperationCategory(enum.StrEnum):
    """The symbol ``makemigrations`` prints before an operation's description."""

    ADDITION = "+"
    REMOVAL = "-"
    ALTERATION = "~"
    PYTHON = "p"
    SQL = "s"
    MIXED = "?"


class Operation:
    """One step of a migration: a change to the project state and to the database.

    ``state_forwards`` changes the state; ``database_forwards`` and
    ``database_backwards`` ask a schema editor to change the database between two
    states. ``reduce`` lets the optimizer fold this operation with a later one.
    """

    #: Whether ``database_backwards`` can undo ``database_forwards``.
    reversible = True
    #: Whether the operation can be written as SQL (``sqlmigrate``, ``--plan``).
    reduces_to_sql = True
    #: Whether the operation insists on its own transaction in a non-atomic migration.
    atomic = False
    #: Whether, in a non-atomic migration, the operation runs outside any transaction
    #: (hand-written SQL such as ``CREATE INDEX CONCURRENTLY`` may need to); other
    #: operations each run in a transaction of their own.
    outside_transaction = False
    #: Whether the operation cannot run in a transaction at all (``CONCURRENTLY``), so
    #: that its migration must declare ``atomic = False``.
    needs_non_atomic_migration = False
    #: Whether a squash may drop this operation.
    elidable = False
    #: Whether the operation only changes the schema its model states describe, so
    #: that a fresh database may be built from the end state instead of running it,
    #: and a batch may run it with its neighbours. Only the class that declares it
    #: is schema-only: a subclass may do more (write rows, run SQL), so it is not
    #: unless it declares the flag again (see ``__init_subclass__``).
    schema_only: ClassVar[bool] = False
    #: Whether a CreateModel of the same model can take the operation in (the
    #: optimizer folds it into the model's creation). Subclasses inherit it.
    absorbable: ClassVar[bool] = False
    category = OperationCategory.MIXED
    #: The old and new name of a model this operation renames; an operation that
    #: refers to either may not move past it.
    renamed_model_names: tuple[str, ...] = ()
    #: Arguments that name a model; checksums compare them case-insensitively, as
    #: model names are.
    model_name_arguments: tuple[str, ...] = ()
    #: Arguments that hold SQL; checksums ignore their layout (see ``checksum``).
    sql_arguments: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "schema_only" not in vars(cls):
            cls.schema_only = False

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        """Return the class name and the keyword arguments that rebuild this operation."""
        raise NotImplementedError

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Apply this operation to ``state``, in place."""
        raise NotImplementedError

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Change the database from ``from_state`` to ``to_state``."""
        raise NotImplementedError

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Undo ``database_forwards``, changing the database back to ``to_state``."""
        raise NotImplementedError

    def unmanages_model(self) -> bool:
        """Return whether the operation may leave a model without a table of its own
        (``managed = False``, a proxy), where its end state and its tables part."""
        return False

    def declared_fields(self) -> Iterator[tuple[str, str, Field]]:
        """Yield ``(model name, field name, field)`` for each field this operation declares.

        Loading a migration checks these as models.py is checked, so that a
        hand-written field that cannot work stops every command before any SQL.
        """
        return iter(())

    def columns_added_back(
        self, app_label: str, from_state: ProjectState
    ) -> Iterator[tuple[ModelState, str]]:
        """Yield ``(model, field name)`` for each column that unapplying this operation adds
        back to a table that may hold rows; ``from_state`` is the state before it."""
        return iter(())

    def describe(self) -> str:
        """Return a one-line, human description of the operation."""
        return f"{type(self).__name__}"

    @property
    def migration_name_fragment(self) -> str | None:
        """Return the part of an automatic migration name this operation suggests."""
        return None

    def references_model(self, name: str, app_label: str) -> bool:
        """Return whether the operation may touch model ``app_label.name``.

        The optimizer only moves operations past each other when neither refers to
        the other's model, so an operation that cannot tell must answer True.
        """
        return True

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        """Return whether the operation may touch field ``name`` of ``model_name``."""
        return self.references_model(model_name, app_label)

    def refers_to_renamed_model(self, operation: Operation, app_label: str) -> bool:
        """Return whether ``operation`` renames a model that this operation refers to."""
        return any(self.references_model(name, app_label) for name in operation.renamed_model_names)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        """Return the operations that replace this one followed by ``operation``.

        ``True`` means ``operation`` may move past this one; ``False`` means neither.
        """
        if self.elidable:
            return [operation]
        if operation.elidable:
            return [self]
        return False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Operation):
            return NotImplemented
        return type(self) is type(other) and deep_deconstruct(
            self.deconstruct()
        ) == deep_deconstruct(other.deconstruct())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        name, kwargs = self.deconstruct()
        arguments = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
        return f"<{name} {arguments}>"


def allow_migrate_model(model: ModelState) -> bool:
    """Return whether dbshift manages the table of ``model`` (``managed`` and not a proxy)."""
    return model.managed
