"""``dbshift squashmigrations``: replace a run of migrations with one."""

from __future__ import annotations

import argparse

from dbshift.api import SquashedMigration, squashmigrations
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context
from dbshift.cli.prompt import confirm


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "squashmigrations",
        parents=[common],
        help=SUMMARIES["squashmigrations"],
        description="Write one migration that replaces START..END of an app (START "
        "defaults to the first). It is checked to build the same state as the "
        "migrations it replaces before it is written; keep the old files until every "
        "database has applied it.",
    )
    parser.add_argument("app_label", help="the app whose migrations to squash")
    parser.add_argument(
        "start_migration_name", nargs="?", help="first migration to squash (default: the first)"
    )
    parser.add_argument("migration_name", help="last migration to squash")
    parser.add_argument("--squashed-name", help="name of the new migration (without its number)")
    parser.add_argument(
        "--no-optimize", dest="optimized", action="store_false", help="keep every operation"
    )
    parser.add_argument(
        "--noinput", "--no-input", dest="interactive", action="store_false", help="do not ask"
    )
    parser.add_argument(
        "--no-header", dest="include_header", action="store_false", help="omit the header comment"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    def proceed(squash: SquashedMigration) -> bool:
        context.write("Will squash the following migrations:")
        for label in squash.replaces:
            context.write(f" - {label.removeprefix(args.app_label + '.')}")
        if args.interactive and not confirm(context, "Do you wish to proceed?"):
            return False
        if args.optimized:
            context.write("Optimizing...")
            after = len(squash.operations)
            if after == squash.original_count:
                context.write("  No optimizations possible.")
            else:
                context.write(
                    f"  Optimized from {squash.original_count} operations to {after} operations."
                )
        return True

    squash = squashmigrations(
        args.app_label,
        args.migration_name,
        start=args.start_migration_name,
        name=args.squashed_name,
        optimize=args.optimized,
        include_header=args.include_header,
        confirm=proceed,
        settings=context.project(),
    )
    if not squash.written:
        context.write("Nothing written.")
        return 0
    context.write(f"Created new squashed migration {context.relative(squash.path)}")
    context.write(
        "  You should commit this migration but leave the old ones in place; the new "
        "migration will be used\n  for new installs. Once every database has applied the "
        "migrations you squashed, you can\n  delete them, remove 'replaces' from the "
        f"squash, and run 'dbshift migrate {args.app_label} --prune' to forget them."
    )
    return 0
