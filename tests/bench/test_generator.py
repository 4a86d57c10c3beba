"""The benchmark's history generator: deterministic, and its three flavours agree.

The flavours are checked by the tools themselves: Django's and dbshift's
``makemigrations --check`` find nothing missing, Django's and dbshift's ``migrate`` and
Alembic's ``upgrade head`` build the same tables, columns, indexes and foreign keys on
SQLite, PostgreSQL and MariaDB,
``alembic check`` finds the chain at one with the final metadata, and
``downgrade base`` undoes it all.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import history as h
from bench.projects import TOOLS, write_flavor
from bench.write_django import IMPORTS
from tests import mariadb
from tests.helpers import process_env
from tests.postgres import fresh_database

pytest.importorskip("django", reason="the benchmark's extra (pip install -e '.[bench]')")
pytest.importorskip("alembic", reason="the benchmark's extra (pip install -e '.[bench]')")

# Small, but long enough that every kind of operation and cross-app keys occur.
APPS, PER_APP, SEED = 3, 8, 1


@pytest.fixture(scope="module")
def history() -> h.History:
    return h.generate(APPS, PER_APP, SEED)


@pytest.fixture(scope="module")
def project(history: h.History, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    for tool in TOOLS:
        write_flavor(history, tool, root / tool)
    return root


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def run(argv: list[str], cwd: Path, database_url: str) -> subprocess.CompletedProcess:
    env = process_env({"BENCH_DATABASE_URL": database_url, "DATABASE_URL": database_url})
    completed = subprocess.run(
        [sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


BOOKKEEPING = (
    "django_migrations",
    "dbshift_migrations",
    "dbshift_migration_progress",
    "alembic_version",
)


def schema(url: str) -> dict[str, tuple]:
    """Return each table's columns (name, nullability, type) and named indexes."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        inspector = sa.inspect(engine)
        postgres = engine.dialect.name == "postgresql"
        tables = {}
        for table in inspector.get_table_names():
            # Each tool's bookkeeping; dbshift keeps progress where DDL commits by itself.
            if table in BOOKKEEPING:
                continue
            columns = sorted(
                (c["name"], c["nullable"], str(c["type"]) if postgres else "")
                for c in inspector.get_columns(table)
                if c["name"] != "id"
            )
            indexes = sorted(
                (i["name"], tuple(i["column_names"]))
                for i in inspector.get_indexes(table)
                if i["name"].startswith("ix_") and not i["name"].startswith(f"ix_{table}_")
            )
            foreign_keys = sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            )
            tables[table] = (columns, indexes, foreign_keys)
        return tables
    finally:
        engine.dispose()


def test_same_seed_same_history_and_files(history: h.History, project: Path, tmp_path: Path):
    again = h.generate(APPS, PER_APP, SEED)
    assert again.migrations == history.migrations
    assert again.schema == history.schema
    for tool in TOOLS:
        write_flavor(again, tool, tmp_path / tool)
        assert files(tmp_path / tool) == files(project / tool)
    assert h.generate(APPS, PER_APP, SEED + 1).migrations != history.migrations


def test_history_covers_every_operation_and_cross_app_keys(history: h.History):
    kinds = {type(op) for migration in history.migrations for op in migration.operations}
    assert kinds == {
        h.CreateModel,
        h.AddField,
        h.AlterField,
        h.RenameField,
        h.RemoveField,
        h.AddIndex,
    }
    assert len(history.migrations) == APPS * PER_APP
    assert any(
        app != migration.app
        for migration in history.migrations
        for app, _ in migration.dependencies
    )


def test_flavours_differ_only_in_import_lines(project: Path):
    dbshift, django = files(project / "dbshift"), files(project / "django")
    imports = {line for pair in IMPORTS.values() for line in pair}
    compared = 0
    for name, text in dbshift.items():
        if name.endswith(".py"):
            theirs = django[name].splitlines()
            for mine, other in zip(text.splitlines(), theirs, strict=True):
                assert mine == other or {mine, other} <= imports, (name, mine, other)
            compared += 1
    assert compared == APPS * (PER_APP + 3)  # migrations, models.py, two __init__.py


def test_makemigrations_check_finds_nothing_missing(project: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    django = run(["manage.py", "makemigrations", "--check"], project / "django", url)
    assert "No changes detected" in django.stdout
    dbshift = run(["-m", "dbshift", "makemigrations", "--check"], project / "dbshift", url)
    assert "No changes detected" in dbshift.stdout


def check_flavours_agree(project: Path, urls: dict[str, str]) -> None:
    """Migrate each flavour to its database: the same schema, and Alembic's undoes."""
    run(["manage.py", "migrate"], project / "django", urls["django"])
    run(["-m", "dbshift", "migrate"], project / "dbshift", urls["dbshift"])
    run(["-m", "alembic", "upgrade", "head"], project / "alembic", urls["alembic"])
    built = schema(urls["django"])
    assert len(built) == sum(
        len(models) for models in h.generate(APPS, PER_APP, SEED).schema.values()
    )
    assert schema(urls["dbshift"]) == built
    assert schema(urls["alembic"]) == built
    check = run(["-m", "alembic", "check"], project / "alembic", urls["alembic"])
    assert "No new upgrade operations detected" in check.stdout
    run(["-m", "alembic", "downgrade", "base"], project / "alembic", urls["alembic"])
    assert schema(urls["alembic"]) == {}


def test_flavours_build_the_same_schema_on_sqlite(project: Path, tmp_path: Path):
    check_flavours_agree(project, {tool: f"sqlite:///{tmp_path / tool}.sqlite3" for tool in TOOLS})


def test_flavours_build_the_same_schema_on_postgresql(project: Path, postgres_server: str):
    with contextlib.ExitStack() as stack:
        urls = {tool: stack.enter_context(fresh_database(postgres_server)) for tool in TOOLS}
        check_flavours_agree(project, urls)


def test_flavours_build_the_same_schema_on_mariadb(project: Path, mariadb_server: str):
    with contextlib.ExitStack() as stack:
        urls = {tool: stack.enter_context(mariadb.fresh_database(mariadb_server)) for tool in TOOLS}
        check_flavours_agree(project, urls)
