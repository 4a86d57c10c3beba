"""``dbshift startapp``: create an app package with models and migrations."""

from __future__ import annotations

import argparse
from pathlib import Path

from dbshift.actions.scaffold import start_app
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "startapp",
        parents=[common],
        help=SUMMARIES["startapp"],
        description="Create the package NAME/ with __init__.py, models.py and "
        "migrations/__init__.py.",
    )
    parser.add_argument("name", help="app name (a Python identifier)")
    parser.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help="where to create it (default: the working directory)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    target = start_app(args.name, args.directory or context.cwd)
    context.write(f"Created app '{args.name}' in {context.relative(target)}")
    context.write(f'Add it to the settings to use it: apps = [..., "{args.name}"]')
    return 0
