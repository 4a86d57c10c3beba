"""The ``dbshift`` command line: argument parsing, output and exit codes.

Each command lives in its own module under :mod:`dbshift.cli.commands` with a
``register(subparsers)`` function; the work itself is done by library calls.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from dbshift import __version__
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context, quote_commands
from dbshift.exceptions import DbShiftError


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the parser of ``command``, or of every command when it is not one."""
    parser = argparse.ArgumentParser(
        prog="dbshift",
        description="Django-style schema migrations for any Python project.",
    )
    parser.add_argument("--version", action="version", version=f"dbshift {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--settings",
        type=Path,
        metavar="PATH",
        help="settings file to use (default: the nearest pyproject.toml or dbshift.toml "
        "with dbshift settings, searching up from the working directory)",
    )
    common.add_argument(
        "-v",
        "--verbosity",
        type=int,
        choices=range(4),
        default=1,
        metavar="{0,1,2,3}",
        help="verbosity level: 0 quiet, 1 normal, 2 verbose, 3 very verbose",
    )
    common.add_argument(
        "--traceback", action="store_true", help="show the full traceback of an error"
    )
    if command in SUMMARIES:
        # Each sub-parser costs a millisecond to build, and only the help and the
        # error for an unknown command list them all.
        module = importlib.import_module(f"dbshift.cli.commands.{command.replace('-', '_')}")
        module.register(subparsers, common)
        return parser
    for name, summary in SUMMARIES.items():
        subparsers.add_parser(name, help=summary)
    return parser


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    return parser


def _suggest_command(command: str, stderr: IO[str]) -> None:
    close = difflib.get_close_matches(command, SUMMARIES, n=1)
    if close:
        stderr.write(f"Did you mean '{close[0]}'?\n")


#: The cyclic collector's thresholds in a ``dbshift`` process: objects allocated (net)
#: between two collections of the youngest generation, then collections of each
#: generation between two of the next. Python's defaults are 700, 10, 10.
COLLECTOR_THRESHOLDS = (50_000, 20, 20)


def console(settings: Path | None = None) -> int:
    """Run the command that starts this ``dbshift`` process.

    A command builds a great many objects that live until it exits: the history,
    its states, the tables' specs. With its default thresholds, Python's cyclic
    collector walks them again and again and finds nothing to free, so a process
    collects less often. Programs that call :func:`main` keep their own settings.
    """
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    return main(settings=settings, prog=program_name(sys.argv[0]))


def program_name(script: str) -> str:
    """Return how the user started this process, as hints should quote it."""
    return "python manage.py" if Path(script).name == "manage.py" else "dbshift"


def main(
    argv: Sequence[str] | None = None,
    *,
    settings: Path | None = None,
    cwd: Path | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    stdin: IO[str] | None = None,
    prog: str = "dbshift",
) -> int:
    """Run one command and return its exit status.

    ``prog`` is how the user runs dbshift; the commands that messages quote use it.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((word for word in arguments if not word.startswith("-")), None)
    parser = build_parser(command)
    try:
        args, unknown = parser.parse_known_args(arguments)
        if unknown:
            # Show the usage of the command given, not of dbshift as a whole.
            _command_parser(parser, args.command).error(
                f"unrecognized arguments: {' '.join(unknown)}"
            )
    except SystemExit as exit_:
        if command is not None and command not in SUMMARIES:
            _suggest_command(command, stderr)
        return int(exit_.code or 0)
    context = Context(
        stdout=stdout,
        stderr=stderr,
        stdin=stdin or sys.stdin,
        cwd=(cwd or Path.cwd()).resolve(),
        settings_path=args.settings or settings,
        verbosity=args.verbosity,
        prog=prog,
    )
    try:
        return int(args.handler(args, context) or 0)
    except DbShiftError as err:
        if args.traceback:
            traceback.print_exc(file=stderr)
        stderr.write(f"Error: {quote_commands(str(err), prog)}\n")
        return err.exit_code
    except KeyboardInterrupt:
        stderr.write("Interrupted.\n")
        return 130
