"""Building throwaway projects on disk and running dbshift commands in them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.backends.introspection import expected_schema, introspect
from dbshift.cli import main
from dbshift.migrations.recorder import PROGRESS_TABLE_NAME, TABLE_NAME
from dbshift.project import Project

SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass
class Result:
    """Exit status and output of one command."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class ProjectDir:
    """A project directory with settings, apps and models written by a test."""

    def __init__(self, root: Path, apps: list[str], database: str) -> None:
        self.root = root
        self.apps = list(apps)
        self.database = database
        root.mkdir(parents=True, exist_ok=True)
        self.write_settings()
        for app in apps:
            self.ensure_app(app)

    def write_settings(self) -> None:
        apps = ", ".join(f'"{app}"' for app in self.apps)
        self.write(
            "pyproject.toml",
            f'[tool.dbshift]\napps = [{apps}]\ndatabase = "{self.database}"\n',
        )

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def ensure_app(self, app: str) -> None:
        package = self.root / app.replace(".", "/")
        for directory in (package, package / "migrations"):
            directory.mkdir(parents=True, exist_ok=True)
            init = directory / "__init__.py"
            if not init.exists():
                init.write_text("", encoding="utf-8")

    def models(self, app: str, source: str) -> Path:
        """Write ``app``'s models.py; ``from dbshift import models`` is prepended."""
        self.ensure_app(app)
        body = "from dbshift import models\n\n" + textwrap.dedent(source).lstrip("\n")
        return self.write(f"{app.replace('.', '/')}/models.py", body)

    def migrations_dir(self, app: str) -> Path:
        return self.root / app.replace(".", "/") / "migrations"

    def migration_names(self, app: str) -> list[str]:
        return sorted(
            path.stem
            for path in self.migrations_dir(app).glob("*.py")
            if not path.name.startswith("_")
        )

    def migration_source(self, app: str, name: str) -> str:
        return (self.migrations_dir(app) / f"{name}.py").read_text(encoding="utf-8")

    def project(self) -> Project:
        return Project.load(self.root / "pyproject.toml", environ={})

    def run(self, *argv: str, stdin: str = "") -> Result:
        """Run a command in this process, as ``dbshift`` would from the project root."""
        out, err = io.StringIO(), io.StringIO()
        code = main(
            list(argv),
            cwd=self.root,
            stdout=out,
            stderr=err,
            stdin=io.StringIO(stdin),
            settings=self.root / "pyproject.toml",
        )
        return Result(code, out.getvalue(), err.getvalue())

    def run_process(
        self, *argv: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 120
    ) -> Result:
        """Run ``python -m dbshift`` in a new process in the project root."""
        completed = subprocess.run(
            [sys.executable, "-m", "dbshift", *argv],
            cwd=self.root,
            input=stdin,
            capture_output=True,
            text=True,
            env=process_env(env),
            timeout=timeout,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return an environment in which a new Python process imports this checkout's dbshift."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run_sql(url: str, statement: str) -> list[tuple]:
    """Run ``statement`` in a transaction of its own; return the rows it returns."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.exec_driver_sql(statement)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def expect_failure_on_mariadb(request: pytest.FixtureRequest, url: str, reason: str) -> None:
    """Mark the running test as expected to fail (strictly) when ``url`` is MariaDB's."""
    if sa.make_url(url).get_backend_name() in ("mysql", "mariadb"):
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def check_violation(url: str) -> type[sa.exc.DBAPIError]:
    """Return the error a failed CHECK raises at ``url``: PyMySQL reports MariaDB's
    (error 4025) as an OperationalError, the others' drivers as an IntegrityError."""
    if sa.make_url(url).get_backend_name() in ("mysql", "mariadb"):
        return sa.exc.OperationalError
    return sa.exc.IntegrityError


def assert_schema_matches_models(project: ProjectDir, url: str) -> None:
    """Assert that the database at ``url`` holds the tables the project's models describe."""
    loaded = project.project()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            actual = introspect(connection, ignore=[TABLE_NAME, PROGRESS_TABLE_NAME])
            assert actual == expected_schema(loaded.models_state(), connection.dialect, connection)
    finally:
        engine.dispose()
