"""``dbshift makemigrations``: write migration files for model changes."""

from __future__ import annotations

import argparse

from dbshift.api import WrittenMigration, makemigrations
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context
from dbshift.migrations.questioner import (
    InteractiveQuestioner,
    NonInteractiveQuestioner,
    Questioner,
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "makemigrations",
        parents=[common],
        help=SUMMARIES["makemigrations"],
        description="Compare the models with the state the migration files build and "
        "write migrations for the difference. Never touches the database.",
    )
    parser.add_argument("app_label", nargs="*", help="only these apps (default: all)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be written, write nothing",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 if model changes are missing migrations; write nothing",
    )
    parser.add_argument("-n", "--name", help="use this name for the new migration(s)")
    parser.add_argument(
        "--empty",
        action="store_true",
        help="write an empty migration to fill in by hand",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="write a migration that merges conflicting leaves",
    )
    parser.add_argument(
        "--noinput",
        "--no-input",
        dest="interactive",
        action="store_false",
        help="never ask; fail (exit 3) where an answer is needed",
    )
    parser.add_argument(
        "--renames",
        choices=("yes", "no"),
        help="answer every 'was it renamed?' question without asking (no drops the old "
        "column or table and its data)",
    )
    parser.add_argument(
        "--no-header",
        dest="include_header",
        action="store_false",
        help="omit the header comment",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    project = context.project()
    if args.merge:
        from dbshift.cli.merge import handle_merge

        return handle_merge(args, context, project)
    renames = None if args.renames is None else args.renames == "yes"
    if args.interactive:
        questioner: Questioner = InteractiveQuestioner(context.stdin, context.stdout, renames)
    else:
        questioner = NonInteractiveQuestioner(context.stderr, renames)

    def report_before_writing(migrations: list[WrittenMigration]) -> bool:
        report(context, migrations)
        return True

    migrations = makemigrations(
        args.app_label,
        name=args.name,
        empty=args.empty,
        dry_run=args.dry_run,
        check=args.check,
        include_header=args.include_header,
        questioner=questioner,
        confirm=report_before_writing,
        settings=project,
    )
    if not migrations:
        context.write(_no_changes(args.app_label))
        return 0
    if args.dry_run or args.check:
        report(context, migrations, show_source=args.dry_run and context.verbosity >= 3)
    return 1 if args.check else 0


def report(context: Context, migrations: list[WrittenMigration], show_source: bool = False) -> None:
    """Print each app's new files and their operations, as Django does."""
    current_app = None
    for item in migrations:
        if item.app_label != current_app:
            current_app = item.app_label
            context.write(f"Migrations for '{current_app}':")
        context.write(f"  {context.relative(item.path)}")
        for category, description in zip(item.categories, item.operations, strict=True):
            context.write(f"    {category} {description}")
        if show_source:
            context.write(f"Full migrations file '{item.path.name}':")
            context.write(item.source)


def _no_changes(labels: list[str]) -> str:
    if not labels:
        return "No changes detected"
    if len(labels) == 1:
        return f"No changes detected in app '{labels[0]}'"
    return "No changes detected in apps " + ", ".join(f"'{label}'" for label in labels)
