"""The commands as Python functions: same options, result objects instead of output.

Every function takes ``settings``: the path of a settings file, a :class:`Project`
already loaded (to run several commands without importing the apps again), or
``None`` to find the settings as the command line does, searching up from the
working directory. Errors are raised as the classes of :mod:`dbshift.exceptions`;
nothing is printed.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dbshift.conf import DEFAULT_ALIAS
from dbshift.project import Project

if TYPE_CHECKING:
    from dbshift.actions.check import Finding
    from dbshift.actions.makemigrations import MigrationFile
    from dbshift.actions.migrate import MigrationSession
    from dbshift.actions.sqlmigrate import OperationSQL
    from dbshift.migrations.django_history import DjangoHistory
    from dbshift.migrations.graph import Key
    from dbshift.migrations.planner import PlanStep, Progress
    from dbshift.migrations.questioner import Questioner

SettingsArg = str | os.PathLike[str] | Project | None
Status = Literal["applied", "unapplied", "unrecorded squash", "edited", "deleted"]


def load_project(settings: SettingsArg = None) -> Project:
    """Return the project ``settings`` names, finding its settings file if not given."""
    if isinstance(settings, Project):
        return settings
    if settings is None:
        return Project.load(start=Path.cwd())
    return Project.load(Path(settings))


# -- makemigrations --------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenMigration:
    """A migration file written (or, with ``dry_run``/``check``, that would be)."""

    app_label: str
    name: str
    path: Path
    #: What each operation does, in order ("Create model Page").
    operations: list[str]
    source: str
    written: bool
    #: The symbol of each operation's kind, as ``makemigrations`` prints it before the
    #: description: ``+`` adds, ``-`` removes, ``~`` alters, ``p`` Python, ``s`` SQL.
    categories: list[str] = field(default_factory=list)


def makemigrations(
    apps: Iterable[str] = (),
    *,
    name: str | None = None,
    empty: bool = False,
    dry_run: bool = False,
    check: bool = False,
    include_header: bool = True,
    questioner: Questioner | None = None,
    confirm: Callable[[list[WrittenMigration]], bool] | None = None,
    settings: SettingsArg = None,
) -> list[WrittenMigration]:
    """Write the migrations the models of ``apps`` (default: all) need, and return them.

    ``check`` and ``dry_run`` write nothing; ``check`` never asks the questioner
    either, so a non-empty result means that migrations are missing. The default
    questioner never asks: it fails where an answer is needed, as ``--noinput`` does.
    ``confirm`` is called with the migrations before any is written; when it
    returns False, none is.
    """
    from dbshift.actions import makemigrations as actions
    from dbshift.migrations.questioner import DetectOnlyQuestioner, Questioner

    project = load_project(settings)
    if empty:
        changes = actions.empty_migrations(project, apps, name)
    else:
        asked = DetectOnlyQuestioner() if check else questioner or Questioner()
        changes = actions.detect_changes(project, apps, questioner=asked, name=name)
    files = actions.render_files(project, changes, include_header)
    write = bool(files) and not (dry_run or check)
    if write and confirm is not None:
        write = confirm([_written(item, False) for item in files])
    if write:
        actions.write_files(files)
    return [_written(item, write) for item in files]


def _written(item: MigrationFile, written: bool) -> WrittenMigration:
    migration = item.migration
    return WrittenMigration(
        migration.app_label,
        migration.name,
        item.path,
        [operation.describe() for operation in migration.operations],
        item.source,
        written,
        [operation.category.value for operation in migration.operations],
    )


# -- migrate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationStep:
    """One migration a plan applies or unapplies."""

    app_label: str
    name: str
    backwards: bool
    #: What each operation does, in running order.
    operations: list[str]
    #: After a run, the SQL statements the migration ran, in order, as sent to the
    #: database (a fast path that built several migrations at once gives all its
    #: statements to the last of them). SQL that ``RunPython`` code sends through
    #: the connection itself is not among them.
    statements: list[str] = field(default_factory=list)
    #: With ``plan=True, sql=True``, the SQL each operation would run.
    sql: list[OperationStatements] = field(default_factory=list)
    #: With ``plan=True``, what may stop the step from running (a rollback that
    #: refills a NOT NULL column).
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.name}"


@dataclass(frozen=True)
class MigrateResult:
    """What ``migrate`` did on one database, or would do with ``plan=True``."""

    database: str
    steps: list[MigrationStep]
    #: True when nothing ran: ``plan=True``.
    planned: bool
    #: Apps whose models have changes no migration covers (checked when nothing ran).
    model_changes: list[str] = field(default_factory=list)
    #: How steps were done when not as written (a fast path), for verbose output.
    notes: list[str] = field(default_factory=list)
    #: The apps that have migrations, sorted.
    apps: list[str] = field(default_factory=list)
    #: The full name of the ``target`` migration, or ``"zero"``.
    target: str | None = None
    #: With ``prune=True``, the records deleted (or, told before, to delete) as ``app.name``.
    pruned: list[str] = field(default_factory=list)


class MigrateListener:
    """What ``migrate`` tells, and asks, while it works: override what you need.

    The methods are called in this order; the base class tells nobody and answers no.
    """

    def confirm_django_import(self, history: DjangoHistory) -> bool:
        """Return whether to record as applied what Django's ``migrate`` applied here.

        Asked when the database was built by Django (it has ``django_migrations``
        and no dbshift history); ``history.known`` are the migrations the project
        has files for, ``history.unknown`` the others. No means that ``migrate``
        raises :class:`~dbshift.exceptions.UserAbort` and changes nothing.
        """
        return False

    def django_history_imported(self, history: DjangoHistory) -> None:
        """Hear that the migrations of ``history.known`` were recorded as applied."""

    def planned(self, result: MigrateResult) -> None:
        """Hear what is about to run (``result.steps``, or ``result.pruned``), before it does."""

    def progress(self, progress: Progress) -> None:
        """Hear that a migration starts (``event == "start"``) or is done (``"done"``).

        A done event has the ``outcome``, the time it took (``elapsed``) and the
        ``statements`` it ran. A ``"note"`` event (its text in ``note``) tells where
        a migration resumes, or what was found of an operation an interrupted run
        left unrecorded.
        """


def migrate(
    app_label: str | None = None,
    target: str | None = None,
    *,
    database: str = DEFAULT_ALIAS,
    plan: bool = False,
    sql: bool = False,
    fake: bool = False,
    fake_initial: bool = False,
    one_by_one: bool = False,
    stepwise: bool = False,
    lock_timeout: float | None = None,
    lock_wait: float | None = None,
    import_django_history: bool = False,
    prune: bool = False,
    listener: MigrateListener | None = None,
    settings: SettingsArg = None,
) -> MigrateResult:
    """Bring ``database`` to the latest migrations, or to ``target`` of ``app_label``.

    ``target`` is a migration name (a unique prefix will do) or ``"zero"`` to unapply
    every migration of the app. ``plan`` returns the steps and runs nothing; with
    ``sql`` each step also has the SQL of its operations. ``lock_wait`` is how long
    a statement may wait for a table lock on PostgreSQL. A database Django built is
    taken over when ``import_django_history`` is true or ``listener`` agrees.
    ``prune`` deletes, instead, the records of applied migrations of ``app_label``
    whose files are gone. ``listener`` hears what happens as it happens.
    ``stepwise`` runs each migration an operation at a time, recording its progress,
    as ``migrate --stepwise`` does.
    """
    from dbshift.actions.migrate import MigrationSession
    from dbshift.exceptions import PlanError

    if target is not None and app_label is None:
        raise PlanError(f"The target migration {target!r} needs an app label.")
    project = load_project(settings)
    listener = listener or MigrateListener()
    ran: dict[Key, tuple[str, ...]] = {}

    def progress(event: Progress) -> None:
        if event.event == "done":
            ran[event.step.key] = event.statements
        listener.progress(event)

    with MigrationSession(
        project, database, lock_timeout, progress, read_only=plan, lock_wait=lock_wait
    ) as session:
        if prune:
            return _prune(session, app_label, listener)
        _take_over(session, import_django_history, listener)
        session.check_history()
        steps = session.plan(session.targets(app_label, target))
        result = MigrateResult(
            database,
            [_step(step) for step in steps],
            plan,
            apps=sorted(session.loader.migrated_apps),
            target=_target_name(session, app_label, target),
        )
        if plan:
            return _with_details(result, session, steps, sql)
        # A broken models.py stops migrate (see MigrationSession.run): find out before
        # telling what will run.
        project.apps.import_models()
        listener.planned(result)
        notes = session.run(
            steps,
            fake=fake,
            fake_initial=fake_initial,
            one_by_one=one_by_one,
            stepwise=stepwise,
        )
        changes = [] if steps else session.pending_model_changes()
    done = [
        replace(step, statements=list(ran.get((step.app_label, step.name), ())))
        for step in result.steps
    ]
    return replace(result, steps=done, model_changes=changes, notes=notes)


def _step(step: PlanStep) -> MigrationStep:
    from dbshift.actions.plan import plan_lines

    app_label, name = step.key
    return MigrationStep(app_label, name, step.backwards, plan_lines(step))


def _target_name(
    session: MigrationSession, app_label: str | None, target: str | None
) -> str | None:
    if app_label is None or target is None or target == "zero":
        return target
    return session.loader.get_by_prefix(app_label, target).name


def _with_details(
    result: MigrateResult, session: MigrationSession, steps: list[PlanStep], sql: bool
) -> MigrateResult:
    """Return ``result`` with the warnings of each step and, with ``sql``, its SQL."""
    hazards = session.rollback_hazards(steps)
    detailed = []
    for step, described in zip(steps, result.steps, strict=True):
        warnings = [hazard.warning() for hazard in hazards if hazard.migration.key == step.key]
        parts = [_statements(part) for part in session.collect_sql(step)] if sql else []
        detailed.append(replace(described, warnings=warnings, sql=parts))
    return replace(result, steps=detailed)


def _take_over(session: MigrationSession, agreed: bool, listener: MigrateListener) -> None:
    """Import the history of a database Django built, if there is one and it is agreed."""
    from dbshift.exceptions import UserAbort

    history = session.django_history()
    if history is None:
        return
    if session.read_only or not (agreed or listener.confirm_django_import(history)):
        raise UserAbort(
            "This database was built by Django's migrate (it has django_migrations and no "
            "dbshift_migrations); nothing was changed. Run 'dbshift migrate "
            "--import-django-history' to record its applied migrations and continue."
        )
    session.import_django_history()
    listener.django_history_imported(history)


def _prune(
    session: MigrationSession, app_label: str | None, listener: MigrateListener
) -> MigrateResult:
    from dbshift.exceptions import PlanError

    if app_label is None:
        raise PlanError("Migrations can be pruned only when an app is given.")
    removable, kept = session.prunable(app_label)
    labels = [f"{app}.{name}" for app, name in removable]
    result = MigrateResult(session.alias, [], False, pruned=labels)
    listener.planned(result)
    if kept:
        names = ", ".join(f"{app}.{name}" for app, name in kept)
        raise PlanError(
            f"Cannot prune {names}: a squashed migration on disk still replaces them, and "
            "their records are what marks it applied. Remove 'replaces' from the squash "
            "first, once every database has applied it."
        )
    session.prune(removable)
    return result


# -- showmigrations --------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationStatus:
    """One migration and whether the database has it."""

    app_label: str
    name: str
    status: Status
    applied_at: datetime.datetime | None
    #: Migrations this one replaces (a squash), as ``app.name``.
    replaces: list[str]
    dependencies: list[str]

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.name}"

    @property
    def applied(self) -> bool:
        return self.status in ("applied", "edited", "deleted", "unrecorded squash")


def showmigrations(
    apps: Iterable[str] = (),
    *,
    plan: bool = False,
    database: str = DEFAULT_ALIAS,
    settings: SettingsArg = None,
) -> list[MigrationStatus]:
    """Return the migrations of ``apps`` (default: all), app by app in apply order.

    ``plan`` orders them as they apply across apps. Applied migrations whose file
    is gone come last, as ``deleted``; those edited since are ``edited``.
    """
    from dbshift.actions.migrate import MigrationSession
    from dbshift.actions.show import list_migrations, plan_listing
    from dbshift.migrations.history import find_history_problems

    project = load_project(settings)
    labels = project.check_app_labels(apps)
    with MigrationSession(project, database, read_only=True) as session:
        if plan:
            entries = plan_listing(session, labels)
        else:
            listing = list_migrations(session, labels or None)
            entries = [entry for app_entries in listing.values() for entry in app_entries]
        problems = {
            problem.key: problem.kind
            for problem in find_history_problems(session.loader, session.applied)
            if not labels or problem.key[0] in labels
        }
        found = [
            _status(session, entry.key, problems.get(entry.key), entry.dependencies)
            for entry in entries
        ]
    deleted = [
        MigrationStatus(app, name, "deleted", session.applied[app, name].applied, [], [])
        for (app, name), kind in sorted(problems.items())
        if kind == "missing"
    ]
    if plan:
        return found + deleted
    order = {label: index for index, label in enumerate(sorted(labels or project.app_labels()))}
    return sorted(found + deleted, key=lambda status: order.get(status.app_label, len(order)))


def _status(
    session: MigrationSession,
    key: tuple[str, str],
    problem: str | None,
    dependencies: tuple[str, ...],
) -> MigrationStatus:
    migration = session.loader.graph.node(key)
    row = session.applied.get(key)
    status: Status = "unapplied"
    if row is not None:
        status = "edited" if problem == "edited" else "applied"
    elif key in session.loader.applied:
        status = "unrecorded squash"
    replaces = [f"{app}.{name}" for app, name in migration.replaces]
    applied_at = row.applied if row is not None else None
    return MigrationStatus(key[0], key[1], status, applied_at, replaces, list(dependencies))


# -- sqlmigrate ------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationStatements:
    """One operation and the SQL statements it runs."""

    description: str
    statements: list[str]
    #: False for code operations (RunPython), which SQL cannot show.
    reduces_to_sql: bool = True


@dataclass(frozen=True)
class MigrationSQL:
    """The SQL of one migration, without running it."""

    app_label: str
    name: str
    backwards: bool
    #: Whether the statements run in one transaction.
    atomic: bool
    operations: list[OperationStatements]
    #: What may stop the SQL from running (a rollback refilling a NOT NULL column).
    warnings: list[str]
    #: The statements that set the migration's time limits first (``SET LOCAL
    #: lock_timeout``), when settings or the migration give any.
    preamble: list[str] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return [statement for part in self.operations for statement in part.statements]


def sqlmigrate(
    app_label: str,
    name: str,
    *,
    backwards: bool = False,
    database: str = DEFAULT_ALIAS,
    settings: SettingsArg = None,
) -> MigrationSQL:
    """Return the SQL migration ``app_label.name`` runs on ``database``'s dialect."""
    from dbshift.actions.sqlmigrate import migration_sql

    result = migration_sql(load_project(settings), app_label, name, backwards, database)
    operations = [_statements(part) for part in result.operations]
    migration = result.migration
    return MigrationSQL(
        migration.app_label,
        migration.name,
        backwards,
        result.atomic,
        operations,
        list(result.warnings),
        list(result.preamble),
    )


def _statements(part: OperationSQL) -> OperationStatements:
    operation = part.operation
    return OperationStatements(
        operation.describe(), list(part.statements), operation.reduces_to_sql
    )


# -- check -----------------------------------------------------------------------------


def check(
    *,
    database: str = DEFAULT_ALIAS,
    skip_database: bool = False,
    allow_unreachable: bool = False,
    skip_schema: bool = False,
    database_only: bool = False,
    settings: SettingsArg = None,
) -> list[Finding]:
    """Return what is out of step between the models, the migrations and ``database``.

    Each message has an id (``migrations.E001``), a level, the object it is about,
    the problem and a hint. An empty list means that everything agrees. A database
    that cannot be reached is an error, or an info with ``allow_unreachable``.
    ``skip_schema`` leaves out the comparison of the live schema with the applied
    migrations (drift); ``database_only`` leaves out the models.
    """
    from dbshift.actions.check import run_checks

    project = load_project(settings)
    return run_checks(
        project,
        database,
        not skip_database,
        allow_unreachable,
        schema=not skip_schema,
        models=not database_only,
    )


# -- squashmigrations ------------------------------------------------------------------


@dataclass(frozen=True)
class SquashedMigration(WrittenMigration):
    """A squash written, with the migrations it replaces."""

    replaces: list[str] = field(default_factory=list)
    #: How many operations the replaced migrations had, before optimizing.
    original_count: int = 0


def squashmigrations(
    app_label: str,
    end: str,
    *,
    start: str | None = None,
    name: str | None = None,
    optimize: bool = True,
    include_header: bool = True,
    dry_run: bool = False,
    confirm: Callable[[SquashedMigration], bool] | None = None,
    settings: SettingsArg = None,
) -> SquashedMigration:
    """Write one migration replacing ``start..end`` of ``app_label`` and return it.

    The squash is checked to build the state of the migrations it replaces before
    it is written. ``start`` defaults to the app's first migration. ``confirm`` is
    called with the squash before it is written; when it returns False, it is not.
    """
    from dbshift.actions.makemigrations import write_files
    from dbshift.actions.squash import plan_squash

    project = load_project(settings)
    squash, file = plan_squash(project, app_label, start, end, name, optimize, include_header)

    def result(written: bool) -> SquashedMigration:
        return SquashedMigration(
            **vars(_written(file, written)),
            replaces=[f"{app_label}.{migration.name}" for migration in squash.replaced],
            original_count=squash.original_count,
        )

    write = not dry_run and (confirm is None or confirm(result(False)))
    if write:
        write_files([file])
    return result(write)
