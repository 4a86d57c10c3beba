"""``dbshift showmigrations``: list migrations and whether each is applied."""

from __future__ import annotations

import argparse
import itertools

from dbshift.api import MigrationStatus, showmigrations
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context

MARKS = {
    "applied": "[X]",
    "unapplied": "[ ]",
    "unrecorded squash": "[-]",
    "edited": "[!]",
    "deleted": "[!]",
}


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "showmigrations",
        parents=[common],
        help=SUMMARIES["showmigrations"],
        description="List each app's migrations: [X] applied, [ ] not applied, [-] a "
        "squash whose replaced migrations are all applied but that is not yet recorded, "
        "[!] applied but edited or deleted since (see 'check').",
    )
    parser.add_argument("app_label", nargs="*", help="only these apps (default: all)")
    parser.add_argument(
        "-p", "--plan", action="store_true", help="list all migrations in the order they apply"
    )
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    project = context.project()
    statuses = showmigrations(
        args.app_label, plan=args.plan, database=args.database, settings=project
    )
    if args.plan:
        for entry in statuses:
            dependencies = ""
            if context.verbosity >= 2 and entry.dependencies:
                dependencies = " ... (" + ", ".join(entry.dependencies) + ")"
            context.write(f"{MARKS[entry.status]}  {entry.label}{dependencies}", level=0)
        return 0
    by_app = {
        label: list(entries)
        for label, entries in itertools.groupby(statuses, key=lambda entry: entry.app_label)
    }
    for app_label in sorted(project.check_app_labels(args.app_label) or project.app_labels()):
        context.write(app_label, level=0)
        print_app(context, by_app.pop(app_label, []))
    for app_label, entries in by_app.items():
        context.write(f"{app_label} (not installed)", level=0)
        print_app(context, entries)
    return 0


def print_app(context: Context, listing: list[MigrationStatus]) -> None:
    if not listing:
        context.write(" (no migrations)", level=0)
    for entry in listing:
        line = f" {MARKS[entry.status]} {title(entry)}"
        if context.verbosity >= 2 and entry.applied_at is not None:
            line += f" (applied at {entry.applied_at:%Y-%m-%d %H:%M:%S})"
        context.write(line, level=0)


def title(entry: MigrationStatus) -> str:
    text = entry.name
    if entry.replaces:
        text += f" ({len(entry.replaces)} squashed migrations)"
    if entry.status == "unrecorded squash":
        text += " Run 'dbshift migrate' to finish recording."
    elif entry.status == "edited":
        text += " (edited after it was applied; run 'dbshift check')"
    elif entry.status == "deleted":
        text += " (applied, but its file is gone; run 'dbshift check')"
    return text
