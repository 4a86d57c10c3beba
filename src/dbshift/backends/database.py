"""Connecting to a database with the transaction discipline migrations need.

One migration is one transaction, DDL included, holding the migration lock.
What differs per database (the engine's set-up, the lock, the errors) is its
backend's (:mod:`dbshift.backends.backend`); this is the part they share.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import exc

from dbshift.backends.backend import (
    DEFAULT_LOCK_WAIT,
    Backend,
    LockNotTaken,
    backend_named,
    backend_names,
    listed,
)
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


class Database:
    """One configured database: an engine plus the backend of its kind."""

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
        backend_class = backend_named(self.url.get_backend_name())
        if backend_class is None:
            raise ConfigurationError(
                f"Database '{alias}' ({self.display_url}) uses "
                f"{self.url.get_backend_name()!r}; dbshift supports "
                f"{listed(backend_names())}."
            )
        self.backend: Backend = backend_class()
        #: The kind of database (``sqlite``, ``postgresql``).
        self.vendor = self.backend.vendor
        self.engine = self._create_engine()

    @property
    def display_url(self) -> str:
        """Return the URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def _create_engine(self) -> sa.Engine:
        try:
            return self.backend.create_engine(self.url)
        except ModuleNotFoundError as err:
            extra = self.backend.driver_extra
            install = f"install dbshift[{extra}]" if extra else "install it"
            raise ConfigurationError(
                f"The driver for {self.display_url} is not installed ({err.name}); {install}."
            ) from err
        except exc.ArgumentError as err:
            raise ConfigurationError(f"Database URL {self.display_url} is invalid: {err}.") from err

    def missing_file(self) -> bool:
        """Return whether the database does not exist yet (a SQLite file)."""
        return self.backend.missing_database(self.url)

    def _connection_error(self, err: exc.DBAPIError) -> DatabaseConnectionError:
        where = f"database '{self.alias}' at {self.display_url}"
        problem = self.backend.connection_problem(self.url, where)
        if problem is not None:
            return DatabaseConnectionError(problem)
        return DatabaseConnectionError(
            f"Cannot connect to {where}: {_first_line(err.orig)}. Check that the server "
            "runs and the URL is right."
        )

    @contextlib.contextmanager
    def connect(self, create: bool = True) -> Iterator[sa.Connection]:
        """Yield a connection; a failure to connect becomes one clear error.

        With ``create=False`` a database that does not exist (a SQLite file) is not
        created: the connection goes to an empty stand-in instead, which has applied
        nothing, exactly like the missing database.
        """
        engine = self.engine
        if not create and self.missing_file():
            engine = self.backend.stand_in_engine()
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
        long as it (see the backends' ``locked_transaction``). A lock wait that
        runs out, and a database that refuses to write, become clear errors.
        """
        try:
            with self.backend.locked_transaction(connection, lock_timeout):
                yield connection
        except LockNotTaken:
            raise self._lock_timeout_error(lock_timeout) from None
        except exc.DBAPIError as err:
            if self.backend.is_lock_timeout(err.orig):
                raise self._lock_timeout_error(lock_timeout) from err
            refusal = self.read_only_error(err)
            if refusal is not None:
                raise refusal from err
            raise

    @contextlib.contextmanager
    def locked_outside_transaction(
        self, connection: sa.Connection, lock_timeout: float | None = None
    ) -> Iterator[sa.Connection]:
        """Hold the migration lock and yield a connection outside any transaction.

        For the hand-written SQL of non-atomic migrations, which may hold
        statements a database refuses inside a transaction (PostgreSQL's ``CREATE
        INDEX CONCURRENTLY``); where none does, the block runs inside the locked
        transaction on ``connection`` itself.
        """
        try:
            with self.backend.locked_outside_transaction(self, connection, lock_timeout) as outside:
                yield outside
        except LockNotTaken:
            raise self._lock_timeout_error(lock_timeout) from None

    def limited_statements(
        self, connection: sa.Connection, limits: StatementLimits, watch: BlockerWatch
    ) -> contextlib.AbstractContextManager[None]:
        """Bound the lock waits and the run time of the statements of the transaction open on
        ``connection``, and note in ``watch`` who blocks them meanwhile, where the database
        can (PostgreSQL; SQLite's single write lock is the migration lock, which
        ``--lock-timeout`` bounds).
        """
        return self.backend.limited_statements(self.engine, connection, limits, watch)

    def limit_statements_sql(self, limits: StatementLimits) -> list[str]:
        """Return the statements that apply ``limits`` (none on SQLite)."""
        return self.backend.limit_statements_sql(limits)

    def is_lock_not_available(self, error: BaseException) -> bool:
        """Return whether ``error`` comes from a statement that gave up waiting for a lock."""
        return self.backend.is_lock_not_available(error)

    def read_only_error(self, error: BaseException) -> DatabaseReadOnlyError | None:
        """Return the error to raise if ``error`` (or one it came from) says "read-only"."""
        chain: list[BaseException] = []
        cause: BaseException | None = error
        while cause is not None and cause not in chain:
            chain.append(getattr(cause, "orig", None) or cause)
            cause = cause.__cause__
        markers = self.backend.read_only_markers
        for reason in reversed(chain):  # the database's own words first
            if any(marker in str(reason).lower() for marker in markers):
                return DatabaseReadOnlyError(
                    f"Database '{self.alias}' at {self.display_url} is read-only "
                    f"({_first_line(reason)}); {self.backend.read_only_fix}. Nothing was changed."
                )
        return None

    def _lock_timeout_error(self, lock_timeout: float | None) -> LockTimeoutError:
        waited = lock_timeout if lock_timeout is not None else DEFAULT_LOCK_WAIT
        return LockTimeoutError(
            f"Another dbshift process held the migration lock on {self.display_url} "
            f"for more than {waited:g} s; try again, or raise --lock-timeout."
        )

    def execute_script(self, connection: sa.Connection, statements: list[str]) -> None:
        """Run SQL statements that take no parameters, in as few round trips as allowed."""
        self.backend.execute_script(connection, statements)

    def schema_editor(
        self, connection: sa.Connection | None, collect: bool = False
    ) -> SchemaEditor:
        """Return the schema editor for this database; ``collect`` gathers SQL instead."""
        editor_class = self.backend.editor_class()
        return editor_class(connection, self.engine.dialect, collect=collect, alias=self.alias)

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(error: BaseException | None) -> str:
    text = str(error or "unknown error").strip()
    return text.splitlines()[0] if text else type(error).__name__
