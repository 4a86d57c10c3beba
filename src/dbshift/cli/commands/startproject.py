"""``dbshift startproject``: create a project directory with settings and manage.py."""

from __future__ import annotations

import argparse
from pathlib import Path

from dbshift.actions.scaffold import start_project
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "startproject",
        parents=[common],
        help=SUMMARIES["startproject"],
        description="Create NAME/ with a pyproject.toml holding the dbshift settings "
        "and a manage.py, so that 'python manage.py <command>' works.",
    )
    parser.add_argument("name", help="project name (a Python identifier)")
    parser.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help="where to create it (default: the working directory)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    target = start_project(args.name, args.directory or context.cwd)
    context.write(f"Created project '{args.name}' in {context.relative(target)}")
    return 0
