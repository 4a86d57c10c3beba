"""Keeping the recorded history whole while another process migrates the other way.

A ``migrate`` plans from what the database recorded before it takes the
migration lock, and takes the lock again for each migration (or batch). In
between, another process may apply or unapply migrations. One going the same
way only gets ahead, and this run skips what it finds done. One going the other
way can take away what the next migration builds on (a ``migrate app zero``
beside a ``migrate``), or build on what this run is about to take away.

So, under the lock and before it changes anything, a run looks at the graph
neighbours of what it is about to run: applying needs every dependency recorded,
unapplying needs every dependent unrecorded, and a neighbour that is part-way
through (a progress row: a non-atomic migration, or any migration where they
run an operation at a time) counts as moving. If the check fails, the
run stops there with :class:`ConcurrentMigrationError`: what it ran before is
whole and recorded, that migration and the rest are not touched, and the
recorded history stays consistent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dbshift.exceptions import ConcurrentMigrationError
from dbshift.migrations.graph import Key, MigrationGraph, format_key

if TYPE_CHECKING:
    from dbshift.migrations.planner import PlanStep
    from dbshift.migrations.recorder import MigrationRecorder


class NeighbourCheck:
    """What must (or must not) be recorded for some steps of one direction to run."""

    def __init__(
        self, graph: MigrationGraph, steps: Sequence[PlanStep], stepwise: bool = False
    ) -> None:
        self.graph = graph
        #: Atomic migrations too may be part-way through (run an operation at a time).
        self.stepwise = stepwise
        self.backwards = steps[0].backwards
        links = graph.children if self.backwards else graph.parents
        running = {step.key for step in steps}
        #: Each neighbour outside ``steps``, with the first step that needs it.
        self.needed_by: dict[Key, Key] = {}
        for step in steps:
            for neighbour in sorted(links.get(step.key, ())):
                if neighbour not in running:
                    self.needed_by.setdefault(neighbour, step.key)

    def lookup(self) -> list[Key]:
        """Return the keys whose recorder rows decide the check.

        A squash counts by the migrations it replaces too: their rows are what
        marks it applied until it has a row of its own.
        """
        keys = list(self.needed_by)
        for key in self.needed_by:
            keys += self.graph.node(key).replaces
        return keys

    def verify(self, recorded: set[Key], recorder: MigrationRecorder) -> None:
        """Raise if another process moved a neighbour; ``recorded`` covers :meth:`lookup`."""
        error = self.conflict(recorded, recorder)
        if error is not None:
            raise error

    def conflict(
        self, recorded: set[Key], recorder: MigrationRecorder
    ) -> ConcurrentMigrationError | None:
        """Return the error to stop with if another process moved a neighbour, else ``None``."""
        for neighbour, step in self.needed_by.items():
            migration = self.graph.node(neighbour)
            replaced = [key in recorded for key in migration.replaces]
            if self.backwards:
                moved = neighbour in recorded or any(replaced)
            else:
                moved = neighbour not in recorded and not (replaced and all(replaced))
            if moved:
                return self._error(step, neighbour, "applied" if self.backwards else "unapplied")
            may_be_part_way = self.stepwise or not migration.atomic
            if may_be_part_way and recorder.progress(neighbour) is not None:
                return self._error(step, neighbour, "is part-way through")
        return None

    def _error(self, step: Key, neighbour: Key, what: str) -> ConcurrentMigrationError:
        verb = "unapplying" if self.backwards else "applying"
        link = "which depends on it" if self.backwards else "which it depends on"
        done = "unapplied" if self.backwards else "applied"
        return ConcurrentMigrationError(
            f"Stopped before {verb} {format_key(step)}: another process {what} "
            f"{format_key(neighbour)}, {link}, while this migrate ran. The migrations "
            f"{done} before it are complete and recorded; run the command again to go on "
            "from the history the other process left."
        )
