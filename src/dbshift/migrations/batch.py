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

#: How long a batch takes on more migrations (see :class:`BatchRun`).
BATCH_SECONDS = 1.0


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

    A batch that has run for :data:`BATCH_SECONDS` commits the migrations done so
    far and leaves the rest to the next batch, so that a slow migration is
    reported soon after it finished. Both directions return how many migrations
    they did, from the first; none means nothing of the batch is done: it failed
    and was rolled back, or another process got to one of its migrations first.
    """

    def __init__(self, executor: MigrationExecutor, steps: list[PlanStep], fake: bool) -> None:
        self.executor = executor
        self.steps = steps
        self.fake = fake

    def apply(self, state: ProjectState) -> tuple[int, ProjectState]:
        """Apply the batch to ``state``; return how many migrations ran and the state after."""
        after = [state]

        def run(step: PlanStep) -> None:
            if self.fake:
                after[0] = step.migration.mutate_state(after[0])
                return
            editor = self.executor.database.schema_editor(self.executor.connection)
            after[0] = step.migration.apply(after[0], editor)
            editor.finish()

        done = self._run(run)
        return done, after[0] if done else state

    def unapply(self, state_before: Callable[[PlanStep], ProjectState]) -> int:
        """Unapply the batch; return how many migrations ran.

        ``state_before`` gives the state each migration was applied to.
        """

        def run(step: PlanStep) -> None:
            if self.fake:
                return
            editor = self.executor.database.schema_editor(self.executor.connection)
            step.migration.unapply(state_before(step), editor)
            editor.finish()

        return self._run(run)

    def _run(self, run: Callable[[PlanStep], None]) -> int:
        executor = self.executor
        recorder = executor.recorder
        keys = [step.key for step in self.steps]
        backwards = self.steps[0].backwards
        timings: list[float] = []
        try:
            with executor.database.locked_transaction(executor.connection, executor.lock_timeout):
                if recorder.applied_among(keys) != (set(keys) if backwards else set()):
                    return 0
                batch_started = time.perf_counter()
                for step in self.steps:
                    started = time.perf_counter()
                    run(step)
                    finished = time.perf_counter()
                    timings.append(finished - started)
                    if finished - batch_started > BATCH_SECONDS:
                        break
                done = keys[: len(timings)]
                if backwards:
                    recorder.record_unapplied_many(done)
                else:
                    recorder.record_applied_many(
                        [(key, executor.loader.checksum(key)) for key in done]
                    )
        except (LockTimeoutError, DatabaseReadOnlyError):
            raise
        except Exception:
            return 0
        outcome = "FAKED" if self.fake else "OK"
        note = f"in one transaction with {len(timings) - 1} others" if len(timings) > 1 else ""
        for step, elapsed in zip(self.steps, timings, strict=False):
            executor.progress(Progress("start", step))
            executor.progress(Progress("done", step, outcome, elapsed, note))
        return len(timings)
