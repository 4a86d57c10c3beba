"""Running a non-atomic migration (``atomic = False``) one operation at a time.

PostgreSQL refuses some statements inside a transaction, ``CREATE INDEX
CONCURRENTLY`` first among them, so a migration that holds one cannot be one
transaction. Such a migration declares ``atomic = False`` and runs here:

- each schema operation (and ``RunPython(atomic=True)``) in a transaction of its
  own, which holds the migration lock;
- ``RunSQL`` and other ``RunPython`` outside any transaction, while the lock is
  held on the side (:meth:`Database.locked_outside_transaction`);
- after each operation, its progress is recorded under the same lock (in the
  operation's own transaction when it has one), and the recorder row comes last,
  together with the removal of the progress row.

A ``migrate`` that dies half-way therefore leaves the operations before the
current one done and recorded as done; the next ``migrate`` continues from the
first operation not recorded. An operation that ran outside a transaction and was
cut off may have done part of its work (docs/atomic.md says what to write so that
running it again is safe). Another process running the same plan meanwhile sees
the progress and skips what is done, exactly as it does for whole migrations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from dbshift.exceptions import HistoryChangedError, PartlyAppliedError
from dbshift.migrations.checksum import Checksum, matches, migration_checksum
from dbshift.migrations.graph import format_key
from dbshift.migrations.migration import Migration
from dbshift.migrations.neighbours import NeighbourCheck
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.planner import Progress as PlanProgress
from dbshift.migrations.recognition import Recogniser, describe_difference, recognisable
from dbshift.migrations.recorder import Direction, MigrationRecorder, Progress
from dbshift.migrations.state import ProjectState

if TYPE_CHECKING:
    from dbshift.migrations.executor import MigrationExecutor, PlanStep

Outcome = Literal["OK", "SKIPPED"]


def states_through(
    migration: Migration,
    state: ProjectState,
    on_failure: Callable[[Operation], None] | None = None,
) -> list[ProjectState]:
    """Return the state before each operation of ``migration``, then the state after all.

    ``on_failure`` hears of the operation whose state cannot be computed.
    """
    states = [state]
    for operation in migration.operations:
        following = states[-1].clone()
        try:
            operation.state_forwards(migration.app_label, following)
        except Exception:
            if on_failure is not None:
                on_failure(operation)
            raise
        states.append(following)
    return states


class StepwiseRun:
    """Apply or unapply one non-atomic migration, an operation at a time."""

    def __init__(
        self,
        executor: MigrationExecutor,
        step: PlanStep,
        on_operation: Callable[[Operation], None],
    ) -> None:
        self.executor = executor
        self.database = executor.database
        self.connection = executor.connection
        self.recorder = MigrationRecorder(executor.connection)
        self.step = step
        self.migration = step.migration
        self.direction: Direction = "backwards" if step.backwards else "forwards"
        self.checksum = str(migration_checksum(self.migration))
        self.on_operation = on_operation
        self.neighbours = NeighbourCheck(executor.graph, [step], executor.stepwise)
        #: The progress this run wrote last (``None`` before the first).
        self.written: int | None = None
        #: Operations began to run: a failure from here on may leave some done.
        self.started = False

    def run(self, state: ProjectState) -> tuple[Outcome, ProjectState]:
        """Run the migration from ``state`` (the state before it); return the state after."""
        # A refusal here names its operation, and nothing of the migration ran yet.
        states = states_through(self.migration, state, self.on_operation)
        after = states[0] if self.step.backwards else states[-1]
        count = len(self.migration.operations)
        order = range(count - 1, -1, -1) if self.step.backwards else range(count)
        with self.database.locked_transaction(self.connection, self.executor.lock_timeout):
            if self._finished():
                return "SKIPPED", after
            self._check_neighbours()
            self.recorder.ensure_progress_table()
            if self.executor.stepwise and self.recorder.progress(self.migration.key) is None:
                # A mark before the first operation: a run that dies between that
                # operation's DDL and its progress row leaves it behind, so the next
                # run looks at the tables only where a mark says it may have to.
                self._record_progress(0)
        ran = False
        self.started = True
        for position, index in enumerate(order):
            operation = self.migration.operations[index]
            self.on_operation(operation)
            # An atomic migration run an operation at a time keeps every operation
            # in a transaction: its SQL was written for one.
            outside = operation.outside_transaction and not self.migration.atomic
            lock = (
                self.database.locked_outside_transaction
                if outside
                else self.database.locked_transaction
            )
            with lock(self.connection, self.executor.lock_timeout) as target:
                # Outside a transaction the bookkeeping goes through the same connection
                # as the operation, one statement at a time, under the lock.
                self.recorder = MigrationRecorder(target)
                if self._finished():
                    return ("OK" if ran else "SKIPPED"), after
                if self._done() > position:
                    continue  # another process did this one meanwhile
                # Until the first progress row is written, nothing keeps other
                # processes from moving the neighbours; after it, they see it.
                self._check_neighbours()
                before, after_operation = (
                    (states[index + 1], states[index])
                    if self.step.backwards
                    else (states[index], states[index + 1])
                )
                if self.written != position and self._took_effect(
                    target, operation, index, before, after_operation
                ):
                    self._record_progress(position + 1)
                    continue
                editor = self.executor.schema_editor(target)
                if self.step.backwards:
                    operation.database_backwards(
                        self.migration.app_label, editor, before, after_operation
                    )
                else:
                    operation.database_forwards(
                        self.migration.app_label, editor, before, after_operation
                    )
                editor.finish()
                self._record_progress(position + 1)
                ran = True
        self.recorder = MigrationRecorder(self.connection)
        with self.database.locked_transaction(self.connection, self.executor.lock_timeout):
            if self._finished():
                return ("OK" if ran else "SKIPPED"), after
            if self.step.backwards:
                self.executor.record_unapplied(self.migration)
            else:
                self.executor.record_applied(self.migration)
            self.recorder.clear_progress(self.migration.key)
        return "OK", after

    def _record_progress(self, done: int) -> None:
        self.recorder.record_progress(
            self.migration.key, Progress(self.direction, done, self.checksum)
        )
        self.written = done

    def _took_effect(
        self,
        connection: sa.Connection,
        operation: Operation,
        index: int,
        before: ProjectState,
        after: ProjectState,
    ) -> bool:
        """Return whether ``operation`` is done though no progress row says so.

        Only where an operation's DDL and its progress row may be apart (see
        :attr:`MigrationExecutor.stepwise`), and only for the first operation this
        run reaches or one another process left: the progress this run wrote
        itself is exact.
        """
        if not (self.executor.stepwise and recognisable(operation)):
            return False
        recogniser = Recogniser(
            self.database, connection, before, after, self.executor.schema_editor
        )
        recognition = recogniser.recognise()
        where = f"operation {index + 1} of {len(self.migration.operations)}"
        what = f"{where} ({operation.describe()})"
        if recognition is None:
            raise PartlyAppliedError(
                self._partly_applied_message(what, describe_difference(recogniser.compare()))
            )
        changes = ", ".join(recognition.changes)
        if recognition.applied:
            finished = f"; finished it here ({changes})" if changes else ""
            self._note(
                f"{format_key(self.migration.key)}: {what} had taken effect before its "
                f"progress was recorded{finished}: recorded as done, not run again."
            )
        elif changes:
            self._note(
                f"{format_key(self.migration.key)}: {what} had been cut short; undid what "
                f"it had done ({changes}) and ran it again."
            )
        return recognition.applied

    def _partly_applied_message(self, what: str, difference: str) -> str:
        app_label, name = self.migration.key
        backwards = " --backwards" if self.step.backwards else ""
        verb = "Unapplying" if self.step.backwards else "Applying"
        return (
            f"{verb} {format_key(self.migration.key)} stopped before {what}: that operation "
            "was interrupted earlier, and the tables it changes match neither the state "
            f"before it nor the state after it, so it was neither run again nor recorded as "
            f"done.\n{difference}\nBring the tables to one of the two states by hand "
            f"('dbshift sqlmigrate {app_label} {name}{backwards}' prints the operation's "
            "SQL), then run migrate again."
        )

    def _note(self, text: str) -> None:
        self.executor.progress(PlanProgress("note", self.step, note=text))

    def _check_neighbours(self) -> None:
        """Raise if another process moved the history the other way around this migration."""
        recorded = self.recorder.applied_among(self.neighbours.lookup())
        self.neighbours.verify(recorded, self.recorder)

    def _finished(self) -> bool:
        """Return whether the migration is recorded as being where this run takes it."""
        return self.recorder.is_applied(self.migration.key) != self.step.backwards

    def _done(self) -> int:
        """Return how many operations are done in this run's direction (0 if none)."""
        progress = self.recorder.progress(self.migration.key)
        if progress is None:
            return 0
        label = format_key(self.migration.key)
        if progress.direction != self.direction:
            raise HistoryChangedError(
                f"Migration {label} was interrupted while it was being "
                f"{'applied' if progress.direction == 'forwards' else 'unapplied'}; "
                "finish that first by running the same command again."
            )
        if not matches(Checksum.parse(progress.checksum), self.migration):
            raise HistoryChangedError(
                f"Migration {label} was edited after it was interrupted with "
                f"{progress.done} of its operations done; restore the file as it was, "
                "run migrate to finish it, and put the change in a new migration."
            )
        return progress.done
