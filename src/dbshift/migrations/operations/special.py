"""Operations that run user code or SQL, or split the state from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.exceptions import BadMigrationError, IrreversibleError
from dbshift.migrations.operations.base import Operation, OperationCategory
from dbshift.migrations.state import ProjectState

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor
    from dbshift.models.fields import Field

SqlStatements = str | Sequence[str | tuple[str, Any]]


class SeparateDatabaseAndState(Operation):
    """Change the state one way and the database another, e.g. to adopt a table."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    category = OperationCategory.MIXED

    def __init__(
        self,
        database_operations: Sequence[Operation] | None = None,
        state_operations: Sequence[Operation] | None = None,
    ) -> None:
        self.database_operations = list(database_operations or [])
        self.state_operations = list(state_operations or [])

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self.database_operations:
            kwargs["database_operations"] = self.database_operations
        if self.state_operations:
            kwargs["state_operations"] = self.state_operations
        return ("SeparateDatabaseAndState", kwargs)

    def declared_fields(self) -> Iterator[tuple[str, str, Field]]:
        for operation in [*self.database_operations, *self.state_operations]:
            yield from operation.declared_fields()

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        current = from_state
        for operation in self.database_operations:
            following = current.clone()
            operation.state_forwards(app_label, following)
            operation.database_forwards(app_label, editor, current, following)
            current = following

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        # Replay the database operations forwards from the earlier state, then undo
        # them in reverse, each between the states it originally ran between.
        states = [to_state]
        for operation in self.database_operations:
            following = states[-1].clone()
            operation.state_forwards(app_label, following)
            states.append(following)
        for index in reversed(range(len(self.database_operations))):
            self.database_operations[index].database_backwards(
                app_label, editor, states[index + 1], states[index]
            )

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return all(operation.reversible for operation in self.database_operations)

    @property
    def outside_transaction(self) -> bool:  # type: ignore[override]
        return any(operation.outside_transaction for operation in self.database_operations)

    def describe(self) -> str:
        return "Custom state/database change combination"


class RunSQL(Operation):
    """Run SQL written by hand; ``reverse_sql`` makes it reversible.

    ``sql`` is a string (which may hold several statements), or a list of strings
    and ``(sql, params)`` pairs with Django's ``%s`` placeholders. ``state_operations``
    say what the SQL does to the models, for the state; ``hints`` are kept unused.
    """

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    noop = ""
    category = OperationCategory.SQL
    sql_arguments = ("sql", "reverse_sql")
    outside_transaction = True

    def __init__(
        self,
        sql: SqlStatements,
        reverse_sql: SqlStatements | None = None,
        state_operations: Sequence[Operation] | None = None,
        hints: dict[str, Any] | None = None,
        elidable: bool = False,
    ) -> None:
        _check_sql("sql", sql)
        if reverse_sql is not None:
            _check_sql("reverse_sql", reverse_sql)
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.state_operations = list(state_operations or [])
        self.hints = hints or {}
        self.elidable = elidable

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {"sql": self.sql}
        if self.reverse_sql is not None:
            kwargs["reverse_sql"] = self.reverse_sql
        if self.state_operations:
            kwargs["state_operations"] = self.state_operations
        if self.hints:
            kwargs["hints"] = self.hints
        if self.elidable:
            kwargs["elidable"] = True
        return ("RunSQL", kwargs)

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return self.reverse_sql is not None

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        editor.run_sql(self.sql)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if self.reverse_sql is None:
            raise IrreversibleError("This RunSQL has no reverse_sql and cannot be undone.")
        editor.run_sql(self.reverse_sql)

    def describe(self) -> str:
        return "Raw SQL operation"


class RunPython(Operation):
    """Run a function ``code(apps, schema_editor)`` with the historical models.

    ``apps.get_model()`` returns the models as the history has them at this point
    (:mod:`dbshift.historical`), and ``schema_editor.connection`` is the SQLAlchemy
    connection of the running migration, with Django's ``alias`` (the database's
    name in the settings) and ``vendor``. The code runs inside the migration's
    transaction, so an error in it undoes the whole migration.

    ``atomic`` is accepted, as Django files set it, and changes nothing: SQLite and
    PostgreSQL run each migration in one transaction, DDL included, so the code can
    neither run outside it (``atomic=False``) nor need one of its own
    (``atomic=True``). ``hints`` are for Django's database routers; they are kept
    in the file and otherwise unused.
    """

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    reduces_to_sql = False
    category = OperationCategory.PYTHON

    def __init__(
        self,
        code: Callable[..., Any],
        reverse_code: Callable[..., Any] | None = None,
        atomic: bool | None = None,
        hints: dict[str, Any] | None = None,
        elidable: bool = False,
    ) -> None:
        for what, function in (("code", code), ("reverse_code", reverse_code)):
            if function is not None and not callable(function):
                raise BadMigrationError(f"RunPython {what} must be a function, not {function!r}.")
        self.code = code
        self.reverse_code = reverse_code
        self.atomic = atomic  # type: ignore[assignment]
        self.hints = hints or {}
        self.elidable = elidable

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {"code": self.code}
        if self.reverse_code is not None:
            kwargs["reverse_code"] = self.reverse_code
        if self.atomic is not None:
            kwargs["atomic"] = self.atomic
        if self.hints:
            kwargs["hints"] = self.hints
        if self.elidable:
            kwargs["elidable"] = True
        return ("RunPython", kwargs)

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        return self.reverse_code is not None

    @property
    def outside_transaction(self) -> bool:  # type: ignore[override]
        return not self.atomic

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        editor.run_python(self.code, from_state)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if self.reverse_code is None:
            raise IrreversibleError("This RunPython has no reverse_code and cannot be undone.")
        editor.run_python(self.reverse_code, from_state)

    def describe(self) -> str:
        return "Raw Python operation"

    @staticmethod
    def noop(apps: Any, schema_editor: Any) -> None:
        # Use as ``reverse_code`` (or ``code``) for a step that needs nothing done. No
        # docstring: ``migrate --plan`` shows a function's docstring as what it does.
        return None


def _check_sql(what: str, sql: Any) -> None:
    if isinstance(sql, str):
        return
    if isinstance(sql, list | tuple):
        for statement in sql:
            if isinstance(statement, str):
                continue
            if (
                isinstance(statement, list | tuple)
                and len(statement) == 2
                and isinstance(statement[0], str)
            ):
                continue
            raise BadMigrationError(
                f"RunSQL {what}: each statement must be a string or a (sql, params) pair, "
                f"not {statement!r}."
            )
        return
    raise BadMigrationError(f"RunSQL {what} must be a string or a list of statements, not {sql!r}.")
