"""What ``migrate`` prints: the plan, what it is about to do, progress lines."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dbshift.api import MigrateListener, MigrateResult
from dbshift.cli.context import Context
from dbshift.cli.formatting import indented_sql, operation_sql_lines
from dbshift.cli.prompt import confirm

if TYPE_CHECKING:
    from dbshift.migrations.django_history import DjangoHistory
    from dbshift.migrations.planner import Progress


def print_plan(context: Context, result: MigrateResult) -> None:
    context.write("Planned operations:", level=0)
    if not result.steps:
        context.write("  No planned migration operations.", level=0)
    for step in result.steps:
        context.write(step.label, level=0)
        for text in step.operations + step.warnings:
            context.write(f"    {text}", level=0)
        for part in step.sql:
            for line in operation_sql_lines(part):
                context.write(indented_sql(line), level=0)


def warn_about_model_changes(context: Context, labels: list[str]) -> None:
    if not labels:
        return
    names = ", ".join(f"'{label}'" for label in labels)
    context.write(
        f"  Your models in app(s): {names} have changes that are not yet reflected in a "
        "migration, and so won't be applied."
    )
    context.write(
        "  Run 'dbshift makemigrations' to make new migrations, and then re-run "
        "'dbshift migrate' to apply them."
    )


class MigrateReporter(MigrateListener):
    """Print what ``migrate`` does as it goes, and ask what it asks at the terminal."""

    def __init__(self, context: Context, args: argparse.Namespace) -> None:
        self.context = context
        self.args = args
        #: The "Applying ..." line waiting for its outcome, if one is.
        self.open_line = ""
        #: A note broke that line off: it is written again before the outcome.
        self.interrupted = False

    def confirm_django_import(self, history: DjangoHistory) -> bool:
        question = (
            f"This database was built by Django's migrate: django_migrations lists "
            f"{len(history.known) + len(history.unknown)} migration(s), and dbshift has no "
            f"history here. Record the {len(history.known)} of them this project has files "
            "for as applied, and continue?"
        )
        return bool(self.args.interactive) and confirm(self.context, question)

    def django_history_imported(self, history: DjangoHistory) -> None:
        context = self.context
        context.write(f"Imported {len(history.known)} applied migration(s) from django_migrations.")
        for app, name in history.unknown:
            context.write(f"  Not imported (no such migration in this project): {app}.{name}", 2)

    def planned(self, result: MigrateResult) -> None:
        context = self.context
        if self.args.prune:
            context.write("Pruning migrations:")
            if not result.pruned:
                context.write("  No migrations to prune.")
            return
        context.write("Operations to perform:")
        app_label, target = self.args.app_label, result.target
        if app_label is None:
            context.write(f"  Apply all migrations: {', '.join(result.apps) or '(none)'}")
        elif target is None:
            context.write(f"  Apply all migrations: {app_label}")
        elif target == "zero":
            context.write(f"  Unapply all migrations: {app_label}")
        else:
            context.write(f"  Target specific migration: {target}, from {app_label}")
        context.write("Running migrations:")
        if not result.steps:
            context.write("  No migrations to apply.")

    def progress(self, progress: Progress) -> None:
        """Print "  Applying pages.0001_initial... OK" as migrations run."""
        context = self.context
        if context.verbosity < 1:
            return
        if progress.event == "note":
            # On a line of its own; the migration's line is written again for its outcome.
            ending = "\n" if self.open_line and not self.interrupted else ""
            self.interrupted = bool(self.open_line)
            context.stdout.write(f"{ending}  {progress.note}\n")
            context.stdout.flush()
            return
        if progress.event == "start":
            verb = "Unapplying" if progress.step.backwards else "Applying"
            self.open_line = f"  {verb} {progress.step.migration}..."
            self.interrupted = False
            context.stdout.write(self.open_line)
            context.stdout.flush()
            return
        if self.interrupted:
            context.stdout.write(self.open_line)
        self.open_line, self.interrupted = "", False
        outcome = {
            "SKIPPED": "SKIPPED (done by another dbshift process)",
        }.get(progress.outcome, progress.outcome)
        timing = ""
        if context.verbosity >= 2:
            timing = f" ({progress.elapsed:.3f}s{', ' + progress.note if progress.note else ''})"
        context.stdout.write(f" {outcome}{timing}\n")
        if context.verbosity >= 2:
            # The SQL as it was sent, without the rewriting of quoted commands.
            for statement in progress.statements:
                context.stdout.write(indented_sql(statement) + "\n")
        context.stdout.flush()
