"""``migrate`` killed or failing half-way leaves the database at a migration boundary.

A migration and its recorder row are one transaction, so after a SIGKILL every
recorded migration is fully applied and nothing else is: the schema read with
plain SQL equals the one tests/expectations.py writes out for the recorded
migrations. Run an operation at a time (``migrate --stepwise``), the boundary is
an operation's: the recorded migrations and the operations the progress row
counts. Where DDL commits by itself (MariaDB) an operation may also be cut between
its statements or left unrecorded: there each kill is followed by a ``migrate``
that must end as an uninterrupted run does. The next ``migrate`` finishes the
plan, and no lock of the dead process stands in its way. ``DBSHIFT_KILL_ROUNDS``
sets how many kills land on a running process per database (default 15).
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
import sqlalchemy as sa

from dbshift.migrations.recorder import PROGRESS_TABLE_NAME, TABLE_NAME
from dbshift.migrations.state import ProjectState
from tests.expectations import assert_database_matches, expected_structure
from tests.helpers import ProjectDir
from tests.history import (
    project_with_history,
    read_schema,
    recorded_rows,
    schema_at_recorded_boundary,
)
from tests.structure import read_structure, vendor_of
from tests.test_concurrency import LENGTH, clean_schema, ddl_rolls_back, start_migrate

KILL_ROUNDS = int(os.environ.get("DBSHIFT_KILL_ROUNDS", "15"))


def assert_at_boundary(project: ProjectDir, url: str) -> int:
    """Assert the database holds exactly its recorded migrations; return how many."""
    rows = recorded_rows(url)
    assert len(rows) == len(set(rows)), "a migration was recorded twice"
    project.project().loader(rows).check_consistent_history(rows)
    actual, expected = schema_at_recorded_boundary(project, url)
    assert sorted(actual) == sorted(expected)
    for name, table in expected.items():
        assert actual[name] == table, name
    return len(rows)


def progress_rows(url: str) -> list[tuple[str, str, str, int]]:
    """Return the (app, name, direction, done) rows of the progress table."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(PROGRESS_TABLE_NAME):
                return []
            query = f"SELECT app, name, direction, done FROM {PROGRESS_TABLE_NAME}"
            return [tuple(row) for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


def assert_recorded_history_whole(project: ProjectDir, url: str) -> list[tuple[str, str]]:
    """Assert no migration is recorded twice or without what it depends on; return the rows."""
    rows = recorded_rows(url)
    assert len(rows) == len(set(rows)), "a migration was recorded twice"
    project.project().loader(rows).check_consistent_history(rows)
    assert len(progress_rows(url)) <= 1
    return rows


def assert_at_operation_boundary(project: ProjectDir, url: str) -> int:
    """Assert the database holds its recorded migrations and the operations its progress
    row counts, and nothing else; return how many migrations are recorded."""
    rows = assert_recorded_history_whole(project, url)
    loader = project.project().loader(rows)
    state = loader.project_state(rows).clone() if rows else ProjectState()
    for app_label, name, direction, done in progress_rows(url):
        assert direction == "forwards"
        for operation in loader.graph.node((app_label, name)).operations[:done]:
            operation.state_forwards(app_label, state)
    actual, expected = read_structure(url), expected_structure(state, vendor_of(url))
    assert sorted(actual) == sorted(expected)
    for name, table in expected.items():
        assert actual[name] == table, name
    return len(rows)


def wait_for_output(process, marker: bytes, timeout: float = 30, count: int = 1) -> bool:
    """Read the process's stdout until ``marker`` showed ``count`` times; return False if it
    ended first."""
    seen = b""
    deadline = time.monotonic() + timeout
    fd = process.stdout.fileno()
    while seen.count(marker) < count and time.monotonic() < deadline:
        chunk = os.read(fd, 4096)
        if not chunk:
            return False
        seen += chunk
    return seen.count(marker) >= count


def kill_if_running(process) -> bool:
    """SIGKILL ``process`` unless it ended; wait for it; return whether it was killed."""
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    process.stderr.close()
    return killed


def reset_database(url: str) -> None:
    """Empty the database, so that a new round of kills starts from scratch."""
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            if url.startswith("mysql"):
                name = sa.make_url(url).database
                connection.exec_driver_sql(f"DROP DATABASE `{name}`")
                connection.exec_driver_sql(f"CREATE DATABASE `{name}`")
            else:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "options",
    [(), pytest.param(("--stepwise",), marks=pytest.mark.slow)],
    ids=["as-written", "stepwise"],
)
def test_sigkill_at_random_moments_always_leaves_a_migration_boundary(
    make_project, db_url, another_database, options
):
    if not ddl_rolls_back(db_url):
        pytest.skip("DDL commits by itself here: see the test after this one")
    project = project_with_history(make_project, db_url, LENGTH)
    assert project.run("migrate", "--plan", "-v", "0").code == 0
    chooser = random.Random(int(os.environ.get("DBSHIFT_KILL_SEED", "20261125")))
    kills = attempts = 0
    while kills < KILL_ROUNDS:
        attempts += 1
        assert attempts < KILL_ROUNDS * 4, "the processes kept finishing before the kill"
        process = start_migrate(project, "--lock-timeout", "20", *options)
        if chooser.random() < 0.2:
            # Anywhere from start-up to the first migrations.
            time.sleep(chooser.uniform(0, 0.8))
        elif wait_for_output(process, b"Applying"):
            time.sleep(chooser.uniform(0, 0.25))
        kills += kill_if_running(process)
        done = assert_at_operation_boundary(project, db_url)
        if done == LENGTH:
            reset_database(db_url)

    result = project.run_process("migrate", "--lock-timeout", "20", *options)
    assert result.code == 0, result.output
    assert assert_at_boundary(project, db_url) == LENGTH
    assert progress_rows(db_url) == []
    expected = clean_schema(make_project, db_url, another_database, LENGTH)
    assert read_schema(db_url) == expected
    assert_database_matches(db_url, project.project().models_state())


@pytest.mark.slow
def test_each_kill_where_ddl_commits_by_itself_is_followed_by_a_migrate_that_ends_it(
    make_project, db_url, another_database
):
    """Kills anywhere in the history, each followed by a migrate that must end as an
    uninterrupted run: the same schema and the same recorder rows."""
    if ddl_rolls_back(db_url):
        pytest.skip("a rollback undoes DDL here: see the test before this one")
    project = project_with_history(make_project, db_url, LENGTH)
    assert project.run("migrate", "--plan", "-v", "0").code == 0
    expected = clean_schema(make_project, db_url, another_database, LENGTH)
    chooser = random.Random(int(os.environ.get("DBSHIFT_KILL_SEED", "20261125")))
    kills = attempts = 0
    while kills < KILL_ROUNDS:
        attempts += 1
        assert attempts < KILL_ROUNDS * 4, "the processes kept finishing before the kill"
        reset_database(db_url)
        process = start_migrate(project, "--lock-timeout", "20")
        if wait_for_output(process, b"Applying", 120, chooser.randint(1, LENGTH)):
            time.sleep(chooser.uniform(0, 0.1))
        if not kill_if_running(process):
            continue
        kills += 1
        assert_recorded_history_whole(project, db_url)

        result = project.run_process("migrate", "--lock-timeout", "20")

        assert result.code == 0, result.output
        rows = recorded_rows(db_url)
        assert len(rows) == len(set(rows)) == LENGTH
        assert progress_rows(db_url) == []
        assert read_schema(db_url) == expected
    assert_database_matches(db_url, project.project().models_state())


HANGING = """
import os
import time
from pathlib import Path

from dbshift import migrations, models


class Hang(migrations.Operation):
    \"\"\"Wait (when the test asks) inside the migration's transaction.\"\"\"

    reduces_to_sql = False

    def deconstruct(self):
        return ("Hang", {})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, editor, from_state, to_state):
        marker = os.environ.get("DBSHIFT_TEST_HANG")
        if marker:
            Path(marker).write_text("inside")
            time.sleep(120)

    def database_backwards(self, app_label, editor, from_state, to_state):
        pass

    def describe(self):
        return "Wait for the test"


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [
        migrations.AddField("article", "rank", models.IntegerField(default=0)),
        migrations.AlterField("article", "title", models.CharField(max_length=80)),
        Hang(),
        migrations.AddIndex("article", models.Index(fields=["rank"], name="article_rank")),
    ]
"""

ARTICLE = """
class Article(models.Model):
    title = models.CharField(max_length=80)
    rank = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["rank"], name="article_rank")]
"""


def test_a_kill_in_the_middle_of_a_migration_undoes_its_first_operations(
    make_project, db_url, tmp_path
):
    project = make_project(database=db_url)
    project.models(
        "pages", "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
    )
    assert project.run("makemigrations").code == 0
    project.write("pages/migrations/0002_hang.py", HANGING)
    project.models("pages", ARTICLE)
    marker = tmp_path / "inside"

    process = start_migrate(project, env={"DBSHIFT_TEST_HANG": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # The column was added and the table rebuilt in this very transaction.
    assert kill_if_running(process)

    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    assert assert_at_operation_boundary(project, db_url) == 1
    columns = {column.name for column in read_schema(db_url)["pages_article"].columns}
    if ddl_rolls_back(db_url):
        assert "rank" not in columns
        assert progress_rows(db_url) == []
    else:
        # Each operation and its progress commit on their own: the first two stay.
        assert "rank" in columns
        assert progress_rows(db_url) == [("pages", "0002_hang", "forwards", 2)]

    # No lock of the dead process is left: a short timeout is enough.
    result = project.run_process("migrate", "--lock-timeout", "3")
    assert result.code == 0, result.output
    if not ddl_rolls_back(db_url):
        assert "Resuming pages.0002_hang at operation 3 of 4: Wait for the test" in result.stdout
    assert "Applying pages.0002_hang... OK" in result.stdout
    assert assert_at_boundary(project, db_url) == 2
    assert project.run("check", "--fail-level", "warning").code == 0


RAISING = """
from dbshift import migrations, models


class Explode(migrations.Operation):
    def deconstruct(self):
        return ("Explode", {})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, editor, from_state, to_state):
        raise RuntimeError("the data is not what this code expects")

    def describe(self):
        return "Check the data"


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [
        migrations.AddField("article", "rank", models.IntegerField(default=0)),
        migrations.AlterField("article", "title", models.CharField(max_length=80)),
        Explode(),
        migrations.AddField("article", "score", models.IntegerField(default=0)),
    ]
"""


@pytest.mark.parametrize(
    ("source", "operation", "reason"),
    [
        (RAISING, "Check the data", "RuntimeError: the data is not what this code expects"),
        (
            RAISING.replace(
                "Explode(),",
                'migrations.RunSQL("UPDATE pages_article SET nothing = 1"),',
            ),
            "Raw SQL operation",
            "nothing",
        ),
    ],
    ids=["python-raises", "database-refuses"],
)
def test_a_migration_failing_half_way_is_rolled_back_entirely(
    make_project, db_url, source, operation, reason
):
    project = make_project(database=db_url)
    project.models(
        "pages", "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
    )
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    before = read_schema(db_url)
    project.write("pages/migrations/0002_broken.py", source)

    result = project.run_process("migrate")

    assert result.code == 1
    assert f"Applying pages.0002_broken failed at operation '{operation}'" in result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.output
    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    if ddl_rolls_back(db_url):
        assert "rolled back" in result.stderr
        assert read_schema(db_url) == before
    else:
        # An operation at a time: the two before the failing one stay, recorded as done.
        assert "(operation 3 of 4)" in result.stderr
        assert "the operations before this one stay done and recorded" in result.stderr
        assert progress_rows(db_url) == [("pages", "0002_broken", "forwards", 2)]
        assert assert_at_operation_boundary(project, db_url) == 1
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            assert sa.inspect(connection).has_table(TABLE_NAME)
    finally:
        engine.dispose()
