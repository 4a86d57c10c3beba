"""Taking over a database that Django's ``migrate`` built.

Django records applied migrations in ``django_migrations`` (app, name,
applied). A database that has that table and no ``dbshift_migrations`` was
built by Django: its schema is what the migration files describe, but dbshift
does not know it. Importing the rows records each migration the project has a
file for as applied, with the checksum of that file (the file converted to
dbshift's imports), as ``migrate --fake`` would; from then on the database is
continued as if dbshift had built it. ``django_migrations`` is left as it was.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from dbshift.migrations.applied import TABLE_NAME
from dbshift.migrations.graph import Key
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.recorder import MigrationRecorder

DJANGO_TABLE = "django_migrations"

_DJANGO_ROWS: sa.Select[Any, Any] = sa.select(sa.column("app"), sa.column("name")).select_from(
    sa.table(DJANGO_TABLE, sa.column("id"), sa.column("app"), sa.column("name"))
)


@dataclasses.dataclass(frozen=True)
class DjangoHistory:
    """What ``django_migrations`` holds, sorted by whether the project has the file."""

    #: Migrations the project has a file for, in the order Django applied them.
    known: list[Key]
    #: Migrations of apps or files the project does not have (Django's own apps, say).
    unknown: list[Key]


def django_history(connection: sa.Connection, loader: MigrationLoader) -> DjangoHistory | None:
    """Return the Django history to import, or None when there is none to import.

    There is one when ``django_migrations`` exists and ``dbshift_migrations`` does not.
    """
    inspector = sa.inspect(connection)
    if inspector.has_table(TABLE_NAME) or not inspector.has_table(DJANGO_TABLE):
        return None
    rows = connection.execute(_DJANGO_ROWS.order_by(sa.column("id")))
    keys = [(row.app, row.name) for row in rows]
    return DjangoHistory(
        known=[key for key in keys if key in loader.disk_migrations],
        unknown=[key for key in keys if key not in loader.disk_migrations],
    )


def import_django_history(
    connection: sa.Connection, loader: MigrationLoader, history: DjangoHistory
) -> None:
    """Record the migrations of ``history`` the project has files for as applied.

    Call inside the migration lock: the recorder table is created here.
    """
    recorder = MigrationRecorder(connection)
    recorder.ensure_table()
    recorder.record_applied_many([(key, loader.checksum(key)) for key in history.known])
