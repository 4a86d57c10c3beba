"""The ``Migration`` class that migration files subclass."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dbshift.exceptions import BadMigrationError, DbShiftError, ModelDefinitionError
from dbshift.migrations.operations.base import Operation

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor
    from dbshift.migrations.state import ProjectState

MigrationKey = tuple[str, str]

#: Longest automatic name before the rest is summarised as ``_and_more``.
MAX_SUGGESTED_NAME = 52


class Migration:
    """A named list of operations with the migrations it must come after.

    Files declare ``operations``, ``dependencies`` and optionally ``run_before``,
    ``replaces`` (for squashes), ``initial``, ``atomic``, ``lint_accept``,
    ``lock_timeout`` and ``statement_timeout`` as class attributes; the loader makes
    one instance per file with its app label and name.
    """

    operations: list[Operation] = []
    dependencies: list[MigrationKey] = []
    run_before: list[MigrationKey] = []
    replaces: list[MigrationKey] = []
    initial: bool | None = None
    atomic: bool = True
    #: Ids of ``dbshift lint`` rules whose findings this migration accepts
    #: (see docs/postgres-safety.md).
    lint_accept: list[str] = []
    #: Seconds this migration's statements may wait for a table lock, and run, on
    #: PostgreSQL; None takes the settings' (see :mod:`dbshift.migrations.limits`).
    lock_timeout: float | None = None
    statement_timeout: float | None = None

    def __init__(self, name: str, app_label: str) -> None:
        self.name = name
        self.app_label = app_label
        where = f"Migration {app_label}.{name}"
        self.operations = list(type(self).operations)
        for operation in self.operations:
            if not isinstance(operation, Operation):
                raise BadMigrationError(
                    f"{where}: {operation!r} in operations is not an operation."
                )
        self._check_fields(where)
        self._check_atomic(where)
        self.dependencies = _keys(where, "dependencies", type(self).dependencies)
        self.run_before = _keys(where, "run_before", type(self).run_before)
        self.replaces = _keys(where, "replaces", type(self).replaces)

    def _check_atomic(self, where: str) -> None:
        """Refuse an operation that cannot run in a transaction in an atomic migration."""
        for operation in self.operations:
            if self.atomic and operation.needs_non_atomic_migration:
                raise BadMigrationError(
                    f"{where}: '{operation.describe()}' cannot run inside a transaction; "
                    "set atomic = False on the migration."
                )

    def _check_fields(self, where: str) -> None:
        """Refuse a field that models.py could not declare either (see ``Field.check``)."""
        for operation in self.operations:
            for model_name, name, field in operation.declared_fields():
                try:
                    field.check(f"{self.app_label}.{model_name}", name)
                except ModelDefinitionError as err:
                    raise BadMigrationError(
                        f"{where}, operation '{operation.describe()}': {err} Fix the field "
                        "in the migration file."
                    ) from err

    @classmethod
    def copy_of(cls, source: Migration, operations: list[Operation]) -> Migration:
        """Return a plain migration with the name, dependencies and flags of ``source``
        (a migration, or an index entry that stands for one) and ``operations``."""
        migration = cls(source.name, source.app_label)
        migration.operations = operations
        migration.dependencies = list(source.dependencies)
        migration.run_before = list(source.run_before)
        migration.replaces = list(source.replaces)
        migration.initial = source.initial
        migration.atomic = source.atomic
        return migration

    @property
    def key(self) -> MigrationKey:
        return (self.app_label, self.name)

    def __repr__(self) -> str:
        return f"<Migration {self.app_label}.{self.name}>"

    def __str__(self) -> str:
        return f"{self.app_label}.{self.name}"

    def mutate_state(self, state: ProjectState, preserve: bool = True) -> ProjectState:
        """Return the state after this migration; ``preserve`` leaves ``state`` as it was."""
        new_state = state.clone() if preserve else state
        for operation in self.operations:
            try:
                operation.state_forwards(self.app_label, new_state)
            except DbShiftError as err:
                raise BadMigrationError(
                    f"Migration {self}, operation '{operation.describe()}': {err} Fix the "
                    "migration file."
                ) from err
        return new_state

    def apply(
        self,
        state: ProjectState,
        editor: SchemaEditor,
        on_operation: Callable[[Operation], None] | None = None,
    ) -> ProjectState:
        """Run the operations forwards on the database; return the state after them."""
        for operation in self.operations:
            if on_operation is not None:
                on_operation(operation)
            following = state.clone()
            operation.state_forwards(self.app_label, following)
            editor.begin_operation(operation)
            operation.database_forwards(self.app_label, editor, state, following)
            state = following
        return state

    def unapply(
        self,
        state: ProjectState,
        editor: SchemaEditor,
        on_operation: Callable[[Operation], None] | None = None,
    ) -> ProjectState:
        """Undo the operations on the database, last first; ``state`` is the state before."""
        states = [state]
        for operation in self.operations:
            following = states[-1].clone()
            operation.state_forwards(self.app_label, following)
            states.append(following)
        for index in reversed(range(len(self.operations))):
            operation = self.operations[index]
            if on_operation is not None:
                on_operation(operation)
            editor.begin_operation(operation)
            operation.database_backwards(self.app_label, editor, states[index + 1], states[index])
        return state

    def suggest_name(self) -> str:
        """Return a name from the operations, such as ``article_slug`` or ``initial``."""
        if self.initial:
            return "initial"
        fragments = [operation.migration_name_fragment for operation in self.operations]
        if not fragments or None in fragments:
            return "auto_" + datetime.datetime.now().strftime("%Y%m%d_%H%M")
        parts = [re.sub(r"\W+", "_", fragment) for fragment in fragments if fragment is not None]
        name = parts[0]
        for part in parts[1:]:
            if len(name) + 1 + len(part) > MAX_SUGGESTED_NAME:
                return f"{name}_and_more"
            name = f"{name}_{part}"
        return name


def _keys(where: str, attribute: str, value: Any) -> list[MigrationKey]:
    if not isinstance(value, list | tuple):
        raise BadMigrationError(f"{where}: {attribute} must be a list of (app_label, name) pairs.")
    keys = []
    for item in value:
        if not (
            isinstance(item, list | tuple)
            and len(item) == 2
            and all(isinstance(part, str) and part for part in item)
        ):
            raise BadMigrationError(
                f"{where}: {attribute} entry {item!r} is not an (app_label, migration_name) pair."
            )
        keys.append((item[0], item[1]))
    return keys


def swappable_dependency(value: str) -> MigrationKey:
    """Return a dependency on the first migration of the app of model label ``value``."""
    return (value.split(".", 1)[0], "__first__")
