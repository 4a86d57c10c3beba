"""``dbshift sqlmigrate``: print the SQL of one migration without running it."""

from __future__ import annotations

import argparse

from dbshift.api import sqlmigrate
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context
from dbshift.cli.formatting import operation_sql_lines


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "sqlmigrate",
        parents=[common],
        help=SUMMARIES["sqlmigrate"],
        description="Print the SQL statements a migration runs on the database, "
        "without connecting to it or running anything.",
    )
    parser.add_argument("app_label", help="the app of the migration")
    parser.add_argument("migration_name", help="the migration (a unique prefix will do)")
    parser.add_argument(
        "--backwards", action="store_true", help="print the SQL that unapplies the migration"
    )
    parser.add_argument(
        "--database", default="default", help="database alias whose SQL dialect to use"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    result = sqlmigrate(
        args.app_label,
        args.migration_name,
        backwards=args.backwards,
        database=args.database,
        settings=context.project(),
    )
    for warning in result.warnings:
        context.write(f"-- {warning}", level=0)
    if result.atomic:
        context.write("BEGIN;", level=0)
    for statement in result.preamble:
        context.write(f"{statement};", level=0)
    for part in result.operations:
        for line in operation_sql_lines(part):
            context.write(line, level=0)
    if result.atomic:
        context.write("COMMIT;", level=0)
    return 0
