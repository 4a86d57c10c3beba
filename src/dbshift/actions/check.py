"""``dbshift check``: everything that is out of step, found without changing anything.

Each finding has an id, a level and a hint, like Django's system checks. The
checks compare the models with the migrations (which Django's ``check`` does not
do), and, when the database can be reached, the migrations with what the database
recorded: unapplied, edited or deleted applied migrations, conflicts,
inconsistent history, and non-atomic migrations that stopped half-way.

Ids: E001 applied migration edited, E002 applied migration deleted, E003
conflicting leaves, E004 inconsistent history, E005 non-atomic migration
interrupted, E006 database not reachable (its checks skipped; I001 when that is
allowed); W001 model changes without a migration, W002 unapplied migrations;
W010-W021 the live schema differs from the one the applied migrations build
(drift, see :mod:`dbshift.backends.drift`): missing/extra table (W010/W011) or
column (W012/W013), type (W014), nullability (W015), default (W016), index
(W017), unique rule (W018), foreign key (W019), check constraint (W020),
primary key (W021); W022 an index or unique rule the migrations declare that the
database has no form for: built without its condition (MySQL's partial indexes) or
left out (partial unique rules, MariaDB's expressions), as Django does.
The unapplied migrations are also linted as one plan (``dbshift lint``), their
findings ids ``lint.L...`` and ``lint.C...``.
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

#: The findings that the database could not be reached, as an error and as allowed.
UNREACHABLE = "migrations.E006"
UNREACHABLE_ALLOWED = "migrations.I001"


def run_checks(
    project: Project,
    alias: str = DEFAULT_ALIAS,
    database: bool = True,
    allow_unreachable: bool = False,
    schema: bool = True,
    models: bool = True,
) -> list[Finding]:
    """Return every finding for the project, and for database ``alias`` if reachable.

    A database that cannot be reached is an error (its migrations may be behind),
    unless ``allow_unreachable`` makes it an info. ``schema`` compares the live
    schema with the applied migrations (drift); ``models=False`` leaves the models
    out, for checking a database alone.
    """
    loader = project.loader()
    findings = list(_conflicts(loader))
    if models:
        findings += _model_changes(project, loader)
    if database:
        findings += _database_findings(project, alias, allow_unreachable, schema)
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


def _database_findings(
    project: Project, alias: str, allow_unreachable: bool, schema: bool
) -> list[Finding]:
    try:
        with MigrationSession(project, alias, read_only=True) as session:
            findings = _history_findings(session)
            # Migration files edited or deleted since they were applied no longer say
            # what the database holds: fix the history first, then compare schemas.
            if schema and not any(finding.level >= Level.ERROR for finding in findings):
                findings += _left_out_findings(session) + _drift_findings(session)
            return findings
    except DatabaseConnectionError as err:
        message = f"Database checks skipped: {err}"
        if allow_unreachable:
            return [Finding(UNREACHABLE_ALLOWED, Level.INFO, alias, message)]
        hint = "Pass --allow-unreachable (or --skip-database) to check only the files."
        return [Finding(UNREACHABLE, Level.ERROR, alias, message, hint)]


def _left_out_findings(session: MigrationSession) -> list[Finding]:
    """Name the indexes the migrations declare that this database does not build."""
    editor = session.database.schema_editor(None, collect=True)
    hint = (
        "The migrations run as Django's do there; drop what the database lacks "
        "(the condition, the expression) to have the index as declared."
    )
    return [
        Finding(
            "migrations.W022",
            Level.WARNING,
            f"{model.app_label}.{model.name}",
            f"Index {name} of {model.app_label}.{model.name} differs on database "
            f"'{session.alias}': {why}.",
            hint,
        )
        for model, name, why in editor.indexes_left_out(session.loader.project_state())
    ]


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
                interrupted_message(key, progress, session.loader),
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


def _drift_findings(session: MigrationSession) -> list[Finding]:
    """Compare the live schema with the one the applied migrations build."""
    applied = [key for key in session.applied if key in session.loader.graph]
    if not applied:
        return []
    # Imported here: reading a schema needs SQLAlchemy's inspector.
    from dbshift.backends.drift import find_drift
    from dbshift.migrations.applied import PROGRESS_TABLE_NAME, TABLE_NAME

    state = session.loader.project_state(applied)
    with session.connection.begin():
        drift = find_drift(session.connection, state, ignore=[TABLE_NAME, PROGRESS_TABLE_NAME])
    hint = (
        "Make the database match with a migration, or change the models and run "
        "'dbshift makemigrations'. (Tables of other tools, such as alembic_version, "
        "are left out.)"
    )
    return [
        Finding(f"migrations.{item.code}", Level.WARNING, item.obj, item.message, hint)
        for item in drift
    ]


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
