"""Reports ``migrate`` prints: the plan, progress lines, and model changes left over."""

from __future__ import annotations

import textwrap

from dbshift.actions.migrate import MigrationSession
from dbshift.cli.context import Context
from dbshift.cli.formatting import describe_for_plan, operation_sql_lines
from dbshift.migrations.planner import PlanStep, Progress


def print_plan(context: Context, session: MigrationSession, steps: list[PlanStep]) -> None:
    context.write("Planned operations:", level=0)
    if not steps:
        context.write("  No planned migration operations.", level=0)
    hazards = session.rollback_hazards(steps)
    for step in steps:
        context.write(str(step.migration), level=0)
        for text in plan_lines(step):
            context.write(f"    {text}", level=0)
        for hazard in hazards:
            if hazard.migration.key == step.key:
                context.write(f"    {hazard.warning()}", level=0)
        if context.verbosity >= 2:
            for part in session.collect_sql(step):
                for line in operation_sql_lines(part):
                    # A statement may span lines; indent them all under the migration.
                    context.write(textwrap.indent(line, "    "), level=0)


def plan_lines(step: PlanStep) -> list[str]:
    """Return how ``migrate --plan`` lists the operations of ``step``, in running order.

    A schema-only migration's lines come from the history index when it holds
    them, so that a long plan does not restore every migration's operations.
    """
    summary = getattr(step.migration, "summary", None)
    if summary is not None and summary.schema_only:
        texts = summary.descriptions
        if step.backwards:
            return [f"Undo {text}" for text in reversed(texts)]
        return list(texts)
    operations = step.migration.operations
    ordered = reversed(operations) if step.backwards else operations
    return [describe_for_plan(operation, step.backwards)[0] for operation in ordered]


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


class ProgressReporter:
    """Print "  Applying pages.0001_initial... OK" as migrations run."""

    def __init__(self, context: Context) -> None:
        self.context = context
        #: The "Applying ..." line waiting for its outcome, if one is.
        self.open_line = ""
        #: A note broke that line off: it is written again before the outcome.
        self.interrupted = False

    def __call__(self, progress: Progress) -> None:
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
        context.stdout.flush()
