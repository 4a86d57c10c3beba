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
A batch also steps aside when another process changed any of its migrations,
or their neighbours in the graph (:mod:`dbshift.migrations.neighbours`),
meanwhile; the one-at-a-time run follows that process along, or stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal

from dbshift.exceptions import DatabaseReadOnlyError, LockTimeoutError
from dbshift.migrations.fresh import schema_only
from dbshift.migrations.neighbours import NeighbourCheck
from dbshift.migrations.planner import PlanStep, Progress
from dbshift.migrations.state import ProjectState

if TYPE_CHECKING:
    from dbshift.migrations.executor import MigrationExecutor

#: The most migrations one transaction holds: enough to make the per-transaction
#: cost vanish, few enough that the migration lock is never held for long.
BATCH_SIZE = 100

#: How long a transaction of a batch takes on more migrations (see :class:`BatchRun`).
BATCH_SECONDS = 1.0

#: Runs one migration of a batch on the state before it; returns the state after.
StepRunner = Callable[[PlanStep, ProjectState], ProjectState]


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
    # One with limits of its own runs under them, in its own transaction.
    migration = step.migration
    limited = migration.lock_timeout is not None or migration.statement_timeout is not None
    return schema_only(migration) and not migration.replaces and not limited


class BatchRun:
    """Apply or unapply a batch of schema-only migrations, sharing transactions.

    A transaction that has run for :data:`BATCH_SECONDS` commits the migrations
    done so far and the next one goes on with the rest, so that a slow migration
    is reported soon after it finished. A single migration left over is not run
    here: it runs on its own, as any migration does. Both directions return how
    many migrations of the batch, from the first, are done; the others are not
    touched: a transaction failed and was rolled back, or another process got to
    one of its migrations first.
    """

    def __init__(self, executor: MigrationExecutor, steps: list[PlanStep], fake: bool) -> None:
        self.executor = executor
        self.steps = steps
        self.fake = fake

    def apply(self, state: ProjectState) -> tuple[int, ProjectState]:
        """Apply the batch to ``state``; return how many migrations ran and the state after."""

        def run(step: PlanStep, current: ProjectState) -> ProjectState:
            if self.fake:
                return step.migration.mutate_state(current)
            editor = self.executor.schema_editor()
            after = step.migration.apply(current, editor)
            editor.finish()
            return after

        return self._run(state, run)

    def unapply(self, state_before: Callable[[PlanStep], ProjectState]) -> int:
        """Unapply the batch; return how many migrations ran.

        ``state_before`` gives the state each migration was applied to.
        """

        def run(step: PlanStep, current: ProjectState) -> ProjectState:
            if not self.fake:
                editor = self.executor.schema_editor()
                step.migration.unapply(state_before(step), editor)
                editor.finish()
            return current

        # Each migration's state comes from state_before: none is threaded through.
        done, _state = self._run(ProjectState(), run)
        return done

    def _run(self, state: ProjectState, run: StepRunner) -> tuple[int, ProjectState]:
        done = 0
        while len(self.steps) - done > 1:
            count, state = self._run_transaction(self.steps[done:], state, run)
            if not count:
                break
            done += count
        return done, state

    def _run_transaction(
        self, steps: list[PlanStep], state: ProjectState, run: StepRunner
    ) -> tuple[int, ProjectState]:
        """Run ``steps`` from the first in one transaction, until done or out of time.

        Return how many ran and the state after them; none leaves ``state`` as it was.
        """
        executor = self.executor
        recorder = executor.recorder
        keys = [step.key for step in steps]
        backwards = steps[0].backwards
        neighbours = NeighbourCheck(executor.graph, steps)
        timings: list[float] = []
        statements: list[tuple[str, ...]] = []
        after = state
        try:
            with executor.database.locked_transaction(executor.connection, executor.lock_timeout):
                recorded = recorder.applied_among(keys + neighbours.lookup())
                if recorded & set(keys) != (set(keys) if backwards else set()):
                    return 0, state
                if neighbours.conflict(recorded, recorder) is not None:
                    return 0, state  # the one-at-a-time run stops at the migration concerned
                batch_started = time.perf_counter()
                executor.ran_statements()
                for step in steps:
                    started = time.perf_counter()
                    after = run(step, after)
                    finished = time.perf_counter()
                    timings.append(finished - started)
                    statements.append(executor.ran_statements())
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
        except Exception as err:
            # The migration that raised (or, past the last, all that ran) must fail
            # on its own too for the batch to be cleared of the failure.
            reached = keys[: min(len(timings) + 1, len(keys))]
            executor.fast_paths.failed("Running migrations in one transaction", reached, err)
            return 0, state
        executor.fast_paths.batched.extend(done)
        outcome: Literal["FAKED", "OK"] = "FAKED" if self.fake else "OK"
        note = f"in one transaction with {len(timings) - 1} others" if len(timings) > 1 else ""
        for step, elapsed, ran in zip(steps, timings, statements, strict=False):
            executor.progress(Progress("start", step))
            executor.progress(Progress("done", step, outcome, elapsed, note, ran))
        return len(timings), after
