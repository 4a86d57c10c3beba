"""Accepting intended edits of applied migrations (``repair``)."""

from __future__ import annotations

from dbshift.actions.migrate import MigrationSession
from dbshift.conf import DEFAULT_ALIAS
from dbshift.migrations.checksum import migration_checksum
from dbshift.migrations.history import HistoryProblem, find_history_problems
from dbshift.migrations.recorder import MigrationRecorder
from dbshift.project import Project


def accept_edits(
    project: Project,
    app_label: str | None = None,
    name: str | None = None,
    alias: str = DEFAULT_ALIAS,
) -> list[HistoryProblem]:
    """Record the current checksum of each edited applied migration; return them."""
    if app_label is not None:
        project.apps.get_app_config(app_label)
    with MigrationSession(project, alias) as session:
        wanted = None
        if name is not None and app_label is not None:
            wanted = session.loader.get_by_prefix(app_label, name).key
        edited = [
            problem
            for problem in find_history_problems(session.loader, session.applied)
            if problem.kind == "edited"
            and (app_label is None or problem.key[0] == app_label)
            and (wanted is None or problem.key == wanted)
        ]
        with session.database.locked_transaction(session.connection, session.lock_timeout):
            recorder = MigrationRecorder(session.connection)
            for problem in edited:
                migration = session.loader.disk_migrations[problem.key]
                recorder.update_checksum(problem.key, migration_checksum(migration))
    return edited
