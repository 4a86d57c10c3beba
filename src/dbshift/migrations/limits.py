"""Time limits on the table locks a migration's statements wait for, and on the statements.

On a busy PostgreSQL database an ``ALTER TABLE`` that waits for a lock (behind a
long transaction) makes every later query on the table wait behind it. With a
``lock_timeout`` the migration gives up quickly instead, is rolled back, and is
tried again after a pause; after ``lock_retries`` tries it fails, naming the
session that held the table. Not to be confused with ``migrate --lock-timeout``,
which bounds the wait for dbshift's own migration lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbshift.conf import Settings
    from dbshift.migrations.migration import Migration

#: Longest pause between two tries of a migration, in seconds.
MAX_RETRY_PAUSE = 30.0


@dataclass(frozen=True)
class StatementLimits:
    """``lock_timeout`` and ``statement_timeout`` (seconds) for one migration's transaction."""

    lock_timeout: float | None = None
    statement_timeout: float | None = None
    #: How many times a migration that timed out waiting for a lock is tried again.
    lock_retries: int = 3

    @classmethod
    def from_settings(cls, settings: Settings, lock_wait: float | None = None) -> StatementLimits:
        """Return the limits of the settings; ``lock_wait`` (``--lock-wait``) wins."""
        return cls(
            lock_timeout=lock_wait if lock_wait is not None else settings.lock_timeout,
            statement_timeout=settings.statement_timeout,
            lock_retries=settings.lock_retries,
        )

    @property
    def active(self) -> bool:
        return self.lock_timeout is not None or self.statement_timeout is not None

    def for_migration(self, migration: Migration) -> StatementLimits:
        """Return the limits for ``migration``: its own attributes win, as it knows its SQL."""
        return replace(
            self,
            lock_timeout=_first(migration.lock_timeout, self.lock_timeout),
            statement_timeout=_first(migration.statement_timeout, self.statement_timeout),
        )

    def pause(self, attempt: int) -> float:
        """Return the pause before try ``attempt + 2``: the lock timeout, doubling."""
        return min((self.lock_timeout or 1.0) * 2**attempt, MAX_RETRY_PAUSE)


def _first(*values: float | None) -> float | None:
    return next((value for value in values if value is not None), None)
