"""``dbshift showmigrations``: list migrations and whether each is applied."""

from __future__ import annotations

import argparse

from dbshift.actions.migrate import MigrationSession
from dbshift.actions.show import MigrationListing, list_migrations, plan_listing
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "showmigrations",
        parents=[common],
        help=SUMMARIES["showmigrations"],
        description="List each app's migrations: [X] applied, [ ] not applied, [-] a "
        "squash whose replaced migrations are all applied but that is not yet recorded.",
    )
    parser.add_argument("app_label", nargs="*", help="only these apps (default: all)")
    parser.add_argument(
        "-p", "--plan", action="store_true", help="list all migrations in the order they apply"
    )
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    project = context.project()
    labels = project.check_app_labels(args.app_label)
    with MigrationSession(project, args.database, read_only=True) as session:
        if args.plan:
            for entry in plan_listing(session, labels):
                dependencies = ""
                if context.verbosity >= 2 and entry.dependencies:
                    dependencies = " ... (" + ", ".join(entry.dependencies) + ")"
                context.write(f"{entry.mark}  {entry.label}{dependencies}", level=0)
            return 0
        for app_label, listing in list_migrations(session, labels or None).items():
            context.write(app_label, level=0)
            print_app(context, listing)
    return 0


def print_app(context: Context, listing: list[MigrationListing]) -> None:
    if not listing:
        context.write(" (no migrations)", level=0)
    for entry in listing:
        line = f" {entry.mark} {entry.title}"
        if context.verbosity >= 2 and entry.applied_at is not None:
            line += f" (applied at {entry.applied_at:%Y-%m-%d %H:%M:%S})"
        context.write(line, level=0)
