"""What a database records about its migrations, as plain data.

These records are read by commands that change nothing (``showmigrations``,
``check``, a ``migrate`` with nothing to do), which is why they live apart from
the recorder that writes them: reading them needs no SQL toolkit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from dbshift.migrations.graph import Key

TABLE_NAME = "dbshift_migrations"
PROGRESS_TABLE_NAME = "dbshift_migration_progress"
Direction = Literal["forwards", "backwards"]


@dataclass(frozen=True)
class Progress:
    """How far an interrupted non-atomic migration got."""

    direction: Direction
    done: int
    checksum: str


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
