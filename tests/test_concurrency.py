"""Several ``migrate`` processes on one database, and the lock they share.

Every process is a real ``python -m dbshift migrate`` started at the same time
on the same long history. They must all succeed, each migration must be applied
by exactly one of them, and the schema must be the one a single run builds and
the one tests/expectations.py writes out for the models.
``DBSHIFT_CONCURRENT_RUNS`` and ``DBSHIFT_HISTORY_LENGTH`` change the defaults
(8 processes, 200 migrations).
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from dbshift.backends.database import MIGRATION_LOCK_KEY
from tests.expectations import assert_database_matches
from tests.helpers import process_env
from tests.history import project_with_history, read_schema, recorded_rows
from tests.postgres import fresh_database

RUNS = int(os.environ.get("DBSHIFT_CONCURRENT_RUNS", "8"))
LENGTH = int(os.environ.get("DBSHIFT_HISTORY_LENGTH", "200"))
APPLIED_LINE = re.compile(r"Applying (\S+)\.\.\. (OK|SKIPPED)")

_clean_schemas: dict[tuple[str, int], object] = {}


@contextlib.contextmanager
def other_database(url: str, server: str | None, tmp_path) -> Iterator[str]:
    """Yield an empty database of the same kind as ``url``."""
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'clean.sqlite3'}"
    else:
        assert server is not None
        with fresh_database(server) as clean:
            yield clean


def clean_schema(make_project, url: str, server: str | None, tmp_path, length: int):
    """Return the schema one ``migrate`` builds from the history, on an empty database."""
    vendor = sa.make_url(url).get_backend_name()
    if (vendor, length) not in _clean_schemas:
        with other_database(url, server, tmp_path) as clean:
            project = project_with_history(make_project, clean, length)
            result = project.run("migrate", "-v", "0")
            assert result.code == 0, result.output
            _clean_schemas[vendor, length] = read_schema(clean)
    return _clean_schemas[vendor, length]


def start_migrate(
    project, *arguments: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start ``python -m dbshift migrate`` in the project, with its output in pipes."""
    return subprocess.Popen(
        [sys.executable, "-m", "dbshift", "migrate", *arguments],
        cwd=project.root,
        env=process_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def server_of(request: pytest.FixtureRequest, url: str) -> str | None:
    return None if url.startswith("sqlite") else request.getfixturevalue("postgres_server")


def test_many_migrates_at_once_apply_each_migration_exactly_once(
    make_project, db_url, tmp_path, request
):
    project = project_with_history(make_project, db_url, LENGTH)
    # Import every file once, so that all processes start from the history index.
    assert project.run("migrate", "--plan", "-v", "0").code == 0

    processes = [start_migrate(project) for _ in range(RUNS)]
    results = [(process.wait(timeout=600), *process.communicate()) for process in processes]

    for code, stdout, stderr in results:
        assert code == 0, stdout + stderr
        assert "Traceback" not in stderr and "Error" not in stderr, stderr
    outcomes = collections.Counter()
    for _code, stdout, _stderr in results:
        for key, outcome in APPLIED_LINE.findall(stdout):
            outcomes[key, outcome] += 1
    applied_by_someone = [key for (key, outcome) in outcomes if outcome == "OK"]
    assert len(applied_by_someone) == LENGTH
    assert all(count == 1 for (_key, outcome), count in outcomes.items() if outcome == "OK")
    # The processes really ran side by side: some found migrations already applied.
    assert RUNS == 1 or any(outcome == "SKIPPED" for (_key, outcome) in outcomes)
    rows = recorded_rows(db_url)
    assert len(rows) == len(set(rows)) == LENGTH
    expected = clean_schema(make_project, db_url, server_of(request, db_url), tmp_path, LENGTH)
    assert read_schema(db_url) == expected
    assert_database_matches(db_url, project.project().models_state())


@contextlib.contextmanager
def holding_the_lock(url: str) -> Iterator[None]:
    """Hold the migration lock the way a running migration does, until the block ends."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY}
            )
            yield
    finally:
        engine.dispose()


def test_lock_timeout_gives_up_with_a_clear_message_and_changes_nothing(make_project, db_url):
    project = project_with_history(make_project, db_url, 5)

    with holding_the_lock(db_url):
        started = time.monotonic()
        result = project.run_process("migrate", "--lock-timeout", "1")
        waited = time.monotonic() - started

    assert result.code == 1, result.output
    assert "held the migration lock" in result.stderr
    assert "for more than 1 s" in result.stderr and "--lock-timeout" in result.stderr
    assert "Traceback" not in result.output
    assert 1 <= waited < 30
    assert recorded_rows(db_url) == []

    after = project.run_process("migrate", "--lock-timeout", "5")
    assert after.code == 0, after.output
    assert len(recorded_rows(db_url)) == 5


def test_a_waiting_migrate_goes_on_when_the_lock_is_released(make_project, db_url):
    project = project_with_history(make_project, db_url, 5)

    with holding_the_lock(db_url):
        waiting = start_migrate(project, "--lock-timeout", "60")
        time.sleep(1.5)
        assert waiting.poll() is None
    code = waiting.wait(timeout=60)

    stdout, stderr = waiting.communicate()
    assert code == 0, stdout + stderr
    assert len(recorded_rows(db_url)) == 5


def test_a_short_lock_timeout_is_enough_while_another_migrate_runs_a_long_plan(
    make_project, db_url
):
    """Each wait is for one migration of the other process, not for its whole plan."""
    project = project_with_history(make_project, db_url, LENGTH)
    assert project.run("migrate", "--plan", "-v", "0").code == 0
    first = start_migrate(project)
    assert first.stdout.readline()  # "Operations to perform:": it is under way
    second = start_migrate(project, "--lock-timeout", "2")
    results = [(process.wait(timeout=600), *process.communicate()) for process in (first, second)]

    for code, stdout, stderr in results:
        assert code == 0, stdout + stderr
    assert len(recorded_rows(db_url)) == LENGTH
