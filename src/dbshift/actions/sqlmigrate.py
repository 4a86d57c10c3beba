"""The SQL a migration runs, without running it (``sqlmigrate``, ``migrate --plan``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dbshift.conf import DEFAULT_ALIAS
from dbshift.migrations.limits import StatementLimits
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.rollback import refill_hazards
from dbshift.migrations.state import ProjectState
from dbshift.project import Project

if TYPE_CHECKING:
    from dbshift.backends.database import Database


@dataclass
class OperationSQL:
    """One operation and the statements it runs."""

    operation: Operation
    statements: list[str] = field(default_factory=list)


def collect_sql(
    database: Database,
    loader: MigrationLoader,
    migration: Migration,
    backwards: bool = False,
    before: ProjectState | None = None,
) -> list[OperationSQL]:
    """Return each operation of ``migration`` with the SQL it would run on ``database``.

    ``before`` is the state just before the migration, when the caller has it.
    """
    editor = database.schema_editor(None, collect=True)
    parts: list[OperationSQL] = []

    def begin(operation: Operation) -> None:
        parts.append(OperationSQL(operation))
        editor.collected_sql = parts[-1].statements

    if before is None:
        before = loader.project_state([migration.key], at_end=False)
    if backwards:
        migration.unapply(before, editor, on_operation=begin)
    else:
        migration.apply(before, editor, on_operation=begin)
    if parts:
        editor.finish()
    return parts


@dataclass
class MigrationSQL:
    """The SQL of one migration, and whether it runs inside a transaction."""

    migration: Migration
    operations: list[OperationSQL]
    atomic: bool
    #: What may stop the SQL from running, one line each (see :mod:`migrations.rollback`).
    warnings: list[str] = field(default_factory=list)
    #: Statements ``migrate`` runs first in the transaction (``lock_timeout``...).
    preamble: list[str] = field(default_factory=list)


def migration_sql(
    project: Project,
    app_label: str,
    name: str,
    backwards: bool = False,
    alias: str = DEFAULT_ALIAS,
) -> MigrationSQL:
    """Return the SQL of migration ``app_label.name`` (a prefix will do) on ``alias``."""
    project.apps.get_app_config(app_label)
    loader = project.loader()
    migration = loader.get_by_prefix(app_label, name)
    from dbshift.backends.database import Database

    database = Database(project.database_url(alias), alias)
    before = loader.project_state([migration.key], at_end=False)
    try:
        operations = collect_sql(database, loader, migration, backwards, before)
        preamble = []
        if migration.atomic:
            limits = StatementLimits.from_settings(project.settings).for_migration(migration)
            preamble = database.limit_statements_sql(limits)
    finally:
        database.dispose()
    warnings = []
    if backwards:
        warnings = [hazard.warning() for hazard in refill_hazards(migration, before)]
    # Where DDL commits by itself (MySQL), BEGIN and COMMIT around it would promise
    # a rollback that cannot happen.
    atomic = migration.atomic and database.backend.features.can_rollback_ddl
    return MigrationSQL(migration, operations, atomic, warnings, preamble)
