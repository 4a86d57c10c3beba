"""The start-up guard: refuse to run against a database the models do not match."""

from __future__ import annotations

from dbshift.actions.check import UNREACHABLE, Level, run_checks
from dbshift.exceptions import DatabaseConnectionError, NotMigratedError
from dbshift.project import Project


def check_migrated(project: Project, alias: str) -> None:
    """Raise unless every migration is applied to ``alias`` and covers the models.

    The findings are those of ``dbshift check``: unapplied migrations, model
    changes no migration covers, and errors of the recorded history.
    """
    # The live schema is not compared (drift): reading it would slow every start-up.
    findings = run_checks(project, alias, schema=False)
    for finding in findings:
        if finding.id == UNREACHABLE:
            raise DatabaseConnectionError(finding.message)
    problems = [finding for finding in findings if finding.level >= Level.WARNING]
    if problems:
        lines = "\n".join(f"  {finding.message} {finding.hint}".rstrip() for finding in problems)
        raise NotMigratedError(
            f"Database '{alias}' does not match the models of {project.settings.path}:\n{lines}"
        )
