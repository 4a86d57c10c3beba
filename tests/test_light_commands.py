"""Commands that only read load little: not SQLAlchemy, not the machinery for writing files.

They also read what the database recorded.
"""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import process_env

ARTICLE = "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"

PROBE = """
import sys
from dbshift.cli import main
code = main(sys.argv[1:])
print("SQLALCHEMY" if "sqlalchemy" in sys.modules else "LIGHT", code)
print(" ".join(sorted(name for name in sys.modules if name.startswith("dbshift."))))
"""


def run_probe(project, *argv: str) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=project.root,
        capture_output=True,
        text=True,
        env=process_env(),
        timeout=60,
    )
    return completed.stdout.strip().splitlines()


def probe(project, *argv: str) -> str:
    """Return "LIGHT" or "SQLALCHEMY" and the exit code of the command."""
    return run_probe(project, *argv)[-2]


def loaded_modules(project, *argv: str) -> set[str]:
    """Return the dbshift modules the command imported."""
    return set(run_probe(project, *argv)[-1].split())


def test_reading_commands_leave_sqlalchemy_unloaded(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0

    assert probe(project, "migrate") == "LIGHT 0"
    assert probe(project, "showmigrations") == "LIGHT 0"
    # Comparing the live schema (drift) reads it through SQLAlchemy; the history alone does not.
    assert probe(project, "check", "--skip-schema") == "LIGHT 0"
    assert probe(project, "migrate", "--check") == "LIGHT 0"
    assert probe(project, "makemigrations", "--check") == "LIGHT 0"

    project.models("pages", ARTICLE + "    rank = models.IntegerField(default=0)\n")
    assert project.run("makemigrations").code == 0
    assert probe(project, "migrate", "--check") == "LIGHT 1"
    assert probe(project, "migrate") == "SQLALCHEMY 0"
    shown = project.run("showmigrations").stdout
    assert " [X] 0002_article_rank" in shown


def test_planning_loads_neither_the_writer_nor_the_autodetector(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("showmigrations").code == 0  # builds the history index

    writing = {
        "dbshift.migrations.autodetector",
        "dbshift.migrations.writer",
        "dbshift.historical",
        "dbshift.actions.sqlmigrate",
    }
    assert writing.isdisjoint(loaded_modules(project, "migrate", "--plan"))
    assert project.run("migrate").code == 0
    assert writing.isdisjoint(loaded_modules(project, "showmigrations"))
