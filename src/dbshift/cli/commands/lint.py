"""``dbshift lint``: report the lock and compatibility hazards of migrations."""

from __future__ import annotations

import argparse
import json

from dbshift.actions.lint import lint_migrations
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.commands.check import add_report_arguments, print_findings
from dbshift.cli.context import Context
from dbshift.findings import Level


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "lint",
        parents=[common],
        help=SUMMARIES["lint"],
        description="Read the SQL each migration would run and report the statements that "
        "lock a busy PostgreSQL table for long (index builds without CONCURRENTLY, "
        "validated constraints, SET NOT NULL, rewriting type changes, volatile defaults) "
        "and the drops and renames that break the code still running. Tables created "
        "by the same migration are exempt. Does not connect to the database. Exits 1 "
        "when a finding reaches --fail-level. See docs/postgres-safety.md.",
    )
    parser.add_argument("app_label", nargs="?", help="only this app's migrations")
    parser.add_argument("migration_name", nargs="?", help="only this migration (a prefix will do)")
    parser.add_argument(
        "--database", default="default", help="database alias whose dialect to lint for"
    )
    add_report_arguments(parser, Level.WARNING)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    findings = lint_migrations(
        context.project(), args.app_label, args.migration_name, args.database
    )
    if args.format == "json":
        context.write(json.dumps([finding.as_dict() for finding in findings], indent=2), level=0)
    else:
        print_findings(context, [finding.as_finding() for finding in findings], "Lint")
    failing = Level[args.fail_level]
    return 1 if any(finding.level >= failing for finding in findings) else 0
