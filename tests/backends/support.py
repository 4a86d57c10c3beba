"""A harness that applies migrations to a real database and reads it back."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from dbshift.backends import Database
from dbshift.backends.base import SchemaEditor
from dbshift.backends.introspection import Schema, TableInfo, expected_schema, introspect
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.state import ProjectState


def make_migration(operations: Sequence[Operation], app_label: str = "pages") -> Migration:
    """Return a migration of ``app_label`` holding ``operations``."""
    cls = type("Migration", (Migration,), {"operations": list(operations)})
    return cls("0001_test", app_label)


class Harness:
    """One database, the state it is at, and the migrations applied to reach it."""

    def __init__(self, url: str, connection: sa.Connection, database: Database) -> None:
        self.url = url
        self.connection = connection
        self.db = database
        self.state = ProjectState()
        self.history: list[tuple[ProjectState, Migration]] = []

    @property
    def vendor(self) -> str:
        return self.db.vendor

    # -- Migrating -------------------------------------------------------------------

    def migrate(self, *operations: Operation, app_label: str = "pages") -> SchemaEditor:
        """Apply ``operations`` as one migration in one transaction; return the editor."""
        migration = make_migration(operations, app_label)
        with self.db.transaction(self.connection):
            editor = self.db.schema_editor(self.connection)
            after = migration.apply(self.state, editor)
            editor.finish()
        self.history.append((self.state, migration))
        self.state = after
        return editor

    def unmigrate(self) -> SchemaEditor:
        """Undo the last migration applied, in one transaction; return the editor."""
        before, migration = self.history.pop()
        with self.db.transaction(self.connection):
            editor = self.db.schema_editor(self.connection)
            migration.unapply(before, editor)
            editor.finish()
        self.state = before
        return editor

    def collect(self, *operations: Operation, backwards: bool = False) -> list[str]:
        """Return the SQL of ``operations`` from the current state, without a connection."""
        editor = self.db.schema_editor(None, collect=True)
        migration = make_migration(operations)
        if backwards:
            migration.unapply(self.state, editor)
        else:
            migration.apply(self.state, editor)
        editor.finish()
        return editor.collected_sql

    def quote(self, name: str) -> str:
        return self.connection.dialect.identifier_preparer.quote(name)

    # -- Reading ----------------------------------------------------------------------

    def schema(self) -> Schema:
        with self.connection.begin():
            return introspect(self.connection)

    def expected(self, state: ProjectState | None = None) -> Schema:
        with self.connection.begin():
            return expected_schema(state or self.state, self.connection.dialect, self.connection)

    def table(self, name: str) -> TableInfo:
        return self.schema()[name]

    def assert_schema_matches(self) -> Schema:
        """Assert that the database holds exactly what the current state declares."""
        actual, expected = self.schema(), self.expected()
        assert sorted(actual) == sorted(expected)
        for name in expected:
            assert actual[name] == expected[name], _difference(actual[name], expected[name])
        return actual

    def rows(self, table: str, *columns: str, order_by: str = "id") -> list[tuple[Any, ...]]:
        """Return the rows of ``table`` (only ``columns`` when given), ordered."""
        selected = [sa.column(name) for name in columns] or [sa.text("*")]
        statement = sa.select(*selected).select_from(sa.table(table))
        statement = statement.order_by(sa.column(order_by))
        with self.connection.begin():
            return [tuple(row) for row in self.connection.execute(statement)]

    @contextlib.contextmanager
    def app_transaction(self) -> Iterator[sa.Connection]:
        """Run the block as an application would: in a transaction, keys enforced.

        dbshift's SQLite connections leave foreign keys off (tables are rebuilt);
        an application's connection turns them on, and the pragma only works
        outside a transaction.
        """
        raw = self.connection.connection.dbapi_connection
        if self.vendor == "sqlite":
            raw.execute("PRAGMA foreign_keys = ON")
        try:
            with self.connection.begin():
                yield self.connection
        finally:
            if self.vendor == "sqlite":
                # A COMMIT refused by a deferred key leaves SQLite's transaction open.
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raw.execute("PRAGMA foreign_keys = OFF")

    def insert(self, table: str, **values: Any) -> None:
        target = sa.table(table, *(sa.column(name) for name in values))
        with self.app_transaction() as connection:
            connection.execute(sa.insert(target).values(values))

    def execute(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction; return its rows, if any."""
        with self.app_transaction() as connection:
            result = connection.exec_driver_sql(sql, tuple(params) if params else ())
            return [tuple(row) for row in result] if result.returns_rows else []

    def fails(self, sql: str, *params: Any) -> bool:
        """Return whether a statement is refused (its transaction is rolled back)."""
        try:
            self.execute(sql, *params)
        except sa.exc.DBAPIError:
            return True
        return False


def open_harness(url: str) -> Iterator[Harness]:
    database = Database(url)
    try:
        with database.connect() as connection:
            yield Harness(url, connection, database)
    finally:
        database.dispose()


def _difference(actual: TableInfo, expected: TableInfo) -> str:
    lines = [f"table {expected.name} differs from the state:"]
    for field in dataclasses.fields(TableInfo):
        got, wanted = getattr(actual, field.name), getattr(expected, field.name)
        if got != wanted:
            lines.append(f"  {field.name}:\n    database: {got}\n    state:    {wanted}")
    return "\n".join(lines)
