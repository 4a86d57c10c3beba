"""SQLite: a file, one write lock, and a driver that must be kept out of transactions.

Python's ``sqlite3`` driver opens transactions only before INSERT/UPDATE/DELETE
and lets DDL commit on its own. Following SQLAlchemy's documented remedy (the
pysqlite section on transactional DDL), the driver is put in autocommit mode and
dbshift emits ``BEGIN`` itself, so that DDL is inside the transaction and a
failure rolls all of it back.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.backends.backend import DEFAULT_LOCK_WAIT, Backend, RecorderUnreadable
from dbshift.backends.features import Features

if TYPE_CHECKING:
    import sqlalchemy as sa

    from dbshift.backends.introspection import ColumnInfo

#: SQLite's rules for the affinity of a declared type, in the order it applies
#: them (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).
AFFINITIES = (
    ("int", "integer"),
    ("char", "text"),
    ("clob", "text"),
    ("text", "text"),
    ("blob", "blob"),
    ("real", "real"),
    ("floa", "real"),
    ("doub", "real"),
)


class SQLiteBackend(Backend):
    """SQLite through the standard ``sqlite3`` module."""

    names: ClassVar[tuple[str, ...]] = ("sqlite",)
    url_has_credentials: ClassVar[bool] = False
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
    table_reader: ClassVar[str] = "dbshift.backends.introspection:SQLiteTableReader"
    system_tables: ClassVar[frozenset[str]] = frozenset({"sqlite_sequence"})
    #: The pragmas that introspection reads do not report collations.
    reports_collations: ClassVar[bool] = False

    def normalize_url(self, url: str, root: Path) -> str:
        """Make a relative path absolute, relative to ``root``."""
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{_absolute_path(rest, root)}"

    def memory_only(self, url: str) -> str | None:
        """Tell an in-memory database from a file, and say when an empty path made it one.

        In memory are no path at all, ``:memory:``, and the URI forms
        ``file::memory:``, ``mode=memory`` and ``vfs=memdb``; an empty ``file:`` URI
        is a temporary file SQLite deletes on close.
        """
        path = _path(url)
        if path == "":
            return "; an empty path means in memory"
        options = urllib.parse.parse_qs(url.partition("?")[2])
        if options.get("mode") == ["memory"] or options.get("vfs") == ["memdb"]:
            return ""
        if path in (":memory:", "file:") or path.startswith("file::memory:"):
            return ""
        return None

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

    def prepare_app_engine(self, engine: sa.Engine) -> None:
        """Make SQLite enforce foreign keys (and their ON DELETE) on every connection.

        SQLite leaves them off unless each connection turns them on (its documentation,
        "Enabling Foreign Key Support"); ``on_delete`` is the database's own rule, as on
        PostgreSQL.
        """
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

    def async_url(self, url: sa.URL) -> sa.URL:
        """Name ``aiosqlite`` instead of the standard driver."""
        if url.get_driver_name() in ("pysqlite", ""):
            return url.set(drivername="sqlite+aiosqlite")
        return url

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

    def is_auto_numbered(self, column: ColumnInfo) -> bool:
        """Count an ``INTEGER PRIMARY KEY``, the rowid, numbered with or without AUTOINCREMENT."""
        return super().is_auto_numbered(column) or (column.primary_key and column.type == "integer")

    def comparable_type(self, declared: str) -> str:
        """Return the type's affinity: SQLite stores ``bool`` and ``BOOLEAN`` alike."""
        return next((affinity for part, affinity in AFFINITIES if part in declared), "numeric")

    def recorder_connection(self, url: str) -> Any | None:
        """Open the file read-only with ``sqlite3``; a missing file recorded nothing."""
        import sqlite3

        location, _, query = url.partition("://")[2].partition("?")
        path = urllib.parse.unquote(location)[1:]
        if query or path.startswith("file:"):
            # URI filenames and driver options: let SQLAlchemy read them.
            raise RecorderUnreadable
        if path in ("", ":memory:") or not Path(path).exists():
            return None
        try:
            return sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
        except sqlite3.Error as err:
            raise RecorderUnreadable from err

    def is_missing_table(self, error: Exception) -> bool:
        import sqlite3

        return isinstance(error, sqlite3.OperationalError) and "no such table" in str(error)


def _path(url: str) -> str:
    """Return the database path of a SQLite URL."""
    # The first slash ends the (always empty) host part.
    return urllib.parse.unquote(url.partition("://")[2].partition("?")[0][1:])


def _absolute_path(rest: str, root: Path) -> str:
    # "sqlite:///rel/path" leaves "/rel/path"; "sqlite:////abs/path" leaves "//abs/path".
    path, query_sep, query = rest.partition("?")
    if path in ("", "/", "/:memory:") or path.startswith("/file:"):
        return rest
    relative = path[1:]
    if not relative.startswith("/"):
        relative = str(root / relative)
    return "/" + relative + query_sep + query


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
