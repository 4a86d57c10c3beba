"""``dbshift repair``: accept intended edits of applied migrations."""

from __future__ import annotations

import argparse

from dbshift.actions.repair import accept_edits
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "repair",
        parents=[common],
        help=SUMMARIES["repair"],
        description="An applied migration that was edited stops migrate and fails "
        "check. When the edit was intended and the database already matches the "
        "edited migration (a fixed typo, a changed comment in RunPython code), "
        "record its new checksum here, as Flyway's repair does. Applies nothing.",
    )
    parser.add_argument("app_label", nargs="?", help="only this app (default: all)")
    parser.add_argument("migration_name", nargs="?", help="only this migration (a unique prefix)")
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    accepted = accept_edits(context.project(), args.app_label, args.migration_name, args.database)
    if not accepted:
        context.write("No edited applied migrations to accept.")
    for problem in accepted:
        context.write(
            f"Accepted the edit of {problem.key[0]}.{problem.key[1]}: {'; '.join(problem.changes)}"
        )
    return 0
