"""Reading what a database has recorded, straight through its driver.

``showmigrations``, ``check`` and a ``migrate`` with nothing to do only read the
recorder tables. Importing SQLAlchemy costs more than everything else those
commands do on a small project, so these two queries go through the bare driver
that the database's backend opens (:meth:`Backend.recorder_connection`: the
standard ``sqlite3``, or psycopg), and SQLAlchemy is loaded only when there is
something to run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from dbshift.backends.backend import Backend, RecorderUnreadable, backend_named
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

    A database that does not exist (a SQLite file) is not created: it has recorded
    nothing. ``None`` means the driver could not tell (no connection, an odd URL, a
    missing driver, a backend that cannot read without SQLAlchemy): the caller then
    asks through SQLAlchemy, whose errors say what is wrong.
    """
    backend_class = backend_named(url.partition("://")[0].split("+")[0])
    if backend_class is None:
        return None
    backend = backend_class()
    try:
        connection = backend.recorder_connection(url)
        applied, progress = ([], []) if connection is None else _read(connection, backend)
    except RecorderUnreadable:
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


def _read(connection: Any, backend: Backend) -> tuple[Rows, Rows]:
    try:
        return _query(connection, APPLIED_QUERY, backend), _query(
            connection, PROGRESS_QUERY, backend
        )
    finally:
        connection.close()


def _query(connection: Any, sql: str, backend: Backend) -> Rows:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
    except Exception as err:
        if backend.is_missing_table(err):
            return []  # No such table yet: nothing was ever recorded there.
        raise RecorderUnreadable from err
    return list(cursor.fetchall())


def _moment(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))
