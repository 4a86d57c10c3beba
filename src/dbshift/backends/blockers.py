"""Who holds up a migration's statements: the sessions ``pg_blocking_pids`` names.

A statement cut short by ``lock_timeout`` no longer waits, so by then PostgreSQL
cannot say who blocked it. While the migration runs, a thread asks from a
connection of its own, a few times a second, and keeps the last answer.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

#: Seconds between two looks at the sessions that block the migration.
POLL_INTERVAL = 0.1
#: Characters of a blocking session's query that a message shows.
QUERY_CHARS = 200


@dataclass(frozen=True)
class Blocker:
    """A session that held a lock the migration waited for."""

    pid: int
    state: str
    query: str

    def describe(self) -> str:
        query = " ".join(self.query.split())
        if len(query) > QUERY_CHARS:
            query = query[:QUERY_CHARS] + "..."
        return f"pid {self.pid} ({self.state}), last query: {query}"


class BlockerWatch:
    """Remember the sessions that last blocked one backend."""

    def __init__(self) -> None:
        self.blockers: list[Blocker] = []

    @contextlib.contextmanager
    def watching(self, engine: sa.Engine, pid: int) -> Iterator[None]:
        """Look for the sessions blocking backend ``pid`` until the block ends."""
        stop = threading.Event()
        thread = threading.Thread(target=self._poll, args=(engine, pid, stop), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _poll(self, engine: sa.Engine, pid: int, stop: threading.Event) -> None:
        query = (
            "SELECT pid, coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity "
            f"WHERE pid = ANY(pg_blocking_pids({pid:d})) ORDER BY pid"
        )
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                while not stop.wait(POLL_INTERVAL):
                    rows = connection.exec_driver_sql(query).all()
                    if rows:
                        self.blockers = [Blocker(int(row[0]), row[1], row[2]) for row in rows]
        except sa.exc.SQLAlchemyError:
            return  # Only a message depends on it; the migration goes on without.
