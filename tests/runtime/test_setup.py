"""``setup()``: once per process, its errors, and a command line that never needs it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

import dbshift.sqlalchemy as dsa
from dbshift.exceptions import ConfigurationError
from tests.helpers import ProjectDir, process_env
from tests.runtime.conftest import mapped_models

TAG = "class Tag(models.Model):\n    name = models.TextField()\n"


def test_setup_is_idempotent(project: ProjectDir) -> None:
    project.models("pages", TAG)
    with mapped_models(project) as runtime:
        assert dsa.setup(project.root / "pyproject.toml") is runtime
        assert set(dsa.metadata().tables) == {"pages_tag"}


def test_engine_before_setup_is_refused() -> None:
    dsa.reset()
    with pytest.raises(ConfigurationError, match=r"setup\(\) has not been called"):
        dsa.engine()


def test_databases_of_another_kind_are_refused(
    make_project: Callable[..., ProjectDir], pg_url: str
) -> None:
    project = make_project()
    project.models("pages", TAG)
    project.write(
        "pyproject.toml",
        '[tool.dbshift]\napps = ["pages"]\n[tool.dbshift.databases]\n'
        f'default = "sqlite:///db.sqlite3"\nreporting = "{pg_url}"\n',
    )
    wrong_kind = "is postgresql but the default database is sqlite"
    with mapped_models(project), pytest.raises(ConfigurationError, match=wrong_kind):
        dsa.engine("reporting")


def test_commands_do_not_import_the_orm(project: ProjectDir) -> None:
    project.models("pages", TAG)
    assert project.run("makemigrations").code == 0
    script = (
        "import sys; from dbshift.cli import main; "
        "code = main(['migrate']); "
        "print(code, 'sqlalchemy.orm' in sys.modules, 'dbshift.sqlalchemy' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project.root,
        capture_output=True,
        text=True,
        env=process_env(),
        timeout=120,
    )
    assert completed.stdout.splitlines()[-1] == "0 False False", completed.stderr


def test_models_imported_before_setup_are_the_mapped_ones(project: ProjectDir) -> None:
    project.models("pages", TAG)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    script = (
        "from pages.models import Tag\n"
        "import dbshift.sqlalchemy as dsa\n"
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import Session\n"
        "dsa.setup()\n"
        "with Session(dsa.engine()) as session:\n"
        "    session.add(Tag(name='early'))\n"
        "    session.commit()\n"
        "    print(session.scalars(select(Tag.name)).one())\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project.root,
        capture_output=True,
        text=True,
        env=process_env({"PYTHONPATH": f"{project.root}:{process_env()['PYTHONPATH']}"}),
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[-1] == "early"
