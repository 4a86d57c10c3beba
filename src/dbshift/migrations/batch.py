"""Running a stretch of schema-only migrations in one transaction.

A transaction of its own costs each migration a lock, a look at the recorder
table, a recorder row and a commit: on PostgreSQL as many round trips as the DDL
of a typical migration. Consecutive migrations made only of schema operations
therefore share one transaction, up to :data:`BATCH_SIZE` of them. The database
still only ever moves from one migration boundary to another: a crash undoes
the whole batch, and the recorder rows are written in the same transaction.

A batch that fails is rolled back whole and its migrations run again one at a
time, which applies those before the failing one and reports that one as usual.
Schema operations do the same thing to the same schema each time, so running
them a second time is safe; migrations with code or raw SQL never join a batch.
A batch also steps aside when another process changed any of its migrations
meanwhile, and the one-at-a-time run follows that process along.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from dbshift.exceptions import DatabaseReadOnlyError, LockTimeoutError
from dbshift.migrations.fresh import schema_only
from dbshift.migrations.planner import PlanStep, Progress
from dbshift.migrations.state import ProjectState

if TYPE_CHECKING:
    from dbshift.migrations.executor import MigrationExecutor

#: The most migrations one transaction holds: enough to make the per-transaction
#: cost vanish, few enough that the migration lock is never held for long.
BATCH_SIZE = 100


def batches(steps: list[PlanStep], enabled: bool = True) -> Iterator[list[PlanStep]]:
    """Yield ``steps`` in order as batches: runs of schema-only steps, and single others."""
    batch: list[PlanStep] = []
    for step in steps:
        if enabled and _joins_batches(step):
            batch.append(step)
            if len(batch) == BATCH_SIZE:
                yield batch
                batch = []
            continue
        if batch:
            yield batch
            batch = []
        yield [step]
    if batch:
        yield batch


def _joins_batches(step: PlanStep) -> bool:
    # A squash records the migrations it replaces as it goes, which needs a look
    # at the recorder for each; it runs on its own.
    return schema_only(step.migration) and not step.migration.replaces


class BatchRun:
    """Apply or unapply a batch of schema-only migrations in one transaction.

    When a batch does not run, nothing of it is done: it failed and was rolled
    back, or another process got to one of its migrations first.
    """

    def __init__(self, executor: MigrationExecutor, steps: list[PlanStep], fake: bool) -> None:
        self.executor = executor
        self.steps = steps
        self.fake = fake

    def apply(self, state: ProjectState) -> ProjectState | None:
        """Apply the batch to ``state``; return the state after it."""
        after = [state]

        def run(step: PlanStep) -> None:
            if self.fake:
                after[0] = step.migration.mutate_state(after[0])
                return
            editor = self.executor.database.schema_editor(self.executor.connection)
            after[0] = step.migration.apply(after[0], editor)
            editor.finish()

        return after[0] if self._run(run) else None

    def unapply(self, state_before: Callable[[PlanStep], ProjectState]) -> bool:
        """Unapply the batch; return whether it ran.

        ``state_before`` gives the state each migration was applied to.
        """

        def run(step: PlanStep) -> None:
            if self.fake:
                return
            editor = self.executor.database.schema_editor(self.executor.connection)
            step.migration.unapply(state_before(step), editor)
            editor.finish()

        return self._run(run)

    def _run(self, run: Callable[[PlanStep], None]) -> bool:
        executor = self.executor
        recorder = executor.recorder
        keys = [step.key for step in self.steps]
        backwards = self.steps[0].backwards
        timings: list[float] = []
        try:
            with executor.database.locked_transaction(executor.connection, executor.lock_timeout):
                if recorder.applied_among(keys) != (set(keys) if backwards else set()):
                    return False
                for step in self.steps:
                    started = time.perf_counter()
                    run(step)
                    timings.append(time.perf_counter() - started)
                if backwards:
                    recorder.record_unapplied_many(keys)
                else:
                    recorder.record_applied_many(
                        [(key, executor.loader.checksum(key)) for key in keys]
                    )
        except (LockTimeoutError, DatabaseReadOnlyError):
            raise
        except Exception:
            return False
        outcome = "FAKED" if self.fake else "OK"
        note = f"in one transaction with {len(self.steps) - 1} others"
        for step, elapsed in zip(self.steps, timings, strict=True):
            executor.progress(Progress("start", step))
            executor.progress(Progress("done", step, outcome, elapsed, note))
        return True
