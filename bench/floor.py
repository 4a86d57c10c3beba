"""The floor: dbshift's own SQL, replayed through the bare driver in the same transactions.

``capture OUT ARGS...`` runs ``dbshift ARGS...`` (normally ``migrate``) in this process
with SQLAlchemy event listeners on every engine, and pickles what reached the driver, in
order: each statement with its parameters as the driver received them (``BEGIN``
included: on SQLite dbshift emits it itself), each commit and rollback, and each
connection's release, tagged with the connection they happened on.

``replay CAPTURE`` (with ``BENCH_VENDOR`` and ``BENCH_DSN`` in the environment) opens
the same number of connections with the bare driver (``sqlite3`` in autocommit mode,
as dbshift puts it, ``psycopg``, or ``pymysql`` on MariaDB) and performs the same events
in the same order: the same statements, the same transaction boundaries. What it leaves
out is everything that is not SQL: importing and planning migrations, building state,
compiling SQL, and SQLAlchemy's first-connect queries. The difference between a migrate
and its floor is the time dbshift spends outside the database. A statement that failed
when captured, its error handled by the caller (MySQL's dialect asks whether a table
exists with a ``DESCRIBE`` that fails if not), is run again with its error ignored.

Session settings dbshift makes with a raw cursor when it connects to SQLite
(``PRAGMA foreign_keys = OFF``, ``busy_timeout``) are not visible to the listeners;
``foreign_keys`` is off by default and the timeout only matters under contention, so
the replay's connections behave the same.

The replay imports nothing but the standard library and the driver, so that its own
start-up stays out of the measurement as much as the tools' start-up stays in theirs.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# Events: (connection number, kind, statement, parameters); kind is one of "execute",
# "execute_no_params", "executemany", "commit", "rollback", "close", or one of the first
# three followed by FAILING: a statement whose error the caller expected and handled.
Event = tuple[int, str, str | None, Any]
FAILING = "/failing"
#: dbshift's SQL mode on MySQL (dbshift.backends.vendors.mysql), which the replay
#: cannot import without paying for dbshift's import in its timed run.
MYSQL_SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"


def record(action: Callable[[], T]) -> tuple[T, list[Event]]:
    """Call ``action`` and return its result with the SQL events of every engine."""
    import sqlalchemy as sa
    from sqlalchemy import event

    events: list[Event] = []
    numbers: dict[int, int] = {}

    def number(dbapi_connection: Any) -> int:
        return numbers.setdefault(id(dbapi_connection), len(numbers))

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if executemany:
            kind = "executemany"
        elif context is not None and context.no_parameters:
            kind = "execute_no_params"  # SQLAlchemy then passes no parameters at all
        else:
            kind = "execute"
        events.append((number(conn.connection.dbapi_connection), kind, statement, parameters))

    def on_error(context) -> None:
        # SQLAlchemy's MySQL dialect asks whether a table exists with a DESCRIBE that
        # fails when it does not; the replay must expect that error too.
        if events and context.connection is not None:
            connection, kind, statement, parameters = events[-1]
            if statement == context.statement and kind in ("execute", "execute_no_params"):
                events[-1] = (connection, kind + FAILING, statement, parameters)

    def on_commit(conn) -> None:
        events.append((number(conn.connection.dbapi_connection), "commit", None, None))

    def on_rollback(conn) -> None:
        events.append((number(conn.connection.dbapi_connection), "rollback", None, None))

    def on_checkin(dbapi_connection, record) -> None:
        if dbapi_connection is not None and id(dbapi_connection) in numbers:
            events.append((numbers.pop(id(dbapi_connection)), "close", None, None))

    listeners = [
        (sa.engine.Engine, "before_cursor_execute", on_execute),
        (sa.engine.Engine, "handle_error", on_error),
        (sa.engine.Engine, "commit", on_commit),
        (sa.engine.Engine, "rollback", on_rollback),
        (sa.pool.Pool, "checkin", on_checkin),
    ]
    for target, name, function in listeners:
        event.listen(target, name, function)
    try:
        result = action()
    finally:
        for target, name, function in listeners:
            event.remove(target, name, function)
    return result, _renumber(events)


def _renumber(events: list[Event]) -> list[Event]:
    """Give every connection its own number: ids of closed connections are reused."""
    unique: list[Event] = []
    live: dict[int, int] = {}
    opened = 0
    for connection, kind, statement, parameters in events:
        if connection not in live:
            live[connection] = opened
            opened += 1
        unique.append((live[connection], kind, statement, parameters))
        if kind == "close":
            del live[connection]
    return unique


def capture(out: str, arguments: list[str]) -> int:
    """Run dbshift with ``arguments`` here, recording its SQL into ``out``."""
    from dbshift.cli import main

    code, events = record(lambda: main(arguments))
    with open(out, "wb") as fh:
        pickle.dump(events, fh)
    return code


def _connect(vendor: str, dsn: str) -> Any:
    if vendor == "sqlite":
        import sqlite3

        # Autocommit driver: BEGIN is one of the captured statements.
        return sqlite3.connect(dsn, isolation_level=None)
    if vendor == "mariadb":
        return _connect_pymysql(dsn)
    import psycopg

    return psycopg.connect(dsn)


def _connect_pymysql(dsn: str) -> Any:
    """Connect to ``mysql://user:password@host:port/database`` in dbshift's session settings.

    dbshift makes them as it connects (the SQL mode as the driver's init command, the
    isolation level through SQLAlchemy's raw cursor), out of the listeners' sight.
    """
    from urllib.parse import unquote, urlsplit

    import pymysql

    url = urlsplit(dsn)
    connection = pymysql.connect(
        host=url.hostname or "localhost",
        port=url.port or 3306,
        user=unquote(url.username or ""),
        password=unquote(url.password or ""),
        database=url.path.lstrip("/"),
        charset="utf8mb4",
        client_flag=pymysql.constants.CLIENT.FOUND_ROWS,
        init_command=f"SET SESSION sql_mode = '{MYSQL_SQL_MODE}'",
    )
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return connection


def replay(events: list[Event], vendor: str, dsn: str) -> None:
    """Perform the captured events against the database at ``dsn``."""
    connections: dict[int, Any] = {}
    cursors: dict[int, Any] = {}
    for number, kind, statement, parameters in events:
        if kind == "close":
            connection = connections.pop(number, None)
            if connection is not None:
                cursors.pop(number).close()
                connection.rollback()  # what the pool does when a connection comes back
                connection.close()
            continue
        if number not in connections:
            connections[number] = _connect(vendor, dsn)
            cursors[number] = connections[number].cursor()
        if kind == "commit":
            connections[number].commit()
        elif kind == "rollback":
            connections[number].rollback()
        elif kind.endswith(FAILING):
            _expect_error(cursors[number], kind.removesuffix(FAILING), statement, parameters)
        else:
            _execute(cursors[number], kind, statement, parameters)
    for connection in connections.values():
        connection.close()


def _execute(cursor: Any, kind: str, statement: str | None, parameters: Any) -> None:
    if kind == "execute":
        cursor.execute(statement, parameters)
    elif kind == "execute_no_params":
        cursor.execute(statement)
    else:
        cursor.executemany(statement, parameters)


def _expect_error(cursor: Any, kind: str, statement: str | None, parameters: Any) -> None:
    """Run a statement that failed when captured and whose error the caller handled."""
    with contextlib.suppress(Exception):  # the driver's own error class, whichever it is
        _execute(cursor, kind, statement, parameters)


def main(argv: list[str]) -> int:
    if argv[:1] == ["capture"] and len(argv) >= 2:
        return capture(argv[1], argv[2:])
    if argv[:1] == ["replay"] and len(argv) == 2:
        with open(argv[1], "rb") as fh:
            events = pickle.load(fh)
        replay(events, os.environ["BENCH_VENDOR"], os.environ["BENCH_DSN"])
        return 0
    sys.stderr.write("usage: floor.py capture OUT DBSHIFT-ARGS... | floor.py replay CAPTURE\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
