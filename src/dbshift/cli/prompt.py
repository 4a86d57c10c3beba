"""Yes/no questions at the terminal."""

from __future__ import annotations

from dbshift.cli.context import Context


def confirm(context: Context, question: str) -> bool:
    """Ask ``question``; only an explicit yes counts, end of input is a no."""
    while True:
        context.stdout.write(f"{question} [y/N] ")
        context.stdout.flush()
        answer = context.stdin.readline()
        if not answer:
            context.stdout.write("\n")
            return False
        answer = answer.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        context.stdout.write("Please answer yes or no.\n")
