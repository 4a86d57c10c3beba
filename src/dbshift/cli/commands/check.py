"""``dbshift check``: report everything out of step, changing nothing."""

from __future__ import annotations

import argparse
import json

from dbshift.api import check
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context
from dbshift.findings import Finding, Level


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "check",
        parents=[common],
        help=SUMMARIES["check"],
        description="Check that the models, the migration files and the database agree: "
        "model changes no migration covers, unapplied migrations, applied migrations "
        "edited or deleted since, conflicting leaves, inconsistent history, and "
        "drift: how the live schema differs from what the applied migrations build. Changes "
        "nothing. Exits 1 when a finding reaches --fail-level.",
    )
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    parser.add_argument(
        "--skip-database", action="store_true", help="only compare models and migration files"
    )
    add_report_arguments(parser, Level.ERROR)
    parser.set_defaults(handler=handle)


def add_report_arguments(parser: argparse.ArgumentParser, fail_level: Level) -> None:
    """Add ``--fail-level`` and ``--format``, shared by the commands that report findings."""
    parser.add_argument(
        "--allow-unreachable",
        action="store_true",
        help="report a database that cannot be reached as an info, not an error",
    )
    parser.add_argument(
        "--skip-schema",
        action="store_true",
        help="check the recorded history but not the live schema (no drift check)",
    )
    parser.add_argument(
        "--database-only",
        action="store_true",
        help="leave the models out: check the history and the live schema against the "
        "migrations (for CI and cron jobs)",
    )
    parser.add_argument(
        "--fail-level",
        default=fail_level.name,
        choices=[level.name for level in Level],
        type=str.upper,
        help=f"lowest level that makes the command exit with status 1 (default: {fail_level.name})",
    )
    parser.add_argument(
        "--format", default="text", choices=["text", "json"], help="output format (default: text)"
    )


def handle(args: argparse.Namespace, context: Context) -> int:
    findings = check(
        database=args.database,
        skip_database=args.skip_database,
        allow_unreachable=args.allow_unreachable,
        skip_schema=args.skip_schema,
        database_only=args.database_only,
        settings=context.project(),
    )
    if args.format == "json":
        context.write(json.dumps([finding.as_dict() for finding in findings], indent=2), level=0)
    else:
        print_findings(context, findings)
    failing = Level[args.fail_level]
    return 1 if any(finding.level >= failing for finding in findings) else 0


def print_findings(context: Context, findings: list[Finding], source: str = "System check") -> None:
    if not findings:
        context.write(f"{source} identified no issues.")
        return
    context.write(f"{source} identified some issues:")
    for level in sorted({finding.level for finding in findings}, reverse=True):
        context.write(f"\n{level.name}S:")
        for finding in (item for item in findings if item.level == level):
            context.write(f"{finding.obj}: ({finding.id}) {finding.message}")
            if finding.hint:
                context.write(f"\tHINT: {finding.hint}")
    context.write(f"\n{source} identified {len(findings)} issue(s).")
