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
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, exc

from dbshift.conf import mask_password
from dbshift.exceptions import (
    ConfigurationError,
    DatabaseConnectionError,
    DatabaseReadOnlyError,
    LockTimeoutError,
)

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor
    from dbshift.backends.blockers import BlockerWatch
    from dbshift.migrations.limits import StatementLimits

#: The advisory lock key migrations take on PostgreSQL: "dbshift" read as a number.
MIGRATION_LOCK_KEY = int.from_bytes(b"dbshift", "big")

#: How long a migration waits for the lock when no ``--lock-timeout`` is given, in seconds.
DEFAULT_LOCK_WAIT = 3600.0
#: First and longest pause between two tries for the PostgreSQL lock, in seconds.
FIRST_POLL_INTERVAL = 0.005
MAX_POLL_INTERVAL = 0.1

#: PostgreSQL's SQLSTATE for a lock wait cut short by ``lock_timeout``.
LOCK_NOT_AVAILABLE = "55P03"

#: Statements sent to PostgreSQL in one round trip by :meth:`Database.execute_script`.
SCRIPT_BATCH = 200

#: Schema editor classes by SQLAlchemy dialect name.
EDITORS = {
    "sqlite": "dbshift.backends.sqlite:SQLiteSchemaEditor",
    "postgresql": "dbshift.backends.postgresql:PostgreSQLSchemaEditor",
    "mysql": "dbshift.backends.mysql:MySQLSchemaEditor",
    "mariadb": "dbshift.backends.mysql:MySQLSchemaEditor",
}


class Database:
    """One configured database: an engine plus the schema editor class for its dialect."""

    def __init__(self, url: str, alias: str = "default") -> None:
        self.alias = alias
        try:
            self.url = sa.make_url(url)
        except (exc.ArgumentError, ValueError):
            # The messages of both quote the URL, password and all.
            raise ConfigurationError(
                f"Database URL for '{alias}' ({mask_password(url)}) is malformed; write it "
                "like 'postgresql://user:password@host:5432/name' or 'sqlite:///db.sqlite3'."
            ) from None
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

    def _connection_error(self, err: exc.DBAPIError) -> DatabaseConnectionError:
        where = f"database '{self.alias}' at {self.display_url}"
        if self.missing_file():
            directory = Path(self.url.database or "").parent
            if not directory.is_dir():
                return DatabaseConnectionError(
                    f"Cannot create SQLite {where}: the directory {directory} does not "
                    "exist. Create it, or point the URL at an existing directory."
                )
        return DatabaseConnectionError(
            f"Cannot connect to {where}: {_first_line(err.orig)}. Check that the server "
            "runs and the URL is right."
        )

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
            raise self._connection_error(err) from err
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
            timeout_ms = int(
                (lock_timeout if lock_timeout is not None else DEFAULT_LOCK_WAIT) * 1000
            )
            # Outside any transaction: straight to the driver, not through SQLAlchemy.
            cursor = connection.connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.close()
            connection.info["dbshift_begin"] = "BEGIN IMMEDIATE"
        try:
            if self.vendor == "postgresql":
                transaction = self._begin_with_advisory_lock(connection, lock_timeout)
            else:
                transaction = connection.begin()
            with transaction:
                yield connection
        except exc.DBAPIError as err:
            if _is_lock_timeout(err):
                raise self._lock_timeout_error(lock_timeout) from err
            refusal = self.read_only_error(err)
            if refusal is not None:
                raise refusal from err
            raise
        finally:
            connection.info.pop("dbshift_begin", None)

    def _begin_with_advisory_lock(
        self, connection: sa.Connection, lock_timeout: float | None
    ) -> sa.RootTransaction:
        """Begin a transaction that holds the advisory lock, trying until the timeout.

        The lock is tried (``pg_try_advisory_xact_lock``) rather than waited for,
        with no transaction open between tries. A backend that waits for a lock
        does so inside a statement, holding a snapshot, and ``CREATE INDEX
        CONCURRENTLY`` waits for every transaction with an older snapshot to end:
        a ``migrate`` waiting for the lock while another process's non-atomic
        migration builds an index that way would wait for that index, which waits
        for it. PostgreSQL cannot see that deadlock, because one of its edges runs
        through the client that holds the lock.
        """
        deadline = time.monotonic() + (
            lock_timeout if lock_timeout is not None else DEFAULT_LOCK_WAIT
        )
        pause = FIRST_POLL_INTERVAL
        while True:
            transaction = connection.begin()
            try:
                if lock_timeout is not None:
                    # Also bounds the waits for table locks inside the migration.
                    milliseconds = max(1, int(lock_timeout * 1000))
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")
                # A literal key: see locked_outside_transaction on parameters.
                locked = connection.exec_driver_sql(
                    f"SELECT pg_try_advisory_xact_lock({MIGRATION_LOCK_KEY:d})",
                    execution_options={"no_parameters": True},
                ).scalar()
            except BaseException:
                transaction.rollback()
                raise
            if locked:
                return transaction
            transaction.rollback()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._lock_timeout_error(lock_timeout)
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, MAX_POLL_INTERVAL)

    @contextlib.contextmanager
    def locked_outside_transaction(
        self, connection: sa.Connection, lock_timeout: float | None = None
    ) -> Iterator[sa.Connection]:
        """Hold the migration lock and yield a connection outside any transaction.

        For the hand-written SQL of non-atomic migrations, which may hold
        statements PostgreSQL refuses inside a transaction (``CREATE INDEX
        CONCURRENTLY``). On PostgreSQL the lock is held by a transaction on a
        connection of its own, and the block gets a second connection in
        autocommit mode. The holder runs nothing but the lock, without
        parameters: the unnamed portal of a statement with parameters keeps its
        snapshot while the transaction sits idle, and ``CREATE INDEX
        CONCURRENTLY`` waits for every transaction of the database that has an
        older snapshot, which would be the holder, which waits for the index.

        SQLite cannot write on one connection while another holds its write lock,
        and no statement a migration needs refuses a transaction there; the block
        runs inside the locked transaction, on ``connection`` itself.
        """
        if self.vendor == "sqlite":
            with self.locked_transaction(connection, lock_timeout):
                yield connection
            return
        with self.connect() as holder:
            transaction = self._begin_with_advisory_lock(holder, lock_timeout)
            try:
                with self.connect() as outside:
                    outside = outside.execution_options(isolation_level="AUTOCOMMIT")
                    if lock_timeout is not None:
                        milliseconds = max(1, int(lock_timeout * 1000))
                        outside.exec_driver_sql(f"SET lock_timeout = {milliseconds}")
                    yield outside
            finally:
                # The holder changed nothing; ending its transaction frees the lock.
                transaction.rollback()

    @contextlib.contextmanager
    def limited_statements(
        self, connection: sa.Connection, limits: StatementLimits, watch: BlockerWatch
    ) -> Iterator[None]:
        """Bound the lock waits and the run time of the statements of the transaction open on
        ``connection`` (``SET LOCAL``), and note in ``watch`` who blocks them meanwhile.

        Only PostgreSQL has such limits; SQLite's single write lock is the migration
        lock, which ``--lock-timeout`` bounds.
        """
        statements = self.limit_statements_sql(limits)
        if not statements:
            yield
            return
        for statement in statements:
            connection.exec_driver_sql(statement)
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with watch.watching(self.engine, int(pid or 0)):
            yield

    def limit_statements_sql(self, limits: StatementLimits) -> list[str]:
        """Return the ``SET LOCAL`` statements that apply ``limits`` (none on SQLite)."""
        if self.vendor != "postgresql":
            return []
        return [
            f"SET LOCAL {name} = {max(1, int(seconds * 1000))}"
            for name, seconds in (
                ("lock_timeout", limits.lock_timeout),
                ("statement_timeout", limits.statement_timeout),
            )
            if seconds is not None
        ]

    @staticmethod
    def is_lock_not_available(error: BaseException) -> bool:
        """Return whether ``error`` comes from a statement that gave up waiting for a lock."""
        cause: BaseException | None = error
        while cause is not None:
            if getattr(getattr(cause, "orig", None), "sqlstate", None) == LOCK_NOT_AVAILABLE:
                return True
            cause = cause.__cause__
        return False

    def read_only_error(self, error: BaseException) -> DatabaseReadOnlyError | None:
        """Return the error to raise if ``error`` (or one it came from) says "read-only"."""
        chain: list[BaseException] = []
        cause: BaseException | None = error
        while cause is not None and cause not in chain:
            chain.append(getattr(cause, "orig", None) or cause)
            cause = cause.__cause__
        for reason in reversed(chain):  # the database's own words first
            if any(marker in str(reason).lower() for marker in _READ_ONLY_MARKERS):
                if self.vendor == "sqlite":
                    fix = "make the file and its directory writable for this user"
                else:
                    fix = "connect to the primary server with a role that may write"
                return DatabaseReadOnlyError(
                    f"Database '{self.alias}' at {self.display_url} is read-only "
                    f"({_first_line(reason)}); {fix}. Nothing was changed."
                )
        return None

    def _lock_timeout_error(self, lock_timeout: float | None) -> LockTimeoutError:
        waited = lock_timeout if lock_timeout is not None else DEFAULT_LOCK_WAIT
        return LockTimeoutError(
            f"Another dbshift process held the migration lock on {self.display_url} "
            f"for more than {waited:g} s; try again, or raise --lock-timeout."
        )

    def execute_script(self, connection: sa.Connection, statements: list[str]) -> None:
        """Run SQL statements that take no parameters, in as few round trips as allowed.

        PostgreSQL runs several statements sent as one string (its simple query
        protocol); Python's sqlite3 runs one statement per call.
        """
        if self.vendor == "postgresql":
            for start in range(0, len(statements), SCRIPT_BATCH):
                connection.exec_driver_sql(";\n".join(statements[start : start + SCRIPT_BATCH]))
        else:
            for statement in statements:
                connection.exec_driver_sql(statement)

    def schema_editor(
        self, connection: sa.Connection | None, collect: bool = False
    ) -> SchemaEditor:
        """Return the schema editor for this database; ``collect`` gathers SQL instead."""
        module_name, _, class_name = EDITORS[self.vendor].partition(":")
        editor_class = getattr(importlib.import_module(module_name), class_name)
        return editor_class(connection, self.engine.dialect, collect=collect, alias=self.alias)

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


#: What SQLite (a read-only file or ``mode=ro``) and PostgreSQL (a standby, or
#: ``default_transaction_read_only``) say when a write is refused.
_READ_ONLY_MARKERS = ("readonly database", "read-only transaction")


def _is_lock_timeout(error: exc.DBAPIError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "lock timeout" in text


def _first_line(error: BaseException | None) -> str:
    text = str(error or "unknown error").strip()
    return text.splitlines()[0] if text else type(error).__name__
