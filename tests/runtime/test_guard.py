"""``check_migrated()``: a start-up guard naming what is not migrated."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import dbshift.sqlalchemy as dsa
from dbshift.exceptions import DatabaseConnectionError, NotMigratedError
from dbshift.utils.imports import forget_modules
from tests.helpers import ProjectDir
from tests.runtime.conftest import mapped_models


def test_unapplied_migrations_are_named(written: ProjectDir) -> None:
    with mapped_models(written), pytest.raises(NotMigratedError) as raised:
        dsa.check_migrated()
    assert "pages.0001_initial" in str(raised.value)
    assert "dbshift migrate" in str(raised.value)


def test_migrated_database_passes(written: ProjectDir) -> None:
    assert written.run("migrate").code == 0
    with mapped_models(written):
        dsa.check_migrated()


def test_model_changes_without_migration_are_named(written: ProjectDir) -> None:
    assert written.run("migrate").code == 0
    source = (written.root / "pages/models.py").read_text(encoding="utf-8")
    written.write(
        "pages/models.py",
        source + "\n\nclass Comment(models.Model):\n    body = models.TextField()\n",
    )
    # An application started after the edit: setup() keeps modules already imported.
    forget_modules("pages")
    with mapped_models(written), pytest.raises(NotMigratedError) as raised:
        dsa.check_migrated()
    assert "Create model Comment" in str(raised.value)
    assert "makemigrations pages" in str(raised.value)


def test_unreachable_database_is_a_connection_error(
    make_project: Callable[..., ProjectDir],
) -> None:
    project = make_project(database="postgresql://nobody@127.0.0.1:1/none")
    project.models("pages", "class Tag(models.Model):\n    name = models.TextField()\n")
    with mapped_models(project), pytest.raises(DatabaseConnectionError):
        dsa.check_migrated()
