"""The ``dbshift_migrations`` table: which migrations a database has applied.

Each row holds the app, the migration name, when it was applied, and a checksum of
what the migration did, so that an applied migration edited later can be found.
The table is created on first use; (app, name) is unique, so a migration can never
be recorded twice.

A non-atomic migration (``atomic = False``) runs one operation at a time, and
``dbshift_migration_progress`` says how far it got: one row per migration under
way, with the direction, the number of operations done and the checksum of the
migration they belong to. The row is written in the transaction of each
operation and deleted with the recorder row's change at the end, so a ``migrate``
that died half-way is resumed where it stopped. That table is only created the
first time a non-atomic migration runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from dbshift.migrations.applied import (
    PROGRESS_TABLE_NAME,
    TABLE_NAME,
    AppliedMigration,
    Direction,
    Progress,
)
from dbshift.migrations.checksum import Checksum
from dbshift.migrations.graph import Key

__all__ = [
    "PROGRESS_TABLE_NAME",
    "TABLE_NAME",
    "AppliedMigration",
    "Direction",
    "MigrationRecorder",
    "Progress",
]

metadata = sa.MetaData()
#: MySQL's tables take the database's character set unless told, which may not hold
#: every app and migration name; names compare exactly, as files do.
_EVERY_NAME: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in ("mysql", "mariadb")
    for option, value in (("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}
migrations_table = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("app", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("applied", sa.DateTime(timezone=True), nullable=False),
    sa.Column("checksum", sa.Text, nullable=False),
    sa.UniqueConstraint("app", "name", name="dbshift_migrations_app_name_uniq"),
    **_EVERY_NAME,
)

progress_table = sa.Table(
    PROGRESS_TABLE_NAME,
    metadata,
    sa.Column("app", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("checksum", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("app", "name", name="dbshift_migration_progress_pkey"),
    **_EVERY_NAME,
)

# The statements run for every migration, built once: building and compiling a
# statement anew cost four times as much as running it on SQLite. Each is
# compiled once per dialect and taken from the compiled cache afterwards.
_WHERE_KEY = (
    migrations_table.c.app == sa.bindparam("key_app"),
    migrations_table.c.name == sa.bindparam("key_name"),
)
_IS_APPLIED = sa.select(sa.literal(1)).where(*_WHERE_KEY)
_NAMED = sa.select(migrations_table.c.app, migrations_table.c.name).where(
    migrations_table.c.name.in_(sa.bindparam("names", expanding=True))
)
_RECORD = migrations_table.insert()
_UNRECORD = migrations_table.delete().where(*_WHERE_KEY)
_SET_CHECKSUM = migrations_table.update().where(*_WHERE_KEY)


def _key_params(key: Key) -> dict[str, str]:
    return {"key_app": key[0], "key_name": key[1]}


class MigrationRecorder:
    """Read and write the applied-migrations table over one connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def has_table(self) -> bool:
        return sa.inspect(self.connection).has_table(TABLE_NAME)

    def ensure_table(self) -> None:
        """Create the table if it is missing (call inside the migration lock)."""
        migrations_table.create(self.connection, checkfirst=True)

    def applied(self) -> dict[Key, AppliedMigration]:
        """Return every recorded migration by key; an absent table means none."""
        if not self.has_table():
            return {}
        rows = self.connection.execute(
            sa.select(
                migrations_table.c.app,
                migrations_table.c.name,
                migrations_table.c.applied,
                migrations_table.c.checksum,
            ).order_by(migrations_table.c.id)
        )
        return {(row.app, row.name): AppliedMigration(*row) for row in rows}

    def is_applied(self, key: Key) -> bool:
        return self.connection.execute(_IS_APPLIED, _key_params(key)).first() is not None

    def record_applied(self, key: Key, checksum: Checksum) -> None:
        self.connection.execute(
            _RECORD,
            {
                "app": key[0],
                "name": key[1],
                "applied": datetime.datetime.now(datetime.UTC),
                "checksum": str(checksum),
            },
        )

    def record_applied_many(self, rows: list[tuple[Key, Checksum]]) -> None:
        """Record several migrations at once, in one statement run for each row."""
        if not rows:
            return
        now = datetime.datetime.now(datetime.UTC)
        self.connection.execute(
            migrations_table.insert(),
            [
                {"app": key[0], "name": key[1], "applied": now, "checksum": str(checksum)}
                for key, checksum in rows
            ],
        )

    def applied_among(self, keys: list[Key]) -> set[Key]:
        """Return which of ``keys`` are recorded, in one query."""
        if not keys:
            return set()
        names = sorted({name for _app, name in keys})
        rows = {(app, name) for app, name in self.connection.execute(_NAMED, {"names": names})}
        return rows & set(keys)

    def record_unapplied(self, key: Key) -> None:
        self.connection.execute(_UNRECORD, _key_params(key))

    def record_unapplied_many(self, keys: list[Key]) -> None:
        """Remove the rows of several migrations, in one statement run for each key."""
        if keys:
            self.connection.execute(_UNRECORD, [_key_params(key) for key in keys])

    def update_checksum(self, key: Key, checksum: Checksum) -> None:
        self.connection.execute(_SET_CHECKSUM, {**_key_params(key), "checksum": str(checksum)})

    def delete(self, keys: Iterable[Key]) -> None:
        self.record_unapplied_many(list(keys))

    # -- Progress of non-atomic migrations ---------------------------------------------

    def has_progress_table(self) -> bool:
        return sa.inspect(self.connection).has_table(PROGRESS_TABLE_NAME)

    def ensure_progress_table(self) -> None:
        """Create the progress table if it is missing (call inside the migration lock)."""
        progress_table.create(self.connection, checkfirst=True)

    def progress(self, key: Key) -> Progress | None:
        """Return how far migration ``key`` got, if it was interrupted."""
        if not self.has_progress_table():
            return None
        row = self.connection.execute(
            sa.select(
                progress_table.c.direction, progress_table.c.done, progress_table.c.checksum
            ).where(progress_table.c.app == key[0], progress_table.c.name == key[1])
        ).first()
        return Progress(*row) if row is not None else None

    def interrupted(self) -> dict[Key, Progress]:
        """Return every non-atomic migration that stopped half-way, by key."""
        if not self.has_progress_table():
            return {}
        rows = self.connection.execute(sa.select(progress_table))
        return {
            (row.app, row.name): Progress(row.direction, row.done, row.checksum) for row in rows
        }

    def record_progress(self, key: Key, progress: Progress) -> None:
        """Store ``progress``; each statement is whole even outside a transaction."""
        updated = self.connection.execute(
            progress_table.update()
            .where(progress_table.c.app == key[0], progress_table.c.name == key[1])
            .values(direction=progress.direction, done=progress.done, checksum=progress.checksum)
        )
        if updated.rowcount:
            return
        self.connection.execute(
            progress_table.insert().values(
                app=key[0],
                name=key[1],
                direction=progress.direction,
                done=progress.done,
                checksum=progress.checksum,
            )
        )

    def clear_progress(self, key: Key) -> None:
        if self.has_progress_table():
            self.connection.execute(
                progress_table.delete().where(
                    progress_table.c.app == key[0], progress_table.c.name == key[1]
                )
            )
