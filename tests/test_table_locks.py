"""Time-boxed table locks on PostgreSQL, against a real session that holds the table."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import ProjectDir, run_sql
from tests.test_lint import BOOK, write_migration

ADD_ISBN = (
    '        migrations.AddField("Book", "isbn", models.CharField(max_length=20, null=True)),'
)


def shop(make_project, url: str, settings: str = "", extra: str = "") -> ProjectDir:
    project = make_project(("shop",), database=url)
    project.models("shop", "")
    path = project.root / "pyproject.toml"
    path.write_text(path.read_text() + settings)
    write_migration(project, "0001_initial", BOOK, None)
    write_migration(project, "0002_isbn", ADD_ISBN, "0001_initial", extra)
    assert project.run("migrate", "shop", "0001").code == 0
    return project


def book_columns(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sorted(column["name"] for column in sa.inspect(engine).get_columns("shop_book"))
    finally:
        engine.dispose()


def applied(url: str) -> list[str]:
    return [row[0] for row in run_sql(url, "SELECT name FROM dbshift_migrations ORDER BY id")]


def migrate_while_read(project: ProjectDir, url: str, *arguments: str):
    """Run migrate while another session reads shop_book in an open transaction."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as reader:
            reader.exec_driver_sql("SELECT count(*) FROM shop_book")
            pid = reader.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            result = project.run("migrate", *arguments)
            reader.rollback()
    finally:
        engine.dispose()
    return pid, result


def test_a_held_table_makes_migrate_retry_then_name_the_holder(make_project, pg_url):
    project = shop(make_project, pg_url, "lock_timeout = 1\nlock_retries = 2\n")
    pid, result = migrate_while_read(project, pg_url)
    assert result.code == 1
    message = result.stderr
    assert "Applying shop.0002_isbn failed at operation 'Add field isbn to Book'" in message
    assert "waited more than 1 s (lock_timeout) for a table lock, 3 time(s)" in message
    assert "nothing of it is applied" in message
    assert f"pid {pid} (idle in transaction), last query: SELECT pg_backend_pid()" in message
    assert "Traceback" not in result.output
    assert book_columns(pg_url) == ["id", "n", "title"]
    assert applied(pg_url) == ["0001_initial"]
    # Once the reader is gone, the same command applies it.
    assert project.run("migrate").code == 0
    assert book_columns(pg_url) == ["id", "isbn", "n", "title"]


def test_lock_wait_and_the_migration_attribute_set_the_timeout(make_project, pg_url):
    project = shop(make_project, pg_url, "lock_retries = 0\n")
    _, result = migrate_while_read(project, pg_url, "--lock-wait", "0.5")
    assert result.code == 1
    assert "waited more than 0.5 s (lock_timeout) for a table lock, 1 time(s)" in result.stderr
    write_migration(project, "0002_isbn", ADD_ISBN, "0001_initial", "    lock_timeout = 0.2\n")
    _, result = migrate_while_read(project, pg_url, "--lock-wait", "0.5")
    assert "waited more than 0.2 s (lock_timeout)" in result.stderr
    assert applied(pg_url) == ["0001_initial"]


def test_statement_timeout_stops_a_long_statement_and_rolls_back(make_project, pg_url):
    project = shop(make_project, pg_url, "statement_timeout = 0.5\n")
    slow = ADD_ISBN + "\n        migrations.RunSQL('SELECT pg_sleep(3)', migrations.RunSQL.noop),"
    write_migration(project, "0002_isbn", slow, "0001_initial")
    result = project.run("migrate")
    assert result.code == 1
    assert "canceling statement due to statement timeout" in result.stderr
    assert "The migration was rolled back" in result.stderr
    assert book_columns(pg_url) == ["id", "n", "title"]
    assert applied(pg_url) == ["0001_initial"]


def test_sqlmigrate_shows_the_limits_migrate_sets(make_project, db_url):
    project = shop(make_project, db_url, "lock_timeout = 2\nstatement_timeout = 30\n")
    lines = project.run("sqlmigrate", "shop", "0002").stdout.splitlines()
    limits = ["SET LOCAL lock_timeout = 2000;", "SET LOCAL statement_timeout = 30000;"]
    if db_url.startswith("postgresql"):
        assert lines[lines.index("BEGIN;") + 1 :][:2] == limits
    else:
        assert not [line for line in lines if line.startswith("SET LOCAL")]
