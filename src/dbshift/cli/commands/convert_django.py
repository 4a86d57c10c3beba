"""``dbshift convert-django``: rewrite Django migration files to dbshift imports in place."""

from __future__ import annotations

import argparse
from pathlib import Path

from dbshift.actions.convert import Conversion, convert_paths
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "convert-django",
        parents=[common],
        help=SUMMARIES["convert-django"],
        description="Rewrite the migration files of a Django app so that they import dbshift "
        "instead of Django (django.db.models.deletion.CASCADE becomes "
        "dbshift.models.deletion.CASCADE, and so on). Each file is changed in place and "
        "converting twice changes nothing. Names dbshift has no equivalent for are left as "
        "they are and listed as FILE:LINE: REASON; the command then exits with status 1.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a migration file, a migrations directory, or a directory searched for "
        "migrations directories (an app, a project)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit with status 1 if a file would change or has a problem",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    paths = [path if path.is_absolute() else context.cwd / path for path in args.paths]
    conversions = convert_paths(
        paths, write=not args.check, report=lambda conversion: _report(conversion, context)
    )
    changed = sum(conversion.changed for conversion in conversions)
    problems = sum(len(conversion.problems) for conversion in conversions)
    verb = "would be converted" if args.check else "converted"
    context.write(
        f"{changed} of {len(conversions)} file(s) {verb}; "
        f"{problems} line(s) could not be converted."
    )
    return 1 if problems or (args.check and changed) else 0


def _report(conversion: Conversion, context: Context) -> None:
    where = context.relative(conversion.path)
    if conversion.changed:
        context.write(f"{where}:")
        for change, count in conversion.changes.items():
            times = f" ({count} times)" if count > 1 else ""
            context.write(f"  {change}{times}")
    else:
        context.write(f"{where}: nothing to convert", level=2)
    for problem in conversion.problems:
        context.error(f"{context.relative(problem.path)}:{problem.line}: {problem.reason}")
