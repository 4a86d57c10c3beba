"""MySQL 8 and MariaDB 10.11 through PyMySQL (asyncmy under asyncio): a named migration
lock, strict sessions.

MySQL commits before and after every DDL statement, so a migration is not one
transaction there; what dbshift controls is the session each migration runs in, and
each session of the application's engines (sync and asyncio) alike:

- ``sql_mode`` is set to a fixed strict value on every connection, whatever the
  server's default: a value that does not fit its column is an error, not silently
  cut or replaced, and an unknown storage engine is refused instead of swapped for
  the default one. ``ANSI_QUOTES`` stays off, so double quotes in hand-written SQL
  keep meaning strings, and identifiers are quoted with backticks (as SQLAlchemy's
  MySQL dialect writes them).
- Text travels as ``utf8mb4``, the only MySQL character set that holds all of
  Unicode.
- The time zone is UTC: datetimes are stored as naive UTC (Django's format), so
  ``Now()`` (``CURRENT_TIMESTAMP``), in a ``db_default`` or a data migration, must
  give the UTC time, not the server's local time.
- Transactions are ``READ COMMITTED``: a migration reads the recorder rows other
  processes committed while it waited for the lock, not a snapshot from before.

The migration lock is a named lock (``GET_LOCK``). It belongs to the session, not
to a transaction (DDL would end a transaction anyway), so it is released
explicitly when the migration's transaction ends, and by the server when the
session dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.backends.backend import DEFAULT_LOCK_WAIT, Backend, LockNotTaken, RecorderUnreadable
from dbshift.backends.features import Features

if TYPE_CHECKING:
    import sqlalchemy as sa

    from dbshift.backends.database import Database
    from dbshift.backends.introspection import TableInfo

#: The driver a URL without one gets: pure Python, so it installs everywhere.
DRIVER = "pymysql"
#: The driver of the application's asyncio engines.
ASYNC_DRIVER = "asyncmy"
#: The asyncio drivers SQLAlchemy knows for MySQL, which a URL may name itself.
ASYNC_DRIVERS = frozenset({ASYNC_DRIVER, "aiomysql"})
#: The session's SQL mode; every flag is understood by MySQL 8 and MariaDB 10.11 alike.
SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
CHARSET = "utf8mb4"
#: The session's time zone: datetimes are stored as naive UTC, Django's format.
TIME_ZONE = "+00:00"
ISOLATION_LEVEL = "READ COMMITTED"
#: MySQL refuses lock names longer than this.
MAX_LOCK_NAME = 64
LOCK_PREFIX = "dbshift."
#: MySQL's error number for a table that does not exist.
NO_SUCH_TABLE = 1146
#: Options of a URL's query that PyMySQL takes as they are; with any other the bare
#: driver does not read the recorder, SQLAlchemy does.
RECORDER_OPTIONS = frozenset({"charset", "unix_socket"})
#: How ``canonical_default`` receives a constant: ``CAST(value AS type)``.
_CAST = re.compile(r"^CAST\((?P<value>.*) AS (?P<type>[^()]+(?:\([^()]*\))?[^()]*)\)$", re.DOTALL)


def lock_name(database: str | None) -> str:
    """Return the name of the migration lock of one database.

    Named locks are server-wide, so the name holds the database's: migrations of
    two databases on one server do not wait for each other. A name too long for
    MySQL is replaced by its digest.
    """
    name = LOCK_PREFIX + (database or "")
    if len(name) <= MAX_LOCK_NAME:
        return name
    return LOCK_PREFIX + hashlib.sha256((database or "").encode()).hexdigest()[:48]


class MySQLBackend(Backend):
    """MySQL and MariaDB (SQLAlchemy names ``mariadb://`` URLs' dialect ``mariadb``)."""

    names: ClassVar[tuple[str, ...]] = ("mysql", "mariadb")
    vendor: ClassVar[str] = "mysql"
    editor: ClassVar[str] = "dbshift.backends.mysql:MySQLSchemaEditor"
    features: ClassVar[Features] = Features(
        can_rollback_ddl=False,
        unique_constraints=False,
        supports_deferrable_unique=False,
        supports_nulls_distinct=False,
        supports_covering_indexes=False,
        supports_drop_cascade=False,
        defer_new_indexes=False,
        supports_concurrent_indexes=False,
        supports_not_valid_constraints=False,
        # InnoDB changes most tables online (ALGORITHM=INPLACE, LOCK=NONE): the lint
        # rules about PostgreSQL's table locks, and their remedies, do not apply.
        ddl_locks_tables=False,
        max_name_length=64,
        related_fields_match_type=True,
        inline_column_comments=True,
        constraint_names_per_schema=True,
    )
    copies: ClassVar[str] = "dbshift.backends.mysql_copies:MySQLCopies"
    driver_extra: ClassVar[str] = "mysql"
    #: asyncmy is compiled, a wheel or a build: an extra of its own keeps ``mysql`` light.
    async_extras: ClassVar[str] = "mysql-async"
    #: What a server started with ``--read-only``, or a read-only transaction, says.
    read_only_markers: ClassVar[tuple[str, ...]] = ("--read-only option", "read only transaction")
    read_only_fix: ClassVar[str] = "connect to the primary server with a user that may write"
    table_reader: ClassVar[str] = "dbshift.backends.mysql_introspection:MySQLTableReader"
    canonical_defaults: ClassVar[bool] = True
    #: The driver's unbuffered results end, their unread rows dropped, at the next statement.
    streams_results_between_statements: ClassVar[bool] = False

    # -- Settings and connecting -------------------------------------------------------

    def normalize_url(self, url: str, root: Path) -> str:
        """Name PyMySQL, the driver the ``mysql`` extra installs, when the URL names none."""
        scheme, _, rest = url.partition("://")
        return url if "+" in scheme else f"{scheme}+{DRIVER}://{rest}"

    def create_engine(self, url: sa.URL) -> sa.Engine:
        """Return an engine whose sessions are set up by :meth:`session_options`."""
        import sqlalchemy as sa

        return sa.create_engine(url, poolclass=sa.pool.NullPool, **self.session_options(url))

    def session_options(self, url: sa.URL) -> dict[str, Any]:
        """Make each session strict, utf8mb4, READ COMMITTED and in UTC (the module's
        docstring says why), through PyMySQL or an asyncio driver alike."""
        # The driver runs init_command on connecting, before SQLAlchemy reads the mode.
        connect_args: dict[str, Any] = {
            "init_command": f"SET SESSION sql_mode = '{SQL_MODE}', time_zone = '{TIME_ZONE}'"
        }
        if "charset" not in url.query:
            connect_args["charset"] = CHARSET
        return {"connect_args": connect_args, "isolation_level": ISOLATION_LEVEL}

    def async_url(self, url: sa.URL) -> sa.URL:
        """Name asyncmy, unless the URL names an asyncio driver (aiomysql) itself.

        asyncmy takes PyMySQL's connection arguments, so the rest of a URL written
        for PyMySQL suits it unchanged.
        """
        if url.get_driver_name() in ASYNC_DRIVERS:
            return url
        return url.set(drivername=f"{url.get_backend_name()}+{ASYNC_DRIVER}")

    # -- The migration lock ------------------------------------------------------------

    @contextlib.contextmanager
    def locked_transaction(
        self, connection: sa.Connection, lock_timeout: float | None
    ) -> Iterator[None]:
        """Take the named lock, then run the block in a transaction; release the lock after.

        The transaction ends (committed, or rolled back on an error) before the lock
        is released, so the next migration sees its recorder rows. ``lock_timeout``
        also bounds the waits of its statements for table (metadata) locks, which
        MySQL lets last a day or a year by default: an ALTER queued behind a long
        transaction blocks every later query on the table while it waits.
        """
        with _named_lock(connection, lock_timeout):
            _bound_table_lock_waits(connection, lock_timeout)
            with connection.begin():
                yield

    @contextlib.contextmanager
    def locked_outside_transaction(
        self, database: Database, connection: sa.Connection, lock_timeout: float | None
    ) -> Iterator[sa.Connection]:
        """Hold the named lock on ``connection``; yield another in autocommit mode."""
        with _named_lock(connection, lock_timeout), database.connect() as outside:
            _bound_table_lock_waits(outside, lock_timeout)
            yield outside.execution_options(isolation_level="AUTOCOMMIT")

    # -- Introspection and drift -------------------------------------------------------

    def canonical_default(self, connection: sa.Connection, expression: str) -> str:
        """Return the value MySQL makes of a constant in its column's type (1.50 for 1.5 in
        a decimal(5,2)); the constant comes as ``CAST(value AS type)``."""
        from dbshift.backends.mysql_introspection import canonical_type, constant_value

        match = _CAST.match(expression.strip())
        if match is None:
            return expression
        return constant_value(connection, match["value"], canonical_type(match["type"]))

    def comparable_type(self, declared: str) -> str:
        """Return the one spelling of a type (``int`` for ``integer`` and ``int(11)``)."""
        from dbshift.backends.mysql_introspection import canonical_type

        return canonical_type(declared)

    def check_constraints(self, connection: sa.Connection, table: str) -> list[dict[str, Any]]:
        """Read the checks from ``information_schema``, which also has those written in a
        column's definition (Django's ``>= 0`` on MySQL, named after the column), which
        SQLAlchemy's reflection leaves out; MariaDB's own ``json_valid`` checks excepted."""
        # MariaDB names checks per table (and says which); MySQL 8 per database.
        query = _MARIADB_CHECKS if getattr(connection.dialect, "is_mariadb", False) else _CHECKS
        rows = connection.exec_driver_sql(query, (table,))
        return [{"name": name, "sqltext": text} for name, text in rows]

    def as_reported(self, table: TableInfo) -> TableInfo:
        """Return a table made from migrations as :class:`MySQLTableReader` reads it back."""
        from dbshift.backends.mysql_introspection import as_reported

        return as_reported(table)

    # -- Running SQL and reading the recorder -----------------------------------------

    def execute_script(self, connection: sa.Connection, statements: list[str]) -> None:
        """Run statements one by one and without parameters, so that ``%`` is a percent
        sign: the driver reports an error of a multi-statement string only when its
        results are read, and a DDL statement costs more than its round trip."""
        for statement in statements:
            connection.exec_driver_sql(statement, execution_options={"no_parameters": True})

    def recorder_connection(self, url: str) -> Any | None:
        """Connect with PyMySQL, whichever driver the URL names."""
        try:
            import pymysql  # type: ignore[import-untyped]
        except ModuleNotFoundError as err:
            raise RecorderUnreadable from err
        parts = urllib.parse.urlsplit(url)
        options = dict(urllib.parse.parse_qsl(parts.query))
        if not set(options) <= RECORDER_OPTIONS:
            raise RecorderUnreadable  # TLS and other driver options: SQLAlchemy reads.
        try:
            return pymysql.connect(
                host=parts.hostname or "localhost",
                port=parts.port or 3306,
                user=urllib.parse.unquote(parts.username or ""),
                password=urllib.parse.unquote(parts.password or ""),
                database=urllib.parse.unquote(parts.path[1:]) or None,
                charset=options.get("charset", CHARSET),
                unix_socket=options.get("unix_socket"),
                autocommit=True,
            )
        except (pymysql.Error, ValueError) as err:
            raise RecorderUnreadable from err

    def is_missing_table(self, error: Exception) -> bool:
        import pymysql

        return isinstance(error, pymysql.Error) and error.args[:1] == (NO_SUCH_TABLE,)


_MARIADB_CHECKS = (
    "SELECT constraint_name, check_clause FROM information_schema.check_constraints "
    "WHERE constraint_schema = DATABASE() AND table_name = %s "
    "AND check_clause <> CONCAT('json_valid(`', constraint_name, '`)')"
)
_CHECKS = (
    "SELECT c.constraint_name, c.check_clause FROM information_schema.table_constraints t "
    "JOIN information_schema.check_constraints c ON c.constraint_schema = t.constraint_schema "
    "AND c.constraint_name = t.constraint_name "
    "WHERE t.table_schema = DATABASE() AND t.table_name = %s AND t.constraint_type = 'CHECK'"
)


@contextlib.contextmanager
def _named_lock(connection: sa.Connection, lock_timeout: float | None) -> Iterator[None]:
    """Hold the migration lock of ``connection``'s database for the block.

    The caller has no transaction open; taking the lock leaves none open, and
    releasing it needs none. Raise :class:`LockNotTaken` when the wait runs out.
    """
    name = lock_name(connection.engine.url.database)
    wait = lock_timeout if lock_timeout is not None else DEFAULT_LOCK_WAIT
    try:
        taken = connection.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (name, wait)).scalar()
    finally:
        connection.rollback()  # Ends the transaction SQLAlchemy began for the SELECT.
    if taken != 1:
        raise LockNotTaken
    try:
        yield
    finally:
        _release(connection, name)


def _bound_table_lock_waits(connection: sa.Connection, lock_timeout: float | None) -> None:
    """Make the session's statements wait at most ``lock_timeout`` for a table's lock.

    ``lock_wait_timeout`` (metadata locks, which DDL takes) counts whole seconds.
    """
    if lock_timeout is None:
        return
    seconds = max(1, math.ceil(lock_timeout))
    connection.exec_driver_sql(f"SET SESSION lock_wait_timeout = {seconds:d}")
    connection.rollback()


def _release(connection: sa.Connection, name: str) -> None:
    if connection.closed or connection.invalidated:
        return  # The session is gone, and the server freed its lock with it.
    if connection.in_transaction():
        connection.rollback()  # A failure inside the block left its transaction open.
    connection.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (name,))
    connection.rollback()
