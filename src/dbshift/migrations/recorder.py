"""The ``dbshift_migrations`` table: which migrations a database has applied.

Each row holds the app, the migration name, when it was applied, and a checksum of
what the migration did, so that an applied migration edited later can be found.
The table is created on first use; (app, name) is unique, so a migration can never
be recorded twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from dbshift.migrations.checksum import Checksum
from dbshift.migrations.graph import Key

TABLE_NAME = "dbshift_migrations"

metadata = sa.MetaData()
migrations_table = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("app", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("applied", sa.DateTime(timezone=True), nullable=False),
    sa.Column("checksum", sa.Text, nullable=False),
    sa.UniqueConstraint("app", "name", name="dbshift_migrations_app_name_uniq"),
)


@dataclass(frozen=True)
class AppliedMigration:
    """One row of the recorder table."""

    app: str
    name: str
    applied: datetime.datetime
    checksum: str

    @property
    def key(self) -> Key:
        return (self.app, self.name)


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
        query = sa.select(sa.literal(1)).where(
            migrations_table.c.app == key[0], migrations_table.c.name == key[1]
        )
        return self.connection.execute(query).first() is not None

    def record_applied(self, key: Key, checksum: Checksum) -> None:
        self.connection.execute(
            migrations_table.insert().values(
                app=key[0],
                name=key[1],
                applied=datetime.datetime.now(datetime.UTC),
                checksum=str(checksum),
            )
        )

    def record_unapplied(self, key: Key) -> None:
        self.connection.execute(
            migrations_table.delete().where(
                migrations_table.c.app == key[0], migrations_table.c.name == key[1]
            )
        )

    def update_checksum(self, key: Key, checksum: Checksum) -> None:
        self.connection.execute(
            migrations_table.update()
            .where(migrations_table.c.app == key[0], migrations_table.c.name == key[1])
            .values(checksum=str(checksum))
        )

    def delete(self, keys: Iterable[Key]) -> None:
        for key in keys:
            self.record_unapplied(key)
