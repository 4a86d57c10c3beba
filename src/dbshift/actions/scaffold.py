"""Creating a new project or app from templates (``startproject``, ``startapp``)."""

from __future__ import annotations

import keyword
from pathlib import Path

from dbshift.exceptions import ConfigurationError
from dbshift.utils.imports import module_exists

PYPROJECT = """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["dbshift"]

[tool.dbshift]
apps = []
database = "sqlite:///db.sqlite3"
"""

MANAGE_PY = '''\
#!/usr/bin/env python
"""Run dbshift commands for this project: python manage.py <command>."""

import sys
from pathlib import Path

from dbshift.cli import console

if __name__ == "__main__":
    sys.exit(console(settings=Path(__file__).resolve().parent / "pyproject.toml"))
'''

# The database file and bytecode do not belong in version control.
GITIGNORE = """\
db.sqlite3
db.sqlite3-journal
__pycache__/
"""

MODELS_PY = """\
from dbshift import models

# Create your models here.
"""


def check_identifier(name: str, what: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ConfigurationError(
            f"'{name}' is not a valid {what} name; use a Python identifier such as 'my{what}'."
        )
    if module_exists(name):
        raise ConfigurationError(
            f"'{name}' conflicts with the name of an existing Python module; choose "
            f"another {what} name."
        )


def start_project(name: str, directory: Path) -> Path:
    """Create ``directory/name`` with settings and ``manage.py``; return it."""
    check_identifier(name, "project")
    target = directory / name
    if target.exists():
        raise ConfigurationError(f"'{target}' already exists; choose another name or remove it.")
    target.mkdir(parents=True)
    (target / "pyproject.toml").write_text(PYPROJECT.format(name=name), encoding="utf-8")
    (target / "manage.py").write_text(MANAGE_PY, encoding="utf-8")
    (target / "manage.py").chmod(0o755)
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    return target


def start_app(name: str, directory: Path) -> Path:
    """Create the app package ``directory/name`` with models and migrations; return it."""
    check_identifier(name, "app")
    target = directory / name
    if target.exists():
        raise ConfigurationError(f"'{target}' already exists; choose another name or remove it.")
    (target / "migrations").mkdir(parents=True)
    (target / "__init__.py").write_text("", encoding="utf-8")
    (target / "models.py").write_text(MODELS_PY, encoding="utf-8")
    (target / "migrations" / "__init__.py").write_text("", encoding="utf-8")
    return target
