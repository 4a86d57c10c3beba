"""The operations that change a busy table without blocking it, on real databases."""

from __future__ import annotations

import subprocess
import sys
import time

import sqlalchemy as sa

from dbshift.actions.lint import lint_migrations
from tests.helpers import ProjectDir, process_env, run_sql
from tests.test_lint import BOOK, write_migration

PLAIN = """
        migrations.AddIndex("Book", models.Index(fields=["title"], name="t_idx")),
        migrations.AddConstraint(
            "Book", models.CheckConstraint(condition=models.Q(n__gte=0), name="n_pos")
        ),
        migrations.RemoveIndex("Book", "book_n_idx"),
"""

SAFE = """
        migrations.AddIndexConcurrently("Book", models.Index(fields=["title"], name="t_idx")),
        migrations.AddConstraintNotValid(
            "Book", models.CheckConstraint(condition=models.Q(n__gte=0), name="n_pos")
        ),
        migrations.ValidateConstraint("Book", "n_pos"),
        migrations.RemoveIndexConcurrently("Book", "book_n_idx"),
"""

NON_ATOMIC = "    atomic = False\n"


def shop(make_project, url: str, operations: str, extra: str = "") -> ProjectDir:
    project = make_project(("shop",), database=url)
    project.models("shop", "")
    write_migration(project, "0001_initial", BOOK, None)
    write_migration(project, "0002_change", operations, "0001_initial", extra)
    return project


def book_schema(url: str) -> tuple[list, list]:
    """Return the indexes and check constraints of shop_book, as the database lists them."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        indexes = sorted(
            (index["name"], index["column_names"]) for index in inspector.get_indexes("shop_book")
        )
        checks = sorted(check["name"] for check in inspector.get_check_constraints("shop_book"))
        return indexes, checks
    finally:
        engine.dispose()


def test_safe_forms_leave_the_schema_the_plain_forms_leave(make_project, db_url, twin_url):
    plain = shop(make_project, db_url, PLAIN)
    safe = shop(make_project, twin_url, SAFE, NON_ATOMIC)
    for project, url in ((plain, db_url), (safe, twin_url)):
        assert project.run("migrate", "shop", "0001").code == 0
        run_sql(url, "INSERT INTO shop_book (title, n) VALUES ('a', 1), ('b', 2)")
        result = project.run("migrate")
        assert result.code == 0, result.output
    expected = ([("t_idx", ["title"])], ["n_pos"])
    assert book_schema(db_url) == book_schema(twin_url) == expected
    if db_url.startswith("postgresql"):
        validated = "SELECT convalidated FROM pg_constraint WHERE conname = 'n_pos'"
        assert run_sql(twin_url, validated) == [(True,)]
    # Unapplied, the safe forms give back the schema they started from.
    result = safe.run("migrate", "shop", "0001")
    assert result.code == 0, result.output
    assert book_schema(twin_url) == ([("book_n_idx", ["n"])], [])


def test_the_safe_forms_pass_lint_and_the_sql_says_concurrently(make_project, pg_url):
    project = shop(make_project, pg_url, SAFE, NON_ATOMIC)
    assert lint_migrations(project.project(), "shop", "0002") == []
    sql = project.run("sqlmigrate", "shop", "0002").stdout
    assert "CREATE INDEX CONCURRENTLY t_idx ON shop_book (title);" in sql
    assert "ADD CONSTRAINT n_pos CHECK (n >= 0) NOT VALID;" in sql
    assert "ALTER TABLE shop_book VALIDATE CONSTRAINT n_pos;" in sql
    assert "DROP INDEX CONCURRENTLY IF EXISTS book_n_idx;" in sql
    assert "BEGIN;" not in sql


def test_concurrent_operations_refuse_an_atomic_migration(make_project, db_url):
    project = shop(make_project, db_url, SAFE)
    result = project.run("migrate")
    assert result.code == 1
    assert "Migration shop.0002_change: 'Concurrently create index t_idx" in result.stderr
    assert "cannot run inside a transaction; set atomic = False" in result.stderr
    assert "Traceback" not in result.output
    engine = sa.create_engine(db_url)
    try:
        assert "shop_book" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_an_interrupted_concurrent_build_is_rebuilt_on_resume(make_project, pg_url):
    """Cancel a CREATE INDEX CONCURRENTLY while it waits: its INVALID index stays behind."""
    project = shop(make_project, pg_url, SAFE, NON_ATOMIC)
    assert project.run("migrate", "shop", "0001").code == 0
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as blocker:
            # An open writing transaction: the build waits for it after creating its index.
            blocker.exec_driver_sql("INSERT INTO shop_book (title, n) VALUES ('a', 1)")
            migrate = subprocess.Popen(
                [sys.executable, "-m", "dbshift", "migrate"],
                cwd=project.root,
                env=process_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            pid = wait_for_query(pg_url, "CREATE INDEX CONCURRENTLY")
            run_sql(pg_url, f"SELECT pg_cancel_backend({pid})")
            _, stderr = migrate.communicate(timeout=60)
            assert migrate.returncode == 1
            assert "interrupted" in stderr or "canceling statement" in stderr, stderr
            blocker.rollback()
    finally:
        engine.dispose()
    invalid = "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_idx'::regclass"
    assert run_sql(pg_url, invalid) == [(False,)]
    resumed = project.run("migrate")
    assert resumed.code == 0, resumed.output
    assert run_sql(pg_url, invalid) == [(True,)]
    assert book_schema(pg_url) == ([("t_idx", ["title"])], ["n_pos"])
    recorded = "SELECT name FROM dbshift_migrations WHERE app = 'shop' ORDER BY id"
    assert run_sql(pg_url, recorded) == [("0001_initial",), ("0002_change",)]


def wait_for_query(url: str, start: str) -> int:
    """Return the pid of the session running a query that starts with ``start``, once it
    waits for a lock."""
    query = (
        f"SELECT pid FROM pg_stat_activity WHERE starts_with(query, '{start}') "
        "AND wait_event_type = 'Lock'"
    )
    for _ in range(600):
        rows = run_sql(url, query)
        if rows:
            return rows[0][0]
        time.sleep(0.1)
    raise AssertionError(f"no session ran {start} within a minute")


def test_writes_and_reads_go_on_while_an_index_builds_concurrently(make_project, pg_url):
    """Hold the build in its last phase with an old snapshot, and write to the table meanwhile."""
    add_index = SAFE.split("\n")[1]
    project = shop(make_project, pg_url, add_index, NON_ATOMIC)
    assert project.run("migrate", "shop", "0001").code == 0
    run_sql(
        pg_url,
        "INSERT INTO shop_book (title, n) SELECT 'book ' || i, i FROM generate_series(1, 100000) i",
    )
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as holder:
            holder.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            holder.exec_driver_sql("SELECT count(*) FROM dbshift_migrations")
            migrate = subprocess.Popen(
                [sys.executable, "-m", "dbshift", "migrate"],
                cwd=project.root,
                env=process_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            pid = wait_for_query(pg_url, "CREATE INDEX CONCURRENTLY")
            with engine.begin() as writer:
                # Bounded, so that a write queued behind the build fails the test.
                writer.exec_driver_sql("SET LOCAL statement_timeout = 10000")
                writer.exec_driver_sql("INSERT INTO shop_book (title, n) VALUES ('new', -1)")
                read = writer.exec_driver_sql("SELECT count(*) FROM shop_book").scalar()
            assert read == 100001
            still = (
                "SELECT starts_with(query, 'CREATE INDEX CONCURRENTLY') "
                f"FROM pg_stat_activity WHERE pid = {pid}"
            )
            assert run_sql(pg_url, still) == [(True,)]
            holder.rollback()
            _, stderr = migrate.communicate(timeout=120)
            assert migrate.returncode == 0, stderr
    finally:
        engine.dispose()
    valid = "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_idx'::regclass"
    assert run_sql(pg_url, valid) == [(True,)]
