"""Applying and unapplying migrations on a database (``migrate``, ``showmigrations``)."""

from __future__ import annotations

import contextlib
from types import TracebackType

import sqlalchemy as sa

from dbshift.actions.sqlmigrate import OperationSQL, collect_sql
from dbshift.backends.database import Database
from dbshift.conf import DEFAULT_ALIAS
from dbshift.exceptions import AppNotFoundError, ConflictError, HistoryChangedError, PlanError
from dbshift.migrations.autodetector import MigrationAutodetector
from dbshift.migrations.executor import MigrationExecutor, PlanStep, ProgressCallback, Target
from dbshift.migrations.graph import Key
from dbshift.migrations.history import find_history_problems
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.questioner import DetectOnlyQuestioner
from dbshift.migrations.recorder import AppliedMigration, MigrationRecorder
from dbshift.project import Project


class MigrationSession:
    """A project's migrations next to one database: what is applied, plans, runs.

    Use it as a context manager; it holds one connection until the block ends.
    """

    def __init__(
        self,
        project: Project,
        alias: str = DEFAULT_ALIAS,
        lock_timeout: float | None = None,
        progress: ProgressCallback | None = None,
        read_only: bool = False,
    ) -> None:
        self.project = project
        self.read_only = read_only
        self.database = Database(project.database_url(alias), alias)
        self.lock_timeout = lock_timeout
        self.progress = progress
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> MigrationSession:
        try:
            self.connection: sa.Connection = self._stack.enter_context(
                self.database.connect(create=not self.read_only)
            )
            self.refresh()
        except BaseException:
            self._stack.close()
            self.database.dispose()
            raise
        return self

    def __exit__(
        self,
        *exc_info: tuple[type[BaseException] | None, BaseException | None, TracebackType | None],
    ) -> None:
        self._stack.close()
        self.database.dispose()

    def refresh(self) -> None:
        """Read what the database has applied and load the migrations against it."""
        with self.connection.begin():
            self.applied: dict[Key, AppliedMigration] = MigrationRecorder(self.connection).applied()
        self.loader: MigrationLoader = self.project.loader(self.applied)
        self.executor = MigrationExecutor(
            self.database, self.connection, self.loader, self.progress, self.lock_timeout
        )

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
        return self.executor.plan(targets)

    def run(self, steps: list[PlanStep], fake: bool = False, fake_initial: bool = False) -> None:
        """Run ``steps``, then record squashes whose replaced migrations are all applied."""
        if self.read_only:
            raise PlanError("This migration session was opened read-only; nothing was run.")
        self.executor.migrate(steps, fake=fake, fake_initial=fake_initial)
        self.executor.record_complete_squashes()

    def collect_sql(self, step: PlanStep) -> list[OperationSQL]:
        """Return the SQL of each operation of ``step``, without running it."""
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
        with self.database.locked_transaction(self.connection, self.lock_timeout):
            MigrationRecorder(self.connection).delete(keys)
        self.refresh()

    def pending_model_changes(self) -> list[str]:
        """Return the labels of apps whose models have changes no migration covers."""
        autodetector = MigrationAutodetector(
            self.loader.project_state(), self.project.models_state(), DetectOnlyQuestioner()
        )
        return sorted(autodetector.changes(self.loader.graph))
