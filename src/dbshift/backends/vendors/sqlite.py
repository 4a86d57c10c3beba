"""SQLite: a file, one write lock, and a driver that must be kept out of transactions.

Python's ``sqlite3`` driver opens transactions only before INSERT/UPDATE/DELETE
and lets DDL commit on its own. Following SQLAlchemy's documented remedy (the
pysqlite section on transactional DDL), the driver is put in autocommit mode and
dbshift emits ``BEGIN`` itself, so that DDL is inside the transaction and a
failure rolls all of it back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.backends.backend import DEFAULT_LOCK_WAIT, Backend
from dbshift.backends.features import Features

if TYPE_CHECKING:
    import sqlalchemy as sa


class SQLiteBackend(Backend):
    """SQLite through the standard ``sqlite3`` module."""

    names: ClassVar[tuple[str, ...]] = ("sqlite",)
    vendor: ClassVar[str] = "sqlite"
    editor: ClassVar[str] = "dbshift.backends.sqlite:SQLiteSchemaEditor"
    features: ClassVar[Features] = Features(
        unique_constraints=False,
        inline_foreign_keys=True,
        named_keys=False,
        supports_comments=False,
        supports_deferrable_unique=False,
        supports_nulls_distinct=False,
        supports_covering_indexes=False,
        supports_drop_cascade=False,
        supports_index_rename=False,
        enforces_foreign_keys=False,
        ddl_locks_tables=False,
        supports_concurrent_indexes=False,
        supports_not_valid_constraints=False,
    )
    copies: ClassVar[str] = "dbshift.backends.copies:SQLiteCopies"
    #: What SQLite says of a read-only file, or a ``mode=ro`` URL.
    read_only_markers: ClassVar[tuple[str, ...]] = ("readonly database",)
    read_only_fix: ClassVar[str] = "make the file and its directory writable for this user"
    lock_timeout_markers: ClassVar[tuple[str, ...]] = ("database is locked",)

    def create_engine(self, url: sa.URL) -> sa.Engine:
        """Return an engine whose connections leave transactions to dbshift."""
        engine = super().create_engine(url)
        _take_over_transactions(engine)
        return engine

    def missing_database(self, url: sa.URL) -> bool:
        """Return whether the database file does not exist yet."""
        path = url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            return False
        return not Path(path).exists()

    def stand_in_engine(self) -> sa.Engine:
        """Return an engine on an empty in-memory database."""
        import sqlalchemy as sa

        return self.create_engine(sa.make_url("sqlite://"))

    def connection_problem(self, url: sa.URL, where: str) -> str | None:
        """Name the missing directory of a database file SQLite cannot create."""
        if not self.missing_database(url):
            return None
        directory = Path(url.database or "").parent
        if directory.is_dir():
            return None
        return (
            f"Cannot create SQLite {where}: the directory {directory} does not "
            "exist. Create it, or point the URL at an existing directory."
        )

    @contextlib.contextmanager
    def locked_transaction(
        self, connection: sa.Connection, lock_timeout: float | None
    ) -> Iterator[None]:
        """Start the transaction with ``BEGIN IMMEDIATE``, taking the database's write lock.

        The operating system releases it if the process dies; ``busy_timeout``
        bounds the wait, after which SQLite says the database is locked.
        """
        timeout_ms = int((lock_timeout if lock_timeout is not None else DEFAULT_LOCK_WAIT) * 1000)
        # Outside any transaction: straight to the driver, not through SQLAlchemy.
        cursor = connection.connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.close()
        connection.info["dbshift_begin"] = "BEGIN IMMEDIATE"
        try:
            with connection.begin():
                yield
        finally:
            connection.info.pop("dbshift_begin", None)


def _take_over_transactions(engine: sa.Engine) -> None:
    from sqlalchemy import event

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
