"""Planning and running migrations against one database.

Each migration runs in one transaction together with its row in the recorder
table, and that transaction holds the migration lock (see
:meth:`Database.locked_transaction`). Inside it, the executor first checks that no
other process applied (or unapplied) the migration meanwhile; if one did, it only
follows along in memory. Any number of ``migrate`` processes can therefore run the
same plan at once: each migration is applied exactly once and none of them fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import exc

from dbshift.backends.database import Database
from dbshift.exceptions import (
    DbShiftError,
    IrreversibleError,
    LockTimeoutError,
    MigrationFailedError,
    PlanError,
)
from dbshift.migrations.checksum import migration_checksum
from dbshift.migrations.graph import Key, MigrationGraph, format_key
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.recorder import MigrationRecorder
from dbshift.migrations.state import ProjectState
from dbshift.utils.imports import describe_exception

#: A target: an app and a migration name, or ``None`` for "before the first" (zero).
Target = tuple[str, str | None]


@dataclass(frozen=True)
class PlanStep:
    """One migration of a plan, applied forwards or unapplied backwards."""

    migration: Migration
    backwards: bool = False

    @property
    def key(self) -> Key:
        return self.migration.key


@dataclass(frozen=True)
class Progress:
    """What the executor reports as it goes."""

    event: Literal["start", "done"]
    step: PlanStep
    outcome: Literal["", "OK", "FAKED", "SKIPPED"] = ""
    elapsed: float = 0.0


ProgressCallback = Callable[[Progress], None]


class MigrationExecutor:
    """Make and run plans for one database connection."""

    def __init__(
        self,
        database: Database,
        connection: sa.Connection,
        loader: MigrationLoader,
        progress: ProgressCallback | None = None,
        lock_timeout: float | None = None,
    ) -> None:
        self.database = database
        self.connection = connection
        self.loader = loader
        self.recorder = MigrationRecorder(connection)
        self.progress = progress or (lambda _event: None)
        self.lock_timeout = lock_timeout

    @property
    def graph(self) -> MigrationGraph:
        return self.loader.graph

    # -- Planning -----------------------------------------------------------------------

    def plan(self, targets: Iterable[Target]) -> list[PlanStep]:
        """Return the steps that bring the database to ``targets``.

        A target ``(app, name)`` that is applied means: unapply everything of that
        app after it, and everything in other apps that depends on those.
        """
        applied = set(self.loader.applied)
        steps: list[PlanStep] = []
        forwards: list[Key] = []
        for app_label, name in targets:
            if name is None:
                for root in self.graph.root_nodes(app_label):
                    steps += self._backwards_from(root, applied)
            elif (app_label, name) in applied:
                following = sorted(
                    child
                    for child in self.graph.children[(app_label, name)]
                    if child[0] == app_label
                )
                for child in following:
                    steps += self._backwards_from(child, applied)
            else:
                forwards.append((app_label, name))
        for key in self.graph.forwards_plan_many(forwards):
            if key not in applied:
                steps.append(PlanStep(self.graph.node(key)))
                applied.add(key)
        directions = {step.backwards for step in steps}
        if len(directions) > 1:
            raise PlanError(
                "This plan would both apply and unapply migrations; migrate each app "
                "to its target with a separate command."
            )
        self._check_reversible(steps)
        return steps

    def _backwards_from(self, start: Key, applied: set[Key]) -> list[PlanStep]:
        steps = []
        for key in self.graph.backwards_plan(start):
            if key in applied:
                steps.append(PlanStep(self.graph.node(key), backwards=True))
                applied.discard(key)
        return steps

    @staticmethod
    def _check_reversible(steps: list[PlanStep]) -> None:
        for step in steps:
            if not step.backwards:
                continue
            for operation in step.migration.operations:
                if not operation.reversible:
                    raise IrreversibleError(
                        f"Migration {step.migration} cannot be unapplied: operation "
                        f"'{operation.describe()}' is irreversible. Nothing was changed."
                    )

    # -- States ---------------------------------------------------------------------------

    def state_before(self, steps: list[PlanStep]) -> ProjectState:
        """Return the state of the applied migrations, where a forwards plan starts."""
        applied = [key for key in self.loader.applied if key in self.graph]
        return self.loader.project_state(applied) if applied else ProjectState()

    def states_for_unapply(self, steps: list[PlanStep]) -> dict[Key, ProjectState]:
        """Return, for each migration to unapply, the state just before it was applied."""
        pending = {step.key for step in steps}
        leaves = self.loader.all_leaves()
        states: dict[Key, ProjectState] = {}
        state = ProjectState()
        for key in self.graph.forwards_plan_many(leaves):
            if not pending:
                break
            migration = self.graph.node(key)
            if key in pending:
                states[key] = state.clone()
                pending.discard(key)
                migration.mutate_state(state, preserve=False)
            elif key in self.loader.applied:
                migration.mutate_state(state, preserve=False)
        return states

    # -- Running ---------------------------------------------------------------------------

    def ensure_recorder_table(self) -> None:
        with self.database.locked_transaction(self.connection, self.lock_timeout):
            self.recorder.ensure_table()

    def migrate(
        self, steps: list[PlanStep], fake: bool = False, fake_initial: bool = False
    ) -> None:
        """Run ``steps`` (all forwards or all backwards), one transaction each."""
        if not steps:
            return
        self.ensure_recorder_table()
        if steps[0].backwards:
            states = self.states_for_unapply(steps)
            for step in steps:
                self._run(step, states[step.key], fake, fake_initial=False)
        else:
            state = self.state_before(steps)
            for step in steps:
                state = self._run(step, state, fake, fake_initial)

    def _run(
        self, step: PlanStep, state: ProjectState, fake: bool, fake_initial: bool
    ) -> ProjectState:
        self.progress(Progress("start", step))
        started = time.perf_counter()
        current: list[Operation] = []
        try:
            with self.database.locked_transaction(self.connection, self.lock_timeout):
                outcome, state = self._run_locked(step, state, fake, fake_initial, current)
        except LockTimeoutError:
            raise
        except DbShiftError as err:
            raise _failure(step, current, str(err)) from err
        except exc.DBAPIError as err:
            raise _failure(step, current, describe_db_error(err)) from err
        except Exception as err:
            raise _failure(step, current, describe_exception(err)) from err
        self.progress(Progress("done", step, outcome, time.perf_counter() - started))
        return state

    def _run_locked(
        self,
        step: PlanStep,
        state: ProjectState,
        fake: bool,
        fake_initial: bool,
        current: list[Operation],
    ) -> tuple[Literal["OK", "FAKED", "SKIPPED"], ProjectState]:
        migration = step.migration
        recorded = self.recorder.is_applied(migration.key)
        if recorded != step.backwards:
            # Another process got here first; follow its result in memory only.
            after = state if step.backwards else migration.mutate_state(state, preserve=False)
            return "SKIPPED", after
        if step.backwards:
            if not fake:
                editor = self.database.schema_editor(self.connection)
                migration.unapply(state, editor, on_operation=current.append)
                editor.finish()
            self._record_unapplied(migration)
            return ("FAKED" if fake else "OK"), state
        if fake or (fake_initial and self.tables_exist(migration, state)):
            after = migration.mutate_state(state, preserve=False)
            outcome: Literal["OK", "FAKED"] = "FAKED"
        else:
            editor = self.database.schema_editor(self.connection)
            after = migration.apply(state, editor, on_operation=current.append)
            editor.finish()
            outcome = "OK"
        self._record_applied(migration)
        return outcome, after

    def _record_applied(self, migration: Migration) -> None:
        self.recorder.record_applied(migration.key, migration_checksum(migration))
        for replaced in migration.replaces:
            if not self.recorder.is_applied(replaced) and replaced in self.loader.disk_migrations:
                self.recorder.record_applied(
                    replaced, migration_checksum(self.loader.disk_migrations[replaced])
                )

    def _record_unapplied(self, migration: Migration) -> None:
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
        for operation in relevant:
            name = operation.name if isinstance(operation, CreateModel) else operation.model_name
            model = after.get_model(migration.app_label, name)
            if not model.managed:
                continue
            if model.db_table not in tables:
                return False
            if isinstance(operation, AddField) and not operation.field.many_to_many:
                columns = {column["name"] for column in inspector.get_columns(model.db_table)}
                if model.column(operation.name) not in columns:
                    return False
        return True


def _failure(step: PlanStep, current: list[Operation], reason: str) -> MigrationFailedError:
    verb = "Unapplying" if step.backwards else "Applying"
    where = f" at operation '{current[-1].describe()}'" if current else ""
    return MigrationFailedError(
        f"{verb} {format_key(step.key)} failed{where}: {reason}. The migration was rolled "
        "back; the database is as it was before it."
    )


def describe_db_error(error: exc.DBAPIError) -> str:
    """Return the database's own message, without SQLAlchemy's decorations."""
    original = error.orig
    text = str(original).strip() if original is not None else str(error)
    return text.splitlines()[0] if text else type(original).__name__
