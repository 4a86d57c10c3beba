"""Applying and unapplying migrations on a database (``migrate``, ``showmigrations``)."""

from __future__ import annotations

import contextlib
import functools
from types import TracebackType
from typing import TYPE_CHECKING

from dbshift.backends.reading import RecordedHistory, read_history
from dbshift.conf import DEFAULT_ALIAS
from dbshift.exceptions import (
    AppNotFoundError,
    ConflictError,
    HistoryChangedError,
    IrreversibleError,
    PlanError,
)
from dbshift.migrations.applied import AppliedMigration, Progress
from dbshift.migrations.graph import Key, format_key
from dbshift.migrations.history import find_history_problems
from dbshift.migrations.limits import StatementLimits
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.planner import MigrationPlanner, PlanStep, ProgressCallback, Target
from dbshift.project import Project

if TYPE_CHECKING:
    import sqlalchemy as sa

    from dbshift.actions.sqlmigrate import OperationSQL
    from dbshift.backends.database import Database
    from dbshift.migrations.django_history import DjangoHistory
    from dbshift.migrations.executor import MigrationExecutor
    from dbshift.migrations.rollback import RefillHazard


class MigrationSession:
    """A project's migrations next to one database: what is applied, plans, runs.

    Use it as a context manager. Reading what is applied goes through the bare
    driver; a SQLAlchemy connection is opened, and held until the block ends,
    only when something is run.
    """

    def __init__(
        self,
        project: Project,
        alias: str = DEFAULT_ALIAS,
        lock_timeout: float | None = None,
        progress: ProgressCallback | None = None,
        read_only: bool = False,
        lock_wait: float | None = None,
    ) -> None:
        self.project = project
        self.alias = alias
        self.url = project.settings.persistent_database_url(alias)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        #: Table lock and statement limits (:mod:`dbshift.migrations.limits`).
        self.statement_limits = StatementLimits.from_settings(project.settings, lock_wait)
        self.progress = progress
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> MigrationSession:
        try:
            self.refresh()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        *exc_info: tuple[type[BaseException] | None, BaseException | None, TracebackType | None],
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()
        if "database" in self.__dict__:
            self.database.dispose()

    @functools.cached_property
    def database(self) -> Database:
        from dbshift.backends.database import Database

        return Database(self.url, self.alias)

    @functools.cached_property
    def connection(self) -> sa.Connection:
        return self._stack.enter_context(self.database.connect(create=not self.read_only))

    @functools.cached_property
    def executor(self) -> MigrationExecutor:
        from dbshift.migrations.executor import MigrationExecutor

        return MigrationExecutor(
            self.database,
            self.connection,
            self.loader,
            self.progress,
            self.lock_timeout,
            statement_limits=self.statement_limits,
        )

    def refresh(self) -> None:
        """Read what the database has recorded and load the migrations against it."""
        history = read_history(self.url) if "connection" not in self.__dict__ else None
        if history is None:
            history = self._read_through_sqlalchemy()
        self.applied: dict[Key, AppliedMigration] = history.applied
        self.interrupted: dict[Key, Progress] = history.interrupted
        self.loader: MigrationLoader = self.project.loader(self.applied)
        self.__dict__.pop("executor", None)

    def _read_through_sqlalchemy(self) -> RecordedHistory:
        from dbshift.migrations.recorder import MigrationRecorder

        with self.connection.begin():
            recorder = MigrationRecorder(self.connection)
            return RecordedHistory(recorder.applied(), recorder.interrupted())

    # -- A database Django built ---------------------------------------------------------

    def django_history(self) -> DjangoHistory | None:
        """Return the history Django's ``migrate`` recorded here, if dbshift has none yet.

        A SQLite file that does not exist has none, and is not created by looking.
        """
        if self.applied or self.database.missing_file():
            return None
        from dbshift.migrations.django_history import django_history

        with self.connection.begin():
            return django_history(self.connection, self.loader)

    def import_django_history(self) -> DjangoHistory | None:
        """Record what ``django_migrations`` lists, and the project has files for, as applied.

        The history is read again under the migration lock, so that two processes
        taking the database over at once import it once. Return what was imported.
        """
        from dbshift.migrations.django_history import django_history, import_django_history

        with self.database.locked_transaction(self.connection, self.lock_timeout):
            history = django_history(self.connection, self.loader)
            if history is not None:
                import_django_history(self.connection, self.loader, history)
        self.refresh()
        return history

    # -- Targets and plans ---------------------------------------------------------------

    def check_history(self) -> None:
        """Raise for edited or deleted applied migrations, conflicts, inconsistent history."""
        problems = find_history_problems(self.loader, self.applied)
        if problems:
            raise HistoryChangedError(
                "The database's history no longer matches the migration files; nothing was "
                "changed.\n"
                + "\n".join(f"  {problem.message}\n    {problem.hint}" for problem in problems)
            )
        self.loader.check_consistent_history(self.applied)
        conflicts = self.loader.detect_conflicts()
        if conflicts:
            from dbshift.actions.makemigrations import conflict_message

            raise ConflictError(conflict_message(conflicts))

    def targets(self, app_label: str | None = None, name: str | None = None) -> list[Target]:
        """Return the targets of ``migrate [app_label] [name|zero]``."""
        if app_label is None:
            return list(self.loader.all_leaves())
        self.project.apps.get_app_config(app_label)
        if app_label not in self.loader.migrated_apps:
            raise AppNotFoundError(f"App '{app_label}' does not have migrations.")
        if name is None:
            return list(self.loader.leaf_nodes(app_label))
        if name == "zero":
            return [(app_label, None)]
        return [self.loader.get_by_prefix(app_label, name).key]

    def plan(self, targets: list[Target]) -> list[PlanStep]:
        """Return the steps to ``targets``; raise, before any connection, if the history
        the steps walk cannot be built (a migration that changes a model or field that
        does not exist at its point, say)."""
        steps = MigrationPlanner(self.loader).plan(targets)
        if steps:
            self.loader.check_history_builds()
        return steps

    def run(
        self,
        steps: list[PlanStep],
        fake: bool = False,
        fake_initial: bool = False,
        one_by_one: bool = False,
        stepwise: bool = False,
    ) -> list[str]:
        """Run ``steps``, then record squashes whose replaced migrations are all applied.

        ``one_by_one`` runs every migration as written even on an empty database;
        ``stepwise`` runs each an operation at a time, recording its progress, as
        every migration runs where DDL commits by itself (see
        :mod:`dbshift.migrations.executor`). Return the notes the run left for
        verbose output.
        """
        if self.read_only:
            raise PlanError("This migration session was opened read-only; nothing was run.")
        self.check_interrupted(steps)
        if steps and steps[0].backwards and not fake:
            self.check_refills(steps)
        # A broken models.py must stop migrate before it changes anything, not after
        # (the models are compared with the migrations once they ran).
        self.project.apps.import_models()
        if steps:
            self.executor.build_fresh = not one_by_one
            self.executor.stepwise = self.executor.stepwise or stepwise
            self.executor.interrupted = self.interrupted
            self.executor.migrate(steps, fake=fake, fake_initial=fake_initial)
        if steps or self.unrecorded_squashes():
            self.executor.record_complete_squashes()
        return self.executor.notes if "executor" in self.__dict__ else []

    def rollback_hazards(self, steps: list[PlanStep]) -> list[RefillHazard]:
        """Return the NOT NULL columns without a default that a backwards plan adds back."""
        if not steps or not steps[0].backwards:
            return []
        from dbshift.migrations.rollback import refill_hazards

        states = MigrationPlanner(self.loader).states_for_unapply(steps)
        return [
            hazard for step in steps for hazard in refill_hazards(step.migration, states[step.key])
        ]

    def check_refills(self, steps: list[PlanStep]) -> None:
        """Raise before anything runs if a column the plan adds back finds rows to fill.

        Checking each table as it is now covers the usual rollback; a plan that fills
        a table on its way back is still stopped by the operation itself, inside its
        migration's transaction. The look is taken under the migration lock, so that
        another migrate cannot drop a table between finding it and counting its rows.
        """
        import sqlalchemy as sa

        hazards = self.rollback_hazards(steps)
        if not hazards:
            return
        with self.database.locked_transaction(self.connection, self.lock_timeout):
            editor = self.database.schema_editor(self.connection)
            for hazard in hazards:
                table = hazard.table
                if sa.inspect(self.connection).has_table(table) and editor.table_has_rows(table):
                    raise IrreversibleError(hazard.refusal())

    def unrecorded_squashes(self) -> list[Key]:
        """Return squashes that count as applied (all they replace is) but have no row."""
        return [
            key
            for key in self.loader.replacements
            if key in self.loader.applied and key not in self.applied
        ]

    def check_interrupted(self, steps: list[PlanStep]) -> None:
        """Raise unless ``steps`` finish every interrupted non-atomic migration they touch.

        A non-atomic migration that stopped half-way leaves the database between
        two migrations; running other migrations over it (or unapplying it while
        it was being applied) would build on a schema no history describes.
        """
        planned = {step.key: step.backwards for step in steps}
        for key, progress in sorted(self.interrupted.items()):
            backwards = progress.direction == "backwards"
            if planned.get(key) == backwards:
                continue
            raise PlanError(
                f"{interrupted_message(key, progress, self.loader)} Finish it first with "
                f"'{finishing_command(self.loader, key, progress)}' (or, if another migrate "
                "is running it now, wait for that one); nothing was changed."
            )

    def collect_sql(self, step: PlanStep) -> list[OperationSQL]:
        """Return the SQL of each operation of ``step``, without running it."""
        from dbshift.actions.sqlmigrate import collect_sql

        return collect_sql(self.database, self.loader, step.migration, step.backwards)

    def prunable(self, app_label: str) -> tuple[list[Key], list[Key]]:
        """Return the recorded migrations of ``app_label`` that have no file any more.

        The second list holds those a squash on disk still replaces: their rows tell
        that the squash counts as applied, so they must stay.
        """
        self.project.apps.get_app_config(app_label)
        replaced = {key for squash in self.loader.replacements.values() for key in squash.replaces}
        gone = [
            key
            for key in self.applied
            if key[0] == app_label and key not in self.loader.disk_migrations
        ]
        return [key for key in gone if key not in replaced], [
            key for key in gone if key in replaced
        ]

    def prune(self, keys: list[Key]) -> None:
        """Delete the recorder rows of ``keys``."""
        from dbshift.migrations.recorder import MigrationRecorder

        with self.database.locked_transaction(self.connection, self.lock_timeout):
            MigrationRecorder(self.connection).delete(keys)
        self.refresh()

    def pending_model_changes(self) -> list[str]:
        """Return the labels of apps whose models have changes no migration covers."""
        from dbshift.migrations.autodetector import MigrationAutodetector
        from dbshift.migrations.questioner import DetectOnlyQuestioner

        migrated = self.loader.project_state()
        autodetector = MigrationAutodetector(
            migrated, self.project.models_state(migrated), DetectOnlyQuestioner()
        )
        return sorted(autodetector.changes(self.loader.graph))


def interrupted_message(key: Key, progress: Progress, loader: MigrationLoader) -> str:
    """Return what an interrupted migration, run an operation at a time, left in one sentence.

    A non-atomic migration always runs so; an atomic one where DDL commits by itself,
    or with ``migrate --stepwise``.
    """
    verb = "applied" if progress.direction == "forwards" else "unapplied"
    atomic = key in loader.graph and loader.graph.node(key).atomic
    how = "" if atomic else " (atomic = False)"
    return (
        f"Migration {format_key(key)}{how} stopped while being {verb}, after "
        f"{progress.done} of its operations."
    )


def finishing_command(loader: MigrationLoader, key: Key, progress: Progress) -> str:
    """Return the command that finishes an interrupted migration in its direction."""
    app_label, name = key
    if progress.direction == "forwards":
        return f"dbshift migrate {app_label} {name}"
    parents = sorted(
        parent for parent in loader.graph.parents.get(key, ()) if parent[0] == app_label
    )
    return f"dbshift migrate {app_label} {parents[0][1] if parents else 'zero'}"
