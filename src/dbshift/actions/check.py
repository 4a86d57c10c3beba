"""``dbshift check``: everything that is out of step, found without changing anything.

Each finding has an id, a level and a hint, like Django's system checks. The
checks compare the models with the migrations (which Django's ``check`` does not
do), and, when the database can be reached, the migrations with what the database
recorded: unapplied, edited or deleted applied migrations, conflicts,
inconsistent history, and non-atomic migrations that stopped half-way.

Ids: E001 applied migration edited, E002 applied migration deleted, E003
conflicting leaves, E004 inconsistent history, E005 non-atomic migration
interrupted; W001 model changes without a migration, W002 unapplied migrations;
I001 database not reachable (its checks skipped). The unapplied migrations are
also linted as one plan (``dbshift lint``), their findings ids ``lint.L...`` and
``lint.C...``.
"""

from __future__ import annotations

from dbshift.actions.migrate import MigrationSession, finishing_command, interrupted_message
from dbshift.conf import DEFAULT_ALIAS
from dbshift.exceptions import DatabaseConnectionError, InconsistentMigrationHistory
from dbshift.findings import Finding, Level
from dbshift.lint.runner import lint_plan
from dbshift.migrations.autodetector import MigrationAutodetector
from dbshift.migrations.graph import format_key
from dbshift.migrations.history import find_history_problems
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.questioner import DetectOnlyQuestioner
from dbshift.project import Project


def run_checks(
    project: Project, alias: str = DEFAULT_ALIAS, database: bool = True
) -> list[Finding]:
    """Return every finding for the project, and for database ``alias`` if reachable."""
    loader = project.loader()
    findings = list(_conflicts(loader))
    findings += _model_changes(project, loader)
    if database:
        findings += _database_findings(project, alias)
    return sorted(findings, key=lambda finding: (-finding.level, finding.id, finding.obj))


def _conflicts(loader: MigrationLoader) -> list[Finding]:
    return [
        Finding(
            "migrations.E003",
            Level.ERROR,
            label,
            f"Conflicting migrations: {', '.join(names)} are all leaves of '{label}'.",
            "Run 'dbshift makemigrations --merge'.",
        )
        for label, names in loader.detect_conflicts().items()
    ]


def _model_changes(project: Project, loader: MigrationLoader) -> list[Finding]:
    migrated = loader.project_state()
    autodetector = MigrationAutodetector(
        migrated, project.models_state(migrated), DetectOnlyQuestioner()
    )
    changes = autodetector.changes(loader.graph)
    findings = []
    for label, migrations in sorted(changes.items()):
        described = [op.describe() for migration in migrations for op in migration.operations]
        findings.append(
            Finding(
                "migrations.W001",
                Level.WARNING,
                label,
                f"The models of '{label}' have changes that no migration covers: "
                f"{'; '.join(described)}.",
                f"Run 'dbshift makemigrations {label}'.",
            )
        )
    return findings


def _database_findings(project: Project, alias: str) -> list[Finding]:
    try:
        with MigrationSession(project, alias, read_only=True) as session:
            return _history_findings(session)
    except DatabaseConnectionError as err:
        return [Finding("migrations.I001", Level.INFO, alias, f"Database checks skipped: {err}")]


def _history_findings(session: MigrationSession) -> list[Finding]:
    findings = []
    for problem in find_history_problems(session.loader, session.applied):
        error_id = "migrations.E001" if problem.kind == "edited" else "migrations.E002"
        findings.append(
            Finding(error_id, Level.ERROR, format_key(problem.key), problem.message, problem.hint)
        )
    for key, progress in sorted(session.interrupted.items()):
        findings.append(
            Finding(
                "migrations.E005",
                Level.ERROR,
                format_key(key),
                interrupted_message(key, progress),
                f"Run '{finishing_command(session.loader, key, progress)}' to finish it.",
            )
        )
    try:
        session.loader.check_consistent_history(session.applied)
    except InconsistentMigrationHistory as err:
        findings.append(Finding("migrations.E004", Level.ERROR, session.alias, str(err)))
    unapplied = [
        format_key(key)
        for key in session.loader.graph.forwards_plan_many(session.loader.all_leaves())
        if key not in session.loader.applied
    ]
    if unapplied:
        findings += _lint_findings(session)
        findings.append(
            Finding(
                "migrations.W002",
                Level.WARNING,
                session.alias,
                f"{len(unapplied)} migration(s) not applied to database "
                f"'{session.alias}': {', '.join(unapplied)}.",
                "Run 'dbshift migrate'.",
            )
        )
    return findings


def _lint_findings(session: MigrationSession) -> list[Finding]:
    """Return the lint findings of the migrations ``migrate`` would apply, as one plan."""
    loader = session.loader
    plan = [
        key
        for key in loader.graph.forwards_plan_many(loader.all_leaves())
        if key not in loader.applied
    ]
    return [
        finding.as_finding("lint.")
        for finding in lint_plan(session.database, loader, plan, together=True)
    ]
