"""Connecting to MySQL and MariaDB the way migrations need.

MySQL commits before and after every DDL statement, so a migration is not one
transaction there; what dbshift controls is the session each migration runs in:

- ``sql_mode`` is set to a fixed strict value on every connection, whatever the
  server's default: a value that does not fit its column is an error, not silently
  cut or replaced, and an unknown storage engine is refused instead of swapped for
  the default one. ``ANSI_QUOTES`` stays off, so double quotes in hand-written SQL
  keep meaning strings, and identifiers are quoted with backticks (as SQLAlchemy's
  MySQL dialect writes them).
- Text travels as ``utf8mb4``, the only MySQL character set that holds all of
  Unicode.
- Transactions are ``READ COMMITTED``: a migration reads the recorder rows other
  processes committed while it waited for the lock, not a snapshot from before.

The migration lock is a named lock (``GET_LOCK``). It belongs to the session, not
to a transaction (DDL would end a transaction anyway), so it is released
explicitly when the migration ends, and by the server when the session dies.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

#: The SQLAlchemy dialect names of the family; ``mariadb://`` URLs have their own.
VENDORS = frozenset({"mysql", "mariadb"})
#: The driver a URL without one gets: pure Python, so it installs everywhere.
DRIVER = "pymysql"
#: The session's SQL mode; every flag is understood by MySQL 8 and MariaDB 10.11 alike.
SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
CHARSET = "utf8mb4"
ISOLATION_LEVEL = "READ COMMITTED"
#: MySQL refuses lock names longer than this.
MAX_LOCK_NAME = 64
LOCK_PREFIX = "dbshift."


def is_mysql(vendor: str) -> bool:
    """Return whether ``vendor`` (a SQLAlchemy dialect name) is MySQL or MariaDB."""
    return vendor in VENDORS


def engine_options(url: sa.URL) -> dict[str, Any]:
    """Return the ``create_engine`` options that set up each migration session."""
    connect_args: dict[str, Any] = {"init_command": f"SET SESSION sql_mode = '{SQL_MODE}'"}
    if "charset" not in url.query:
        connect_args["charset"] = CHARSET
    return {"connect_args": connect_args, "isolation_level": ISOLATION_LEVEL}


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


@contextlib.contextmanager
def named_lock(
    connection: sa.Connection, timeout: float, timed_out: Callable[[], Exception]
) -> Iterator[None]:
    """Hold the migration lock of ``connection``'s database for the block.

    Waits up to ``timeout`` seconds, then raises ``timed_out()``. The caller has no
    transaction open; none is left open by taking the lock, and none is needed to
    release it.
    """
    name = lock_name(connection.engine.url.database)
    try:
        acquired = connection.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (name, timeout)).scalar()
    finally:
        connection.rollback()  # Ends the transaction SQLAlchemy began for the SELECT.
    if acquired != 1:
        raise timed_out()
    try:
        yield
    finally:
        _release(connection, name)


def _release(connection: sa.Connection, name: str) -> None:
    if connection.closed or connection.invalidated:
        return  # The session is gone, and the server freed its lock with it.
    if connection.in_transaction():
        # A failure inside the block left its transaction open (and maybe unusable).
        connection.rollback()
    connection.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (name,))
    connection.rollback()


def execute_script(connection: sa.Connection, statements: list[str]) -> None:
    """Run statements one by one: the driver reports an error of a multi-statement string
    only when its results are read, and a DDL statement costs more than its round trip."""
    for statement in statements:
        connection.exec_driver_sql(statement, execution_options={"no_parameters": True})
