"""Connecting to a database with the transaction discipline migrations need.

One migration is one transaction, DDL included. PostgreSQL does that by itself.
Python's ``sqlite3`` driver does not: it opens transactions only before
INSERT/UPDATE/DELETE and lets DDL commit on its own. Following SQLAlchemy's
documented remedy (the pysqlite section on transactional DDL), the driver is put
in autocommit mode and dbshift emits ``BEGIN`` itself, so that DDL is inside the
transaction and a failure rolls all of it back.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, exc

from dbshift.exceptions import ConfigurationError, DatabaseConnectionError, LockTimeoutError

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor

#: The advisory lock key migrations take on PostgreSQL: "dbshift" read as a number.
MIGRATION_LOCK_KEY = int.from_bytes(b"dbshift", "big")

#: Schema editor classes by SQLAlchemy dialect name.
EDITORS = {
    "sqlite": "dbshift.backends.sqlite:SQLiteSchemaEditor",
    "postgresql": "dbshift.backends.postgresql:PostgreSQLSchemaEditor",
}


class Database:
    """One configured database: an engine plus the schema editor class for its dialect."""

    def __init__(self, url: str, alias: str = "default") -> None:
        self.alias = alias
        try:
            self.url = sa.make_url(url)
        except exc.ArgumentError as err:
            raise ConfigurationError(f"Database URL for '{alias}' is malformed: {err}.") from err
        self.vendor = self.url.get_backend_name()
        if self.vendor not in EDITORS:
            raise ConfigurationError(
                f"Database '{alias}' ({self.display_url}) uses {self.vendor!r}; dbshift "
                "supports sqlite and postgresql."
            )
        self.engine = self._create_engine()

    @property
    def display_url(self) -> str:
        """Return the URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def _create_engine(self) -> sa.Engine:
        try:
            if self.vendor == "sqlite":
                engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
                _take_over_sqlite_transactions(engine)
                return engine
            return sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        except ModuleNotFoundError as err:
            raise ConfigurationError(
                f"The driver for {self.display_url} is not installed ({err.name}); "
                "install dbshift[postgresql]."
            ) from err
        except exc.ArgumentError as err:
            raise ConfigurationError(f"Database URL {self.display_url} is invalid: {err}.") from err

    def missing_file(self) -> bool:
        """Return whether this is a SQLite database whose file does not exist yet."""
        path = self.url.database
        if self.vendor != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
            return False
        return not Path(path).exists()

    @contextlib.contextmanager
    def connect(self, create: bool = True) -> Iterator[sa.Connection]:
        """Yield a connection; a failure to connect becomes one clear error.

        With ``create=False`` a SQLite file that does not exist is not created: the
        connection goes to an empty in-memory database instead, which has applied
        nothing, exactly like the missing file.
        """
        engine = self.engine
        if not create and self.missing_file():
            engine = sa.create_engine("sqlite://", poolclass=sa.pool.NullPool)
            _take_over_sqlite_transactions(engine)
        try:
            connection = engine.connect()
        except exc.DBAPIError as err:
            raise DatabaseConnectionError(
                f"Cannot connect to database '{self.alias}' at {self.display_url}: "
                f"{_first_line(err.orig)}. Check that the server runs and the URL is right."
            ) from err
        try:
            yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def transaction(self, connection: sa.Connection) -> Iterator[sa.Connection]:
        """Run the block in one transaction, DDL included; roll back on any error."""
        with connection.begin():
            yield connection

    @contextlib.contextmanager
    def locked_transaction(
        self, connection: sa.Connection, lock_timeout: float | None = None
    ) -> Iterator[sa.Connection]:
        """Run the block in one transaction that holds the migration lock.

        Every migration runs in such a transaction, and the lock lives exactly as
        long as it: a process that dies loses its lock with its transaction, and
        nothing is held between migrations, so a pooler that hands the next
        transaction to another server connection (PgBouncer) breaks nothing.
        PostgreSQL takes a transaction-level advisory lock; SQLite starts the
        transaction with ``BEGIN IMMEDIATE``, taking the database's write lock,
        which the operating system releases if the process dies.
        """
        if self.vendor == "sqlite":
            timeout_ms = int((lock_timeout if lock_timeout is not None else 3600) * 1000)
            # Outside any transaction: straight to the driver, not through SQLAlchemy.
            cursor = connection.connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.close()
            connection.info["dbshift_begin"] = "BEGIN IMMEDIATE"
        try:
            with connection.begin():
                if self.vendor == "postgresql":
                    if lock_timeout is not None:
                        connection.exec_driver_sql(
                            f"SET LOCAL lock_timeout = {int(lock_timeout * 1000)}"
                        )
                    connection.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                yield connection
        except exc.OperationalError as err:
            if _is_lock_timeout(err):
                raise LockTimeoutError(
                    f"Another dbshift process held the migration lock on {self.display_url} "
                    f"for more than {lock_timeout:g} s; try again, or raise --lock-timeout."
                ) from err
            raise
        finally:
            connection.info.pop("dbshift_begin", None)

    def schema_editor(
        self, connection: sa.Connection | None, collect: bool = False
    ) -> SchemaEditor:
        """Return the schema editor for this database; ``collect`` gathers SQL instead."""
        module_name, _, class_name = EDITORS[self.vendor].partition(":")
        editor_class = getattr(importlib.import_module(module_name), class_name)
        return editor_class(connection, self.engine.dialect, collect=collect)

    def dispose(self) -> None:
        self.engine.dispose()


def _take_over_sqlite_transactions(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open or commit transactions behind our back.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Schema changes rebuild tables; foreign keys are checked explicitly with
        # PRAGMA foreign_key_check before each commit (the pragma is ignored inside
        # a transaction, so it is set here, outside any).
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql(connection.info.get("dbshift_begin", "BEGIN"))


def _is_lock_timeout(error: exc.OperationalError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "lock timeout" in text


def _first_line(error: BaseException | None) -> str:
    text = str(error or "unknown error").strip()
    return text.splitlines()[0] if text else type(error).__name__
