"""Several ``migrate`` processes on one database, and the lock they share.

Every process is a real ``python -m dbshift migrate`` started at the same time
on the same long history. They must all succeed, each migration must be applied
by exactly one of them, and the schema must be the one a single run builds and
the one tests/expectations.py writes out for the models. Processes going opposite
ways (``migrate`` and ``migrate shop zero``) may stop, with one message, but must
leave a consistent history whatever the interleaving.
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

from dbshift.actions.migrate import MigrationSession
from dbshift.backends.vendors.mysql import lock_name
from dbshift.backends.vendors.postgresql import MIGRATION_LOCK_KEY
from dbshift.exceptions import ConcurrentMigrationError
from tests.expectations import assert_database_matches
from tests.helpers import process_env
from tests.history import (
    project_with_history,
    read_schema,
    recorded_rows,
    schema_at_recorded_boundary,
)
from tests.test_squash_files import INITIAL

RUNS = int(os.environ.get("DBSHIFT_CONCURRENT_RUNS", "8"))
LENGTH = int(os.environ.get("DBSHIFT_HISTORY_LENGTH", "200"))
APPLIED_LINE = re.compile(r"Applying (\S+)\.\.\. (OK|SKIPPED)")

_clean_schemas: dict[tuple[str, int], object] = {}


def clean_schema(make_project, url: str, another_database, length: int):
    """Return the schema one ``migrate`` builds from the history, on an empty database."""
    vendor = sa.make_url(url).get_backend_name()
    if (vendor, length) not in _clean_schemas:
        with another_database(url) as clean:
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


def test_many_migrates_at_once_apply_each_migration_exactly_once(
    make_project, db_url, another_database
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
    expected = clean_schema(make_project, db_url, another_database, LENGTH)
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
            if url.startswith("mysql"):
                name = lock_name(sa.make_url(url).database)
                connection.execute(sa.text("SELECT GET_LOCK(:name, 10)"), {"name": name})
            else:
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


# -- Forward and backward at once ---------------------------------------------------------

#: What a ``migrate`` says when another process moved the history the other way.
CONCURRENT_CHANGE = "while this migrate ran"


def assert_consistent_history(project, url: str) -> None:
    """Assert that every recorded migration's dependencies are recorded too, and that
    the tables are those of exactly the recorded migrations."""
    rows = recorded_rows(url)
    recorded = set(rows)
    assert len(rows) == len(recorded)
    graph = project.project().loader(rows).graph
    orphans = [
        (key, parent) for key in sorted(recorded) for parent in graph.parents[key]
        if parent not in recorded
    ]  # fmt: skip
    assert orphans == [], f"recorded before their dependencies: {orphans}"
    actual, expected = schema_at_recorded_boundary(project, url)
    assert actual == expected


def assert_succeeded_or_stopped_cleanly(process: subprocess.Popen[str]) -> str:
    """Wait for ``process``; assert it succeeded or stopped on the other one's change."""
    code = process.wait(timeout=600)
    stdout, stderr = process.communicate()
    assert "Traceback" not in stderr, stderr
    if code == 0:
        assert "Error" not in stderr, stderr
        return "succeeded"
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert code == 1 and len(errors) == 1, stdout + stderr
    assert CONCURRENT_CHANGE in errors[0], stdout + stderr
    return "stopped"


def race_forward_and_zero(make_project, url: str, length: int, rounds: int) -> None:
    """Run two ``migrate`` and two ``migrate shop zero`` at once, ``rounds`` times.

    Each round starts from a different point of shop's history, so that both
    directions have work to do, and the four processes start together.
    """
    project = project_with_history(make_project, url, length)
    assert project.run("migrate", "--plan", "-v", "0").code == 0
    shop = project.migration_names("shop")
    for number in range(rounds):
        start = shop[(len(shop) // 3 + 5 * number) % len(shop)]
        prepared = project.run("migrate", "shop", start, "-v", "0")
        assert prepared.code == 0, prepared.output
        commands = [(), ("shop", "zero")] * 2
        if number % 2:
            commands.reverse()
        processes = [start_migrate(project, *command) for command in commands]
        for process in processes:
            assert_succeeded_or_stopped_cleanly(process)
        assert_consistent_history(project, url)
    final = project.run("migrate", "-v", "0")
    assert final.code == 0, final.output
    assert_consistent_history(project, url)


def test_migrate_and_migrate_zero_at_once_keep_the_history_consistent(make_project, db_url):
    race_forward_and_zero(make_project, db_url, length=40, rounds=2)


@pytest.mark.slow
def test_migrate_and_migrate_zero_at_once_for_many_rounds(make_project, db_url):
    race_forward_and_zero(make_project, db_url, length=LENGTH // 2, rounds=8)


# A plan made before another process moved the history, run after it: the same
# interleaving as above, but in a fixed order.

ADD_FIELD = """
from dbshift import migrations, models


def check(apps, editor):
    if {fail}:
        raise RuntimeError("stop half-way")


class Migration(migrations.Migration):
    atomic = {atomic}
    dependencies = [("pages", "{parent}")]
    operations = [
        migrations.AddField("article", "{field}", models.IntegerField(default=0)),
        migrations.RunPython(check, migrations.RunPython.noop),
    ]
"""


def three_migrations(make_project, url: str, atomic: bool = True, fail: bool = False):
    """Return a project whose pages app has 0001_initial, 0002_rank and 0003_score."""
    project = make_project(database=url)
    project.write("pages/migrations/0001_initial.py", INITIAL)
    rank = ADD_FIELD.format(parent="0001_initial", field="rank", atomic=atomic, fail=fail)
    project.write("pages/migrations/0002_rank.py", rank)
    score = ADD_FIELD.format(parent="0002_rank", field="score", atomic=True, fail=False)
    project.write("pages/migrations/0003_score.py", score)
    return project


def run_stale_plan(project, target: tuple[str, ...], meanwhile: tuple[str, ...]) -> str:
    """Plan ``migrate *target``, let another run do ``migrate *meanwhile``, then run the plan.

    Return the message the stale plan stopped with.
    """
    with MigrationSession(project.project()) as session:
        steps = session.plan(session.targets(*target))
        assert steps
        project.run("migrate", *meanwhile)
        with pytest.raises(ConcurrentMigrationError) as raised:
            session.run(steps)
    return str(raised.value)


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "non-atomic"])
def test_a_stale_forward_plan_stops_when_its_dependency_was_unapplied(make_project, db_url, atomic):
    project = three_migrations(make_project, db_url, atomic=atomic)
    assert project.run("migrate", "pages", "0001").code == 0

    message = run_stale_plan(project, (), ("pages", "zero"))

    assert message.startswith(
        "Stopped before applying pages.0002_rank: another process unapplied "
        "pages.0001_initial, which it depends on, while this migrate ran."
    )
    assert recorded_rows(db_url) == []
    assert_consistent_history(project, db_url)
    assert project.run("migrate").code == 0
    assert_consistent_history(project, db_url)


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "non-atomic"])
def test_a_stale_zero_plan_stops_when_a_dependent_was_applied(make_project, db_url, atomic):
    project = three_migrations(make_project, db_url, atomic=atomic)
    assert project.run("migrate", "pages", "0002").code == 0

    message = run_stale_plan(project, ("pages", "zero"), ())

    assert message.startswith(
        "Stopped before unapplying pages.0002_rank: another process applied "
        "pages.0003_score, which depends on it, while this migrate ran."
    )
    assert len(recorded_rows(db_url)) == 3
    assert_consistent_history(project, db_url)


def test_a_stale_zero_plan_stops_at_a_dependent_left_half_applied(make_project, db_url):
    project = three_migrations(make_project, db_url, atomic=False, fail=True)
    assert project.run("migrate", "pages", "0001").code == 0

    with MigrationSession(project.project()) as session:
        steps = session.plan(session.targets("pages", "zero"))
        stopped = project.run("migrate")
        assert stopped.code == 1 and "stop half-way" in stopped.stderr
        with pytest.raises(ConcurrentMigrationError) as raised:
            session.run(steps)

    assert str(raised.value).startswith(
        "Stopped before unapplying pages.0001_initial: another process is part-way through "
        "pages.0002_rank, which depends on it, while this migrate ran."
    )
    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    assert "rank" in {column.name for column in read_schema(db_url)["pages_article"].columns}
