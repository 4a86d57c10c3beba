"""``dbshift optimizemigration``: fold the operations of one migration."""

from __future__ import annotations

import argparse

from dbshift.actions.squash import plan_optimization
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "optimizemigration",
        parents=[common],
        help=SUMMARIES["optimizemigration"],
        description="Rewrite a migration with its operations folded as squashmigrations "
        "folds them. Do not optimize a migration that is already applied anywhere.",
    )
    parser.add_argument("app_label", help="the app of the migration")
    parser.add_argument("migration_name", help="the migration (a unique prefix will do)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 if the migration can be optimized; write nothing",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    result = plan_optimization(context.project(), args.app_label, args.migration_name)
    if result.after == result.before:
        context.write("No optimizations possible.")
        return 0
    context.write(f"Optimizing from {result.before} operations to {result.after} operations.")
    if args.check:
        return 1
    result.file.path.write_text(result.file.source, encoding="utf-8")
    context.write(f"Optimized migration {context.relative(result.file.path)}")
    return 0
