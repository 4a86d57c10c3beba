"""Reading what a database has recorded, straight through its driver.

``showmigrations``, ``check`` and a ``migrate`` with nothing to do only read the
recorder tables. Importing SQLAlchemy costs more than everything else those
commands do on a small project, so these two queries go through the bare driver
(the standard ``sqlite3``, psycopg or PyMySQL), and SQLAlchemy is loaded only when there
is something to run.
"""

from __future__ import annotations

import datetime
import sqlite3
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbshift.migrations.applied import PROGRESS_TABLE_NAME, TABLE_NAME, AppliedMigration, Progress
from dbshift.migrations.graph import Key

APPLIED_QUERY = f"SELECT app, name, applied, checksum FROM {TABLE_NAME} ORDER BY id"
PROGRESS_QUERY = f"SELECT app, name, direction, done, checksum FROM {PROGRESS_TABLE_NAME}"


@dataclass
class RecordedHistory:
    """The applied migrations, and the non-atomic ones that stopped half-way."""

    applied: dict[Key, AppliedMigration] = field(default_factory=dict)
    interrupted: dict[Key, Progress] = field(default_factory=dict)


def read_history(url: str) -> RecordedHistory | None:
    """Return what the database at ``url`` recorded (nothing, if it has no tables).

    A SQLite file that does not exist is not created: it has recorded nothing.
    ``None`` means the driver could not tell (no connection, an odd URL, a missing
    driver): the caller then asks through SQLAlchemy, whose errors say what is wrong.
    """
    backend = url.partition("://")[0].split("+")[0]
    try:
        if backend == "sqlite":
            applied, progress = _sqlite_rows(url)
        elif backend == "postgresql":
            applied, progress = _postgresql_rows(url)
        elif backend in ("mysql", "mariadb"):
            applied, progress = _mysql_rows(url)
        else:
            return None
    except _Unreadable:
        return None
    return RecordedHistory(
        {
            (app, name): AppliedMigration(app, name, _moment(when), sums)
            for app, name, when, sums in applied
        },
        {
            (app, name): Progress(direction, done, sums)
            for app, name, direction, done, sums in progress
        },
    )


Rows = list[tuple[Any, ...]]


class _Unreadable(Exception):
    """The driver could not connect or read."""


def _sqlite_rows(url: str) -> tuple[Rows, Rows]:
    location, _, query = url.partition("://")[2].partition("?")
    path = urllib.parse.unquote(location)[1:]
    if query or path.startswith("file:"):
        raise _Unreadable  # URI filenames and driver options: let SQLAlchemy read them.
    if path in ("", ":memory:") or not Path(path).exists():
        return [], []
    try:
        connection = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise _Unreadable from err
    try:
        return _read(connection, _sqlite_missing_table)
    finally:
        connection.close()


def _sqlite_missing_table(error: Exception) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "no such table" in str(error)


def _postgresql_rows(url: str) -> tuple[Rows, Rows]:
    try:
        import psycopg
    except ModuleNotFoundError as err:
        raise _Unreadable from err
    conninfo = "postgresql://" + url.partition("://")[2]
    try:
        connection = psycopg.connect(conninfo, autocommit=True)
    except (psycopg.Error, ValueError) as err:
        raise _Unreadable from err
    try:
        return _read(connection, lambda error: isinstance(error, psycopg.errors.UndefinedTable))
    finally:
        connection.close()


#: MySQL's error number for a table that does not exist.
_NO_SUCH_TABLE = 1146
#: Options of a MySQL URL's query that PyMySQL takes as they are; any other falls back.
_MYSQL_OPTIONS = frozenset({"charset", "unix_socket"})


def _mysql_rows(url: str) -> tuple[Rows, Rows]:
    try:
        import pymysql  # type: ignore[import-untyped]
    except ModuleNotFoundError as err:
        raise _Unreadable from err
    parts = urllib.parse.urlsplit(url)
    options = dict(urllib.parse.parse_qsl(parts.query))
    if not set(options) <= _MYSQL_OPTIONS:
        raise _Unreadable  # TLS and other driver options: let SQLAlchemy read them.
    try:
        connection = pymysql.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 3306,
            user=urllib.parse.unquote(parts.username or ""),
            password=urllib.parse.unquote(parts.password or ""),
            database=urllib.parse.unquote(parts.path[1:]) or None,
            charset=options.get("charset", "utf8mb4"),
            unix_socket=options.get("unix_socket"),
            autocommit=True,
        )
    except (pymysql.Error, ValueError) as err:
        raise _Unreadable from err
    try:
        return _read(
            connection,
            lambda error: isinstance(error, pymysql.Error) and error.args[0] == _NO_SUCH_TABLE,
        )
    finally:
        connection.close()


def _read(connection: Any, missing_table: Callable[[Exception], bool]) -> tuple[Rows, Rows]:
    return _query(connection, APPLIED_QUERY, missing_table), _query(
        connection, PROGRESS_QUERY, missing_table
    )


def _query(connection: Any, sql: str, missing_table: Callable[[Exception], bool]) -> Rows:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
    except Exception as err:
        if missing_table(err):
            return []  # No such table yet: nothing was ever recorded there.
        raise _Unreadable from err
    return list(cursor.fetchall())


def _moment(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))
