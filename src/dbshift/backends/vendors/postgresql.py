"""PostgreSQL through psycopg 3: transactional DDL, advisory locks, statement limits."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.backends.backend import (
    DEFAULT_LOCK_WAIT,
    Backend,
    LockNotTaken,
    RecorderUnreadable,
)
from dbshift.backends.features import Features

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy as sa

    from dbshift.backends.blockers import BlockerWatch
    from dbshift.backends.database import Database
    from dbshift.backends.introspection import ColumnInfo
    from dbshift.migrations.limits import StatementLimits

#: The advisory lock key migrations take: "dbshift" read as a number.
MIGRATION_LOCK_KEY = int.from_bytes(b"dbshift", "big")

#: First and longest pause between two tries for the lock, in seconds.
FIRST_POLL_INTERVAL = 0.005
MAX_POLL_INTERVAL = 0.1

#: The SQLSTATE of a lock wait cut short by ``lock_timeout``.
LOCK_NOT_AVAILABLE = "55P03"

#: Statements sent in one round trip by :meth:`PostgreSQLBackend.execute_script`.
SCRIPT_BATCH = 200


class PostgreSQLBackend(Backend):
    """PostgreSQL, whose DDL is transactional like everything else."""

    names: ClassVar[tuple[str, ...]] = ("postgresql",)
    aliases: ClassVar[tuple[str, ...]] = ("postgres",)
    vendor: ClassVar[str] = "postgresql"
    editor: ClassVar[str] = "dbshift.backends.postgresql:PostgreSQLSchemaEditor"
    features: ClassVar[Features] = Features(defer_new_indexes=False, pattern_ops_indexes=True)
    copies: ClassVar[str] = "dbshift.backends.copies:PostgreSQLCopies"
    driver_extra: ClassVar[str] = "postgresql"
    async_extras: ClassVar[str] = "async,postgresql"
    #: What a standby, or ``default_transaction_read_only``, says to a write.
    read_only_markers: ClassVar[tuple[str, ...]] = ("read-only transaction",)
    read_only_fix: ClassVar[str] = "connect to the primary server with a role that may write"
    lock_timeout_markers: ClassVar[tuple[str, ...]] = ("lock timeout",)
    table_reader: ClassVar[str] = "dbshift.backends.introspection:PostgreSQLTableReader"
    canonical_defaults: ClassVar[bool] = True

    def async_url(self, url: sa.URL) -> sa.URL:
        """Name psycopg, unless the URL names asyncpg.

        psycopg 3 serves both: SQLAlchemy picks its asyncio dialect for an asyncio engine.
        """
        if url.get_driver_name() != "asyncpg":
            return url.set(drivername="postgresql+psycopg")
        return url

    def normalize_url(self, url: str, root: Path) -> str:
        """Name psycopg 3, the driver the ``postgresql`` extra installs, when none is named."""
        scheme, _, rest = url.partition("://")
        return url if "+" in scheme else f"postgresql+psycopg://{rest}"

    @contextlib.contextmanager
    def locked_transaction(
        self, connection: sa.Connection, lock_timeout: float | None
    ) -> Iterator[None]:
        """Run the block in a transaction holding a transaction-level advisory lock.

        The lock lives exactly as long as the transaction: a process that dies
        loses it, and nothing is held between migrations, so a pooler that hands
        the next transaction to another server connection (PgBouncer) breaks nothing.
        """
        with _begin_with_advisory_lock(connection, lock_timeout):
            yield

    @contextlib.contextmanager
    def locked_outside_transaction(
        self, database: Database, connection: sa.Connection, lock_timeout: float | None
    ) -> Iterator[sa.Connection]:
        """Hold the lock in a transaction of its own; yield a connection in autocommit mode.

        The block may hold statements PostgreSQL refuses inside a transaction
        (``CREATE INDEX CONCURRENTLY``). The holder runs nothing but the lock,
        without parameters: the unnamed portal of a statement with parameters
        keeps its snapshot while the transaction sits idle, and ``CREATE INDEX
        CONCURRENTLY`` waits for every transaction of the database that has an
        older snapshot, which would be the holder, which waits for the index.
        """
        with database.connect() as holder:
            transaction = _begin_with_advisory_lock(holder, lock_timeout)
            try:
                with database.connect() as outside:
                    outside = outside.execution_options(isolation_level="AUTOCOMMIT")
                    if lock_timeout is not None:
                        milliseconds = max(1, int(lock_timeout * 1000))
                        outside.exec_driver_sql(f"SET lock_timeout = {milliseconds}")
                    yield outside
            finally:
                # The holder changed nothing; ending its transaction frees the lock.
                transaction.rollback()

    def limit_statements_sql(self, limits: StatementLimits) -> list[str]:
        """Return ``SET LOCAL`` statements for the lock wait and run time limits."""
        return [
            f"SET LOCAL {name} = {max(1, int(seconds * 1000))}"
            for name, seconds in (
                ("lock_timeout", limits.lock_timeout),
                ("statement_timeout", limits.statement_timeout),
            )
            if seconds is not None
        ]

    def watching_blockers(
        self, engine: sa.Engine, connection: sa.Connection, watch: BlockerWatch
    ) -> contextlib.AbstractContextManager[object]:
        """Ask ``pg_blocking_pids`` who blocks this session, a few times a second."""
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        return watch.watching(engine, int(pid or 0))

    def is_lock_not_available(self, error: BaseException) -> bool:
        """Return whether ``error``, or one it came from, has SQLSTATE 55P03."""
        cause: BaseException | None = error
        while cause is not None:
            if getattr(getattr(cause, "orig", None), "sqlstate", None) == LOCK_NOT_AVAILABLE:
                return True
            cause = cause.__cause__
        return False

    def canonical_default(self, connection: sa.Connection, expression: str) -> str:
        """Return the value as PostgreSQL prints it: 'paper'::character varying is paper."""
        value = connection.exec_driver_sql(
            f"SELECT ({expression})::text", execution_options={"no_parameters": True}
        ).scalar()
        return "NULL" if value is None else str(value)

    def is_auto_numbered(self, column: ColumnInfo) -> bool:
        """Count a ``serial`` column, whose default is ``nextval()``, with identity columns."""
        return column.identity or (column.default or "").startswith("nextval(")

    def recorder_connection(self, url: str) -> Any | None:
        """Connect with psycopg, whichever driver the URL names."""
        try:
            import psycopg
        except ModuleNotFoundError as err:
            raise RecorderUnreadable from err
        conninfo = "postgresql://" + url.partition("://")[2]
        try:
            return psycopg.connect(conninfo, autocommit=True)
        except (psycopg.Error, ValueError) as err:
            raise RecorderUnreadable from err

    def is_missing_table(self, error: Exception) -> bool:
        import psycopg

        return isinstance(error, psycopg.errors.UndefinedTable)

    def execute_script(self, connection: sa.Connection, statements: list[str]) -> None:
        """Send the statements in batches: the simple query protocol runs several at once."""
        for start in range(0, len(statements), SCRIPT_BATCH):
            connection.exec_driver_sql(";\n".join(statements[start : start + SCRIPT_BATCH]))


def _begin_with_advisory_lock(
    connection: sa.Connection, lock_timeout: float | None
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
    deadline = time.monotonic() + (lock_timeout if lock_timeout is not None else DEFAULT_LOCK_WAIT)
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
            raise LockNotTaken
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, MAX_POLL_INTERVAL)
