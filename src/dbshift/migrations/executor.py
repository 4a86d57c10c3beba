"""Running migration plans against one database.

Each migration runs in one transaction together with its row in the recorder
table (consecutive schema-only migrations may share one, see
:mod:`dbshift.migrations.batch`), and that transaction holds the migration lock
(see :meth:`Database.locked_transaction`). Inside it, the executor first checks that no
other process applied (or unapplied) the migration meanwhile; if one did, it only
follows along in memory. Any number of ``migrate`` processes can therefore run the
same plan at once: each migration is applied exactly once and none of them fails.
It also checks that no other process moved the history the other way around the
migration (:mod:`dbshift.migrations.neighbours`), and stops cleanly if one did.

Where DDL commits by itself (``Features.can_rollback_ddl`` is false: MySQL,
MariaDB), a migration cannot be one transaction: a failure or a kill half-way
would leave some operations applied and nothing recorded. There every migration
runs as a non-atomic one does (:mod:`dbshift.migrations.stepwise`): an operation
at a time, each followed by its progress row, so the next ``migrate`` resumes at
the operation that was running; an operation whose DDL committed without its
progress row is recognised from the live schema
(:mod:`dbshift.migrations.recognition`). ``stepwise=True`` (``migrate
--stepwise``) asks for the same on any database, for a long migration that
should not start over.

Neither fast path runs then. A shared transaction records its migrations only
at its end and the build of an empty database records them only after the last
table: where a rollback does not undo the DDL, a crash in either leaves tables
no row accounts for, which the next run could not resume from.
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy import exc

from dbshift.backends.blockers import BlockerWatch
from dbshift.backends.database import Database
from dbshift.exceptions import (
    DatabaseReadOnlyError,
    DbShiftError,
    HistoryChangedError,
    LockTimeoutError,
    MigrationFailedError,
    PartlyAppliedError,
    TableLockTimeoutError,
)
from dbshift.migrations.batch import BatchRun, batches
from dbshift.migrations.checksum import Checksum, migration_checksum
from dbshift.migrations.fastpaths import FastPathReport, strict_from_environment
from dbshift.migrations.fresh import (
    creating_operations,
    first_divergence,
    may_unmanage,
    schema_only,
)
from dbshift.migrations.graph import Key, MigrationGraph, format_key
from dbshift.migrations.limits import StatementLimits
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.migration import Migration
from dbshift.migrations.neighbours import NeighbourCheck
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.planner import (
    MigrationPlanner,
    PlanStep,
    Progress,
    ProgressCallback,
    Target,
)
from dbshift.migrations.recorder import MigrationRecorder
from dbshift.migrations.recorder import Progress as RecordedProgress
from dbshift.migrations.state import ProjectState
from dbshift.migrations.stepwise import StepwiseRun

__all__ = ["MigrationExecutor", "PlanStep", "Progress", "ProgressCallback", "Target"]
from dbshift.utils.imports import describe_exception
from dbshift.utils.tracebacks import format_user_traceback

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor


class MigrationExecutor:
    """Make and run plans for one database connection."""

    def __init__(
        self,
        database: Database,
        connection: sa.Connection,
        loader: MigrationLoader,
        progress: ProgressCallback | None = None,
        lock_timeout: float | None = None,
        build_fresh: bool = True,
        strict_fast_paths: bool | None = None,
        statement_limits: StatementLimits | None = None,
        stepwise: bool = False,
    ) -> None:
        #: Whether an empty database is built straight to the end state of its
        #: leading schema-only migrations (see :mod:`dbshift.migrations.fresh`).
        self.build_fresh = build_fresh
        #: Things worth telling a user who asked for detail (verbose output).
        self.notes: list[str] = []
        if strict_fast_paths is None:
            strict_fast_paths = strict_from_environment()
        #: What the fast paths ran, and whether one that broke is an error.
        self.fast_paths = FastPathReport(strict_fast_paths, self.notes)
        self.database = database
        self.connection = connection
        self.loader = loader
        self.recorder = MigrationRecorder(connection)
        self.progress = progress or (lambda _event: None)
        #: The wait for the migration lock (``--lock-timeout``), not for table locks.
        self.lock_timeout = lock_timeout
        #: The waits for table locks and the run time of each migration's statements.
        self.statement_limits = statement_limits or StatementLimits()
        #: Every migration runs an operation at a time, recording its progress, and
        #: an operation a crash left unrecorded is recognised (see the module doc).
        self.stepwise = stepwise or not _can_rollback_ddl(database)
        #: How far each interrupted migration got, as read before the run, to say
        #: where it resumes.
        self.interrupted: dict[Key, RecordedProgress] = {}
        #: The statements of each editor :meth:`schema_editor` gave out since
        #: :meth:`ran_statements` was last called.
        self._ran: list[list[str]] = []

    @property
    def graph(self) -> MigrationGraph:
        return self.loader.graph

    @property
    def planner(self) -> MigrationPlanner:
        return MigrationPlanner(self.loader)

    # -- Running ---------------------------------------------------------------------------

    def schema_editor(self, connection: sa.Connection | None = None) -> SchemaEditor:
        """Return an editor that runs a migration's SQL on ``connection`` (default: ours).

        The statements it runs are reported with the migration's progress
        (:attr:`Progress.statements`), as they were sent to the database.
        """
        editor = self.database.schema_editor(connection or self.connection)
        self._ran.append(editor.collected_sql)
        return editor

    def ran_statements(self) -> tuple[str, ...]:
        """Return, and forget, what the editors given out since the last call ran."""
        statements = tuple(itertools.chain.from_iterable(self._ran))
        self._ran.clear()
        return statements

    def ensure_recorder_table(self) -> None:
        with self.database.locked_transaction(self.connection, self.lock_timeout):
            self.recorder.ensure_table()

    def migrate(
        self, steps: list[PlanStep], fake: bool = False, fake_initial: bool = False
    ) -> None:
        """Run ``steps`` (all forwards or all backwards).

        Each migration runs in a transaction of its own, or shares one with the
        schema-only migrations around it (:mod:`dbshift.migrations.batch`). Under
        statement limits none shares: a shared transaction would hold the table locks
        of its first migrations until its last one is done.
        """
        share = not self.statement_limits.active and not self.stepwise
        if not steps:
            return
        self.ensure_recorder_table()
        if steps[0].backwards:
            states = self.planner.states_for_unapply(steps)
            for batch in batches(steps, enabled=share):
                done = BatchRun(self, batch, fake).unapply(lambda step: states[step.key])
                self.fast_paths.ran(step.key for step in batch[:done])
                for step in batch[done:]:
                    self._run(step, states[step.key], fake, fake_initial=False)
        else:
            state = self.planner.state_before()
            fresh = self.build_fresh and not self.stepwise
            if fresh and not (fake or fake_initial) and not self.loader.applied:
                built = self._build_fresh(steps)
                if built is not None:
                    count, state = built
                    steps = steps[count:]
            # --fake-initial looks at the tables before each initial migration.
            for batch in batches(steps, enabled=share and not fake_initial):
                done, state = BatchRun(self, batch, fake).apply(state)
                self.fast_paths.ran(step.key for step in batch[:done])
                for step in batch[done:]:
                    state = self._run(step, state, fake, fake_initial)

    def _build_fresh(self, steps: list[PlanStep]) -> tuple[int, ProjectState] | None:
        """Create the end state of the leading schema-only steps.

        Return how many steps that covered and the state after them.

        ``None`` means they must run one by one: too few before the first one the
        end state cannot stand in for (:func:`first_divergence`), relations in a
        cycle, another process already started, or a failure (which the one-by-one
        run then reports migration by migration, and :attr:`fast_paths` judges).
        """
        prefix = list(itertools.takewhile(lambda step: schema_only(step.migration), steps))
        target = None
        if len(prefix) > 1 and any(may_unmanage(step.migration) for step in prefix):
            migrations = [step.migration for step in prefix]
            divergence = first_divergence(migrations, self.planner.state_before())
            if divergence.reason is not None:
                self.notes.append(
                    "Building the empty database straight to its end state stops before "
                    f"{divergence.reason}; from there the migrations run as written."
                )
            prefix, target = prefix[: divergence.count], divergence.state
        if len(prefix) < 2:
            return None
        if target is None:
            target = self.planner.state_after(prefix)
        operations = creating_operations(target)
        if operations is None:
            return None
        started = time.perf_counter()
        try:
            with self.database.locked_transaction(self.connection, self.lock_timeout):
                if self.recorder.applied():
                    return None
                # Creating tables needs nothing from the database, so the statements
                # are collected first and sent in batches, not one round trip each.
                editor = self.database.schema_editor(None, collect=True)
                state = ProjectState()
                for app_label, operation in operations:
                    following = state.clone()
                    operation.state_forwards(app_label, following)
                    operation.database_forwards(app_label, editor, state, following)
                    state = following
                editor.finish()
                self.database.execute_script(self.connection, editor.collected_sql)
                self.recorder.record_applied_many(self._rows_for(prefix))
        except (LockTimeoutError, DatabaseReadOnlyError):
            raise
        except Exception as err:
            keys = [step.key for step in prefix]
            self.fast_paths.failed(
                "Building the empty database straight to its end state", keys, err
            )
            return None
        self.fast_paths.built.extend(step.key for step in prefix)
        share = (time.perf_counter() - started) / len(prefix)
        note = f"built with {len(prefix) - 1} others straight to their end state"
        built = tuple(editor.collected_sql)
        for step in prefix:
            # The statements stand for all the steps; they are told with the last.
            ran = built if step is prefix[-1] else ()
            self.progress(Progress("start", step))
            self.progress(Progress("done", step, "OK", share, note, ran))
        return len(prefix), target

    def _rows_for(self, steps: list[PlanStep]) -> list[tuple[Key, Checksum]]:
        rows = []
        for step in steps:
            rows.append((step.key, self.loader.checksum(step.key)))
            for replaced in step.migration.replaces:
                if replaced in self.loader.disk_migrations:
                    rows.append((replaced, self.loader.checksum(replaced)))
        return rows

    def _run(
        self, step: PlanStep, state: ProjectState, fake: bool, fake_initial: bool
    ) -> ProjectState:
        stepwise = (self.stepwise or not step.migration.atomic) and not fake
        if stepwise:
            self._announce_resume(step)
        self.progress(Progress("start", step))
        started = time.perf_counter()
        current: list[Operation] = []
        self.ran_statements()
        outcome: Literal["OK", "FAKED", "SKIPPED"]
        runner = None
        try:
            if stepwise and not (fake_initial and self._initial_tables_exist(step, state)):
                runner = StepwiseRun(self, step, current.append)
                outcome, state = runner.run(state)
            else:
                outcome, state = self._run_limited(step, state, fake, fake_initial, current)
        except (
            LockTimeoutError,
            HistoryChangedError,
            DatabaseReadOnlyError,
            PartlyAppliedError,
        ):
            self.progress(Progress("done", step, "FAILED", time.perf_counter() - started))
            raise
        except Exception as err:
            self.progress(Progress("done", step, "FAILED", time.perf_counter() - started))
            refusal = self.database.read_only_error(err) if isinstance(err, DbShiftError) else None
            if refusal is not None:
                raise refusal from err
            started = runner is not None and runner.started
            raise _failure(step, current, err, started, _can_rollback_ddl(self.database)) from err
        elapsed = time.perf_counter() - started
        self.progress(Progress("done", step, outcome, elapsed, statements=self.ran_statements()))
        self.fast_paths.ran([step.key])
        return state

    def _announce_resume(self, step: PlanStep) -> None:
        """Say where a migration interrupted in the direction of ``step`` goes on."""
        progress = self.interrupted.get(step.key)
        direction = "backwards" if step.backwards else "forwards"
        operations = step.migration.operations
        if progress is None or progress.direction != direction:
            return
        if not 0 < progress.done < len(operations):
            return
        index = len(operations) - 1 - progress.done if step.backwards else progress.done
        how = " backwards" if step.backwards else ""
        self.progress(
            Progress(
                "note",
                step,
                note=f"Resuming {format_key(step.key)}{how} at operation {index + 1} of "
                f"{len(operations)}: {operations[index].describe()}",
            )
        )

    def _run_limited(
        self,
        step: PlanStep,
        state: ProjectState,
        fake: bool,
        fake_initial: bool,
        current: list[Operation],
    ) -> tuple[Literal["OK", "FAKED", "SKIPPED"], ProjectState]:
        """Run one migration in a transaction under its statement limits.

        A statement that gives up waiting for a table lock rolls the migration back
        whole; it is tried again after a pause, and after ``lock_retries`` more tries
        fails naming the sessions that held the table.
        """
        limits = self.statement_limits.for_migration(step.migration)
        for attempt in itertools.count():
            current.clear()
            self.ran_statements()  # those of a try rolled back
            watch = BlockerWatch()
            try:
                with (
                    self.database.locked_transaction(self.connection, self.lock_timeout),
                    self.database.limited_statements(self.connection, limits, watch),
                ):
                    return self._run_locked(step, state, fake, fake_initial, current)
            except DbShiftError as err:
                # LockTimeoutError is the migration lock's, not a table's.
                if isinstance(err, LockTimeoutError) or not self.database.is_lock_not_available(
                    err
                ):
                    raise
                if attempt >= limits.lock_retries:
                    raise _table_lock_failure(step, current, limits, watch, attempt + 1) from err
            self.notes.append(
                f"{format_key(step.key)} waited too long for a table lock (try {attempt + 1}); "
                "rolled back, trying again."
            )
            time.sleep(limits.pause(attempt))
        raise AssertionError("unreachable")

    def _run_locked(
        self,
        step: PlanStep,
        state: ProjectState,
        fake: bool,
        fake_initial: bool,
        current: list[Operation],
    ) -> tuple[Literal["OK", "FAKED", "SKIPPED"], ProjectState]:
        migration = step.migration
        neighbours = NeighbourCheck(self.graph, [step], self.stepwise)
        recorded = self.recorder.applied_among([migration.key, *neighbours.lookup()])
        if (migration.key in recorded) != step.backwards:
            # Another process got here first; follow its result in memory only.
            after = state if step.backwards else migration.mutate_state(state, preserve=False)
            return "SKIPPED", after
        neighbours.verify(recorded, self.recorder)
        if step.backwards:
            if not fake:
                editor = self.schema_editor()
                migration.unapply(state, editor, on_operation=current.append)
                editor.finish()
            self.record_unapplied(migration)
            return ("FAKED" if fake else "OK"), state
        if fake or (fake_initial and self.tables_exist(migration, state)):
            after = migration.mutate_state(state, preserve=False)
            outcome: Literal["OK", "FAKED"] = "FAKED"
        else:
            editor = self.schema_editor()
            after = migration.apply(state, editor, on_operation=current.append)
            editor.finish()
            outcome = "OK"
        self.record_applied(migration)
        return outcome, after

    def record_applied(self, migration: Migration) -> None:
        self.recorder.record_applied(migration.key, self.loader.checksum(migration.key))
        for replaced in migration.replaces:
            if not self.recorder.is_applied(replaced) and replaced in self.loader.disk_migrations:
                self.recorder.record_applied(replaced, self.loader.checksum(replaced))

    def record_unapplied(self, migration: Migration) -> None:
        self.recorder.record_unapplied(migration.key)
        for replaced in migration.replaces:
            self.recorder.record_unapplied(replaced)

    def record_complete_squashes(self) -> list[Key]:
        """Record squashes whose replaced migrations are all applied; return them."""
        if not self.loader.replacements:
            return []
        recorded = []
        with self.database.locked_transaction(self.connection, self.lock_timeout):
            applied = set(self.recorder.applied())
            for key, squash in self.loader.replacements.items():
                if key not in applied and all(replaced in applied for replaced in squash.replaces):
                    self.recorder.record_applied(key, migration_checksum(squash))
                    recorded.append(key)
        return recorded

    # -- --fake-initial -----------------------------------------------------------------------

    def _initial_tables_exist(self, step: PlanStep, state: ProjectState) -> bool:
        if step.backwards or not step.migration.initial:
            return False
        with self.database.transaction(self.connection):
            return self.tables_exist(step.migration, state)

    def tables_exist(self, migration: Migration, state: ProjectState) -> bool:
        """Return whether an initial migration's tables and columns are all there already."""
        from dbshift.migrations.operations import AddField, CreateModel

        if not migration.initial:
            return False
        inspector = sa.inspect(self.connection)
        tables = set(inspector.get_table_names())
        after = migration.mutate_state(state)
        relevant = [op for op in migration.operations if isinstance(op, CreateModel | AddField)]
        if not relevant:
            return False
        # Compare with the names the backend creates, which are cut to its identifier limit.
        names = self.database.schema_editor(None, collect=True).builder
        for operation in relevant:
            name = operation.name if isinstance(operation, CreateModel) else operation.model_name
            model = after.get_model(migration.app_label, name)
            if not model.managed:
                continue
            table = names.table_name(model)
            if table not in tables:
                return False
            if isinstance(operation, AddField) and not operation.field.many_to_many:
                columns = {column["name"] for column in inspector.get_columns(table)}
                if names.column_name(model, operation.name) not in columns:
                    return False
        return True


def _can_rollback_ddl(database: Database) -> bool:
    return database.backend.features.can_rollback_ddl


def _failure(
    step: PlanStep,
    current: list[Operation],
    error: Exception,
    stepwise: bool = False,
    rolls_back_ddl: bool = True,
) -> MigrationFailedError:
    """Return the error that reports ``error``, and the lines of user code that raised it."""
    verb = "Unapplying" if step.backwards else "Applying"
    # A statement put off until later belongs to the operation that put it off.
    failed = getattr(error, "operation", None) or (current[-1] if current else None)
    where = f" at operation '{failed.describe()}'" if failed is not None else ""
    trace = format_user_traceback(error)
    reason = _reason(error, bool(trace)).rstrip(".")
    if stepwise and current:
        message = f"{verb} {format_key(step.key)} failed{where} " + _stepwise_outcome(
            step, current[-1], reason, rolls_back_ddl
        )
    else:
        message = (
            f"{verb} {format_key(step.key)} failed{where}: {reason}. The migration was "
            "rolled back; the database is as it was before it."
        )
    if trace:
        message += f"\nThe error was raised here (most recent call last):\n{trace}"
    return MigrationFailedError(message)


def _table_lock_failure(
    step: PlanStep,
    current: list[Operation],
    limits: StatementLimits,
    watch: BlockerWatch,
    tries: int,
) -> TableLockTimeoutError:
    """Return the error for a migration that never got the table lock it waited for."""
    where = f" at operation '{current[-1].describe()}'" if current else ""
    if watch.blockers:
        held = "It was blocked by " + "; ".join(blocker.describe() for blocker in watch.blockers)
    else:
        held = "The session that held the lock had ended by the time it was looked for"
    return TableLockTimeoutError(
        f"Applying {format_key(step.key)} failed{where}: a statement waited more than "
        f"{limits.lock_timeout:g} s (lock_timeout) for a table lock, {tries} time(s); each "
        f"time the migration was rolled back, so nothing of it is applied. {held}. End that "
        "session or run migrate when it is done; a longer lock_timeout (or "
        "--lock-wait) makes every query on the table wait longer behind the migration."
    )


def _stepwise_outcome(
    step: PlanStep, operation: Operation, reason: str, rolls_back_ddl: bool
) -> str:
    """Say what a failure left behind in a migration that runs an operation at a time."""
    count = len(step.migration.operations)
    number = step.migration.operations.index(operation) + 1
    atomic = step.migration.atomic
    if operation.outside_transaction and not atomic:
        this = (
            "it ran outside a transaction (atomic = False), so what it did before it failed stays"
        )
    elif rolls_back_ddl:
        this = "it was rolled back"
    else:
        this = (
            "the database commits DDL by itself, so the statements it ran stay, and the next "
            "migrate tells from the tables whether it is done"
        )
    how = "runs an operation at a time here" if atomic else "is not atomic"
    return (
        f"(operation {number} of {count}): {reason}. The migration {how}: the "
        f"operations before this one stay done and recorded; {this}. Fix the cause and run "
        "migrate again to continue from it."
    )


def _reason(error: Exception, in_user_code: bool) -> str:
    """Return what went wrong in one line; name the exception when user code can catch it."""
    if isinstance(error, exc.DBAPIError):
        return describe_db_error(error)
    if isinstance(error, DbShiftError) and not in_user_code:
        return str(error)
    return describe_exception(error)


def describe_db_error(error: exc.DBAPIError) -> str:
    """Return the database's own message, without SQLAlchemy's decorations."""
    original = error.orig
    text = str(original).strip() if original is not None else str(error)
    return text.splitlines()[0] if text else type(original).__name__
