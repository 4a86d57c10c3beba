"""``dbshift startproject`` and ``dbshift startapp``, then ``python manage.py``."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dbshift.cli import main
from tests.helpers import Result, process_env


def run(cwd: Path, *argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), cwd=cwd, stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def manage(root: Path, *argv: str, cwd: Path | None = None) -> Result:
    completed = subprocess.run(
        [sys.executable, str(root / "manage.py"), *argv],
        cwd=cwd or root,
        capture_output=True,
        text=True,
        env=process_env(),
        timeout=120,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def test_startproject_makes_settings_and_manage_py(tmp_path):
    result = run(tmp_path, "startproject", "mysite")

    assert result.code == 0, result.output
    root = tmp_path / "mysite"
    assert result.stdout == "Created project 'mysite' in mysite\n"
    settings = tomllib.loads((root / "pyproject.toml").read_text())
    assert settings["tool"]["dbshift"] == {"apps": [], "database": "sqlite:///db.sqlite3"}
    assert (root / "manage.py").is_file()
    assert (root / "manage.py").stat().st_mode & 0o111
    ignored = (root / ".gitignore").read_text().splitlines()
    assert {"db.sqlite3", "__pycache__/"} <= set(ignored)


def test_startapp_makes_the_app_package_and_says_to_add_it(tmp_path):
    result = run(tmp_path, "startapp", "pages")

    assert result.code == 0, result.output
    app = tmp_path / "pages"
    assert (app / "__init__.py").read_text() == ""
    assert (app / "migrations" / "__init__.py").read_text() == ""
    assert (app / "models.py").read_text().startswith("from dbshift import models\n")
    assert "Created app 'pages' in pages\n" in result.stdout
    assert 'apps = [..., "pages"]' in result.stdout


def test_startproject_and_startapp_take_a_directory(tmp_path):
    (tmp_path / "elsewhere").mkdir()

    assert run(tmp_path, "startproject", "webapp", "elsewhere").code == 0
    assert run(tmp_path, "startapp", "blog", "elsewhere/webapp").code == 0

    assert (tmp_path / "elsewhere" / "webapp" / "manage.py").is_file()
    assert (tmp_path / "elsewhere" / "webapp" / "blog" / "models.py").is_file()


@pytest.mark.parametrize("command", ["startproject", "startapp"])
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("my-site", "is not a valid"),
        ("1site", "is not a valid"),
        ("class", "is not a valid"),
        ("json", "conflicts with the name of an existing Python module"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_made(tmp_path, command, name, message):
    result = run(tmp_path, command, name)

    assert result.code == 1
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["startproject", "startapp"])
def test_existing_directory_is_not_overwritten(tmp_path, command):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")

    result = run(tmp_path, command, "taken")

    assert result.code == 1
    assert "already exists" in result.stderr
    assert [path.name for path in (tmp_path / "taken").iterdir()] == ["keep.txt"]


def test_the_tutorial_workflow_through_manage_py(tmp_path):
    assert run(tmp_path, "startproject", "mysite").code == 0
    root = tmp_path / "mysite"
    assert run(root, "startapp", "pages").code == 0
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text().replace("apps = []", 'apps = ["pages"]'))
    (root / "pages" / "models.py").write_text(
        "from dbshift import models\n\n\n"
        "class Article(models.Model):\n"
        "    title = models.CharField(max_length=200)\n"
        "    content = models.TextField()\n"
        "    created = models.DateTimeField(auto_now_add=True)\n"
        "    updated = models.DateTimeField(auto_now=True)\n"
    )

    first = manage(root, "makemigrations")
    check = manage(root, "makemigrations", "--check")
    from_outside = manage(root, "makemigrations", cwd=tmp_path)

    assert first.code == 0, first.output
    assert first.stdout == (
        "Migrations for 'pages':\n  pages/migrations/0001_initial.py\n    + Create model Article\n"
    )
    assert (check.code, check.stdout) == (0, "No changes detected\n")
    assert (from_outside.code, from_outside.stdout) == (0, "No changes detected\n")


def test_new_project_without_apps_has_no_changes(tmp_path):
    run(tmp_path, "startproject", "empty")

    result = manage(tmp_path / "empty", "makemigrations")

    assert (result.code, result.stdout) == (0, "No changes detected\n")


def test_hints_quote_commands_as_manage_py_runs_them(tmp_path):
    assert run(tmp_path, "startproject", "mysite").code == 0
    root = tmp_path / "mysite"
    assert run(root, "startapp", "pages").code == 0
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text().replace("apps = []", 'apps = ["pages"]'))
    (root / "pages" / "models.py").write_text(
        "from dbshift import models\n\n\nclass Article(models.Model):\n"
        "    title = models.CharField(max_length=200)\n"
    )

    checked = manage(root, "check", "--skip-database")
    empty = "from dbshift import migrations\n\n\nclass Migration(migrations.Migration):\n    pass\n"
    for name in ("0001_a", "0001_b"):
        (root / "pages" / "migrations" / f"{name}.py").write_text(empty)
    refused = manage(root, "migrate")

    assert "HINT: Run 'python manage.py makemigrations pages'." in checked.stdout
    assert "'dbshift " not in checked.output
    assert refused.code == 1, refused.output
    assert "To fix them run 'python manage.py makemigrations --merge'." in refused.stderr
    assert "Run 'dbshift makemigrations pages'." in run(root, "check", "--skip-database").stdout
