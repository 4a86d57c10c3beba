"""Fixtures of the run-time tests: a project with migrations, and its models mapped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import dbshift.sqlalchemy as dsa
from tests.helpers import ProjectDir
from tests.runtime.support import MODELS


@pytest.fixture
def written(make_project: Callable[..., ProjectDir], db_url: str) -> ProjectDir:
    """Return a project on an empty database (SQLite, then PostgreSQL) with its migrations."""
    project = make_project(database=db_url)
    project.models("pages", MODELS)
    result = project.run("makemigrations")
    assert result.code == 0, result.output
    return project


@pytest.fixture
def mapped(written: ProjectDir) -> Iterator[ProjectDir]:
    """Return the project, migrated, with its models mapped by ``dsa.setup()``."""
    result = written.run("migrate")
    assert result.code == 0, result.output
    with mapped_models(written):
        yield written


class mapped_models:
    """Set the project's models up for the duration of a ``with`` block."""

    def __init__(self, project: ProjectDir) -> None:
        self.project = project

    def __enter__(self) -> dsa.Runtime:
        return dsa.setup(self.project.root / "pyproject.toml")

    def __exit__(self, *exc: object) -> None:
        dsa.reset()
