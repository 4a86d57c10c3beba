"""Every command and every option explains itself in ``--help``."""

from __future__ import annotations

import argparse

import pytest

from dbshift.cli import build_parser, main
from dbshift.cli.commands import SUMMARIES


def flat(text: str) -> str:
    return " ".join(text.split())


def test_help_lists_every_command_with_its_summary(capsys):
    assert main(["--help"]) == 0
    out = flat(capsys.readouterr().out)
    for name, summary in SUMMARIES.items():
        assert f"{name} {flat(summary)}" in out


def test_an_unknown_command_is_refused_with_the_commands_there_are(capsys):
    assert main(["migrat", "--plan"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'migrat'" in err
    for name in SUMMARIES:
        assert repr(name) in err


def command_parser(command: str) -> argparse.ArgumentParser:
    parser = build_parser(command)
    (subparsers,) = (
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    return subparsers.choices[command]


@pytest.mark.parametrize("command", sorted(SUMMARIES))
def test_every_option_of_every_command_has_help(command, capsys):
    parser = command_parser(command)
    assert [action.dest for action in parser._actions if not action.help] == []
    assert parser.description
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: dbshift {command} ")
    assert flat(parser.description) in flat(out)


def test_a_mistyped_command_gets_a_suggestion(capsys):
    assert main(["migrat", "--plan"]) == 2
    assert capsys.readouterr().err.endswith("\nDid you mean 'migrate'?\n")
    assert main(["zzzz"]) == 2
    assert "Did you mean" not in capsys.readouterr().err


def test_an_unknown_option_shows_the_usage_of_its_command(capsys):
    assert main(["showmigrations", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: dbshift showmigrations [-h]")
    assert err.endswith("dbshift showmigrations: error: unrecognized arguments: --bogus\n")


def test_migrate_help_describes_shared_transactions(capsys):
    assert main(["migrate", "--help"]) == 0
    out = flat(capsys.readouterr().out)
    assert "runs in its own transaction" not in out
    assert "consecutive schema-only migrations share one" in out
    assert "--one-by-one" in out
