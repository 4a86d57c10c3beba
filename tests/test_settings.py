"""Settings: found like ruff and pytest find theirs, read from [tool.dbshift]."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from dbshift.backends.database import Database
from dbshift.cli import main
from dbshift.conf import (
    AppSpec,
    find_settings_file,
    load_settings,
    normalize_url,
)
from dbshift.exceptions import ConfigurationError, DatabaseConnectionError
from dbshift.project import Project
from tests.helpers import process_env


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nearest_pyproject_with_dbshift_settings_is_found_from_a_subdirectory(tmp_path):
    settings = write(tmp_path / "pyproject.toml", '[tool.dbshift]\napps = ["pages"]\n')
    write(tmp_path / "src" / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    deep = tmp_path / "src" / "pkg" / "deeper"
    deep.mkdir(parents=True)

    assert find_settings_file(deep) == settings


def test_dbshift_toml_is_found_and_may_hold_keys_at_the_top_level(tmp_path):
    settings = write(tmp_path / "dbshift.toml", 'apps = ["pages"]\ndatabase = "sqlite:///x.db"\n')
    write(tmp_path / "pyproject.toml", '[tool.dbshift]\napps = ["other"]\n')

    assert find_settings_file(tmp_path) == settings
    loaded = load_settings(settings, environ={})
    assert loaded.apps == (AppSpec("pages"),)
    assert loaded.database_url() == f"sqlite:///{tmp_path}/x.db"


def test_dbshift_toml_may_use_a_tool_table(tmp_path):
    settings = write(tmp_path / "dbshift.toml", '[tool.dbshift]\napps = ["pages"]\n')

    assert load_settings(settings, environ={}).apps == (AppSpec("pages"),)


def test_no_settings_anywhere_says_what_to_do(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        find_settings_file(tmp_path)

    assert "[tool.dbshift]" in str(caught.value)
    assert "dbshift startproject" in str(caught.value)


def test_apps_are_import_paths_or_tables_with_a_label(tmp_path):
    settings = write(
        tmp_path / "pyproject.toml",
        '[tool.dbshift]\napps = ["pages", { name = "shop.orders", label = "orders" }]\n',
    )

    assert load_settings(settings, environ={}).apps == (
        AppSpec("pages"),
        AppSpec("shop.orders", "orders"),
    )


@pytest.mark.parametrize(
    ("apps", "message"),
    [
        ('["pages", "pages"]', "listed twice"),
        ("[1]", "is not an app"),
        ('[{ label = "x" }]', "is not an app"),
        ('[{ name = "a", label = "not valid" }]', "must be a Python identifier"),
        ('"pages"', "'apps' in"),
    ],
)
def test_bad_apps_entries_are_reported(tmp_path, apps, message):
    settings = write(tmp_path / "pyproject.toml", f"[tool.dbshift]\napps = {apps}\n")

    with pytest.raises(ConfigurationError, match=message):
        load_settings(settings, environ={})


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    settings = write(tmp_path / "pyproject.toml", "[tool.dbshift\n")

    with pytest.raises(ConfigurationError, match="is not valid TOML"):
        load_settings(settings, environ={})


def test_named_databases_and_the_default(tmp_path):
    settings = write(
        tmp_path / "pyproject.toml",
        "[tool.dbshift]\napps = []\n"
        "[tool.dbshift.databases]\n"
        'default = "postgresql://app@db/app"\n'
        'reporting = "sqlite:///reports.sqlite3"\n',
    )

    loaded = load_settings(settings, environ={})

    assert loaded.database_url() == "postgresql+psycopg://app@db/app"
    assert loaded.database_url("reporting") == f"sqlite:///{tmp_path}/reports.sqlite3"
    with pytest.raises(ConfigurationError, match=r"No database named 'nope'.*default, reporting"):
        loaded.database_url("nope")


def test_database_url_in_the_environment_replaces_the_default(tmp_path):
    settings = write(
        tmp_path / "pyproject.toml",
        '[tool.dbshift]\napps = []\ndatabase = "sqlite:///db.sqlite3"\n'
        '[tool.dbshift.databases]\nother = "sqlite:///other.sqlite3"\n',
    )

    loaded = load_settings(settings, environ={"DATABASE_URL": "postgres://u@h/d"})

    assert loaded.database_url() == "postgresql+psycopg://u@h/d"
    assert loaded.database_url("other") == f"sqlite:///{tmp_path}/other.sqlite3"
    assert load_settings(settings, environ={"DATABASE_URL": ""}).database_url() == (
        f"sqlite:///{tmp_path}/db.sqlite3"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///db.sqlite3", "sqlite:////project/db.sqlite3"),
        ("sqlite:///data/db.sqlite3?mode=ro", "sqlite:////project/data/db.sqlite3?mode=ro"),
        ("sqlite:////var/db.sqlite3", "sqlite:////var/db.sqlite3"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("sqlite://", "sqlite://"),
        ("sqlite+pysqlite:///db.sqlite3", "sqlite+pysqlite:////project/db.sqlite3"),
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d?sslmode=require", "postgresql+psycopg://u@h/d?sslmode=require"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_urls_are_normalized(url, expected):
    assert normalize_url(url, Path("/project")) == expected


def test_url_without_a_scheme_is_refused_without_showing_the_password():
    with pytest.raises(ConfigurationError) as caught:
        normalize_url("user:s3cret@localhost/app", Path("/project"))

    assert "has no scheme" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_sqlite_path_is_relative_to_the_settings_file_not_the_working_directory(
    tmp_path, monkeypatch
):
    write(
        tmp_path / "proj" / "pyproject.toml",
        '[tool.dbshift]\napps = []\ndatabase = "sqlite:///var/db.sqlite3"\n',
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    project = Project.load(start=tmp_path / "proj", environ={})

    assert project.database_url() == f"sqlite:///{tmp_path}/proj/var/db.sqlite3"


def test_command_in_a_subdirectory_uses_the_projects_settings(project):
    project.models("pages", "class Article(models.Model):\n    pass\n")
    subdirectory = project.root / "pages" / "migrations"
    out, err = io.StringIO(), io.StringIO()

    code = main(["makemigrations"], cwd=subdirectory, stdout=out, stderr=err)

    assert code == 0, err.getvalue()
    assert project.migration_names("pages") == ["0001_initial"]
    assert out.getvalue().splitlines()[1] == "  0001_initial.py"


def test_command_finds_settings_in_a_new_process_from_a_subdirectory(project):
    project.models("pages", "class Article(models.Model):\n    pass\n")
    (project.root / "docs").mkdir()

    completed = subprocess.run(
        [sys.executable, "-m", "dbshift", "makemigrations"],
        cwd=project.root / "docs",
        capture_output=True,
        text=True,
        env=process_env(),
    )

    assert completed.returncode == 0, completed.stderr
    assert f"  {project.root}/pages/migrations/0001_initial.py" in completed.stdout
    assert project.migration_names("pages") == ["0001_initial"]


def test_settings_option_names_the_file(tmp_path, project):
    project.models("pages", "class Article(models.Model):\n    pass\n")
    out, err = io.StringIO(), io.StringIO()

    code = main(
        ["makemigrations", "--settings", str(project.root / "pyproject.toml")],
        cwd=tmp_path,
        stdout=out,
        stderr=err,
    )

    assert code == 0, err.getvalue()
    assert project.migration_names("pages") == ["0001_initial"]


def test_app_that_cannot_be_imported_is_reported(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.dbshift]\napps = ["missing_app_xyz"]\n')
    out, err = io.StringIO(), io.StringIO()

    code = main(["makemigrations"], cwd=tmp_path, stdout=out, stderr=err)

    assert code == 1
    assert "no module named 'missing_app_xyz'" in err.getvalue()
    assert "Check 'apps' in the settings" in err.getvalue()


def test_two_apps_with_one_label_are_refused(tmp_path):
    for package in ("a/pages", "b/pages"):
        write(tmp_path / package / "__init__.py", "")
    write(tmp_path / "a" / "__init__.py", "")
    write(tmp_path / "b" / "__init__.py", "")
    write(tmp_path / "pyproject.toml", '[tool.dbshift]\napps = ["a.pages", "b.pages"]\n')
    out, err = io.StringIO(), io.StringIO()

    code = main(["makemigrations"], cwd=tmp_path, stdout=out, stderr=err)

    assert code == 1
    assert "both have label 'pages'" in err.getvalue()


# -- The URLs connect ------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_every_postgresql_scheme_connects(tmp_path, pg_url, scheme):
    rest = pg_url.partition("://")[2]
    settings = write(
        tmp_path / "pyproject.toml", f'[tool.dbshift]\napps = []\ndatabase = "{scheme}://{rest}"\n'
    )
    database = Database(load_settings(settings, environ={}).database_url())

    try:
        with database.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        database.dispose()
    assert database.vendor == "postgresql"


def test_sqlite_database_file_is_made_beside_the_settings(tmp_path, monkeypatch):
    settings = write(
        tmp_path / "proj" / "pyproject.toml",
        '[tool.dbshift]\napps = []\ndatabase = "sqlite:///db.sqlite3"\n',
    )
    monkeypatch.chdir(tmp_path)
    database = Database(load_settings(settings, environ={}).database_url())

    try:
        with database.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x integer)")
    finally:
        database.dispose()

    assert (tmp_path / "proj" / "db.sqlite3").is_file()
    assert not (tmp_path / "db.sqlite3").exists()


def test_connection_failure_does_not_show_the_password():
    database = Database(normalize_url("postgres://app:s3cret@127.0.0.1:1/app", Path("/")))

    with pytest.raises(DatabaseConnectionError) as caught, database.connect():
        pass

    assert "Cannot connect to database 'default'" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    assert "***" in str(caught.value)


def test_an_unknown_key_is_refused_with_the_closest_name(tmp_path, project):
    settings = write(
        tmp_path / "pyproject.toml",
        '[tool.dbshift]\napps = ["pages"]\ndatabse = "postgresql://db.example/prod"\n',
    )
    with pytest.raises(ConfigurationError) as raised:
        load_settings(settings, environ={})
    assert str(raised.value) == (
        f"Unknown setting 'databse' in {settings}; did you mean 'database'? dbshift reads "
        "'apps', 'database', 'databases', 'default_auto_field', 'lock_retries', 'lock_timeout', "
        "'safe_postgres', 'statement_timeout', 'swappable_models'."
    )

    project.write("pyproject.toml", '[tool.dbshift]\napps = ["pages"]\ncolour = "blue"\n')
    result = project.run("migrate")
    assert result.code == 1
    assert result.stderr == (
        f"Error: Unknown setting 'colour' in {project.root / 'pyproject.toml'}; dbshift reads "
        "'apps', 'database', 'databases', 'default_auto_field', 'lock_retries', 'lock_timeout', "
        "'safe_postgres', 'statement_timeout', 'swappable_models'.\n"
    )
    assert not (project.root / "db.sqlite3").exists()


def test_an_unknown_key_of_an_app_entry_is_refused_with_the_closest_name(tmp_path):
    settings = write(
        tmp_path / "pyproject.toml",
        '[tool.dbshift]\napps = [{ name = "shop.orders", lable = "orders" }]\n',
    )
    with pytest.raises(ConfigurationError) as raised:
        load_settings(settings, environ={})
    assert str(raised.value) == (
        f"Unknown setting 'lable' of app 'shop.orders' in {settings}; did you mean 'label'? "
        "dbshift reads 'default_auto_field', 'label', 'models', 'name', 'tables'."
    )
