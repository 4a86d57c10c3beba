"""``migrate`` killed or failing half-way leaves the database at a migration boundary.

A migration and its recorder row are one transaction, so after a SIGKILL every
recorded migration is fully applied and nothing else is: the schema read with
plain SQL equals the one tests/expectations.py writes out for the recorded
migrations. The next ``migrate`` finishes the
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

from dbshift.migrations.recorder import TABLE_NAME
from tests.expectations import assert_database_matches
from tests.helpers import ProjectDir
from tests.history import (
    project_with_history,
    read_schema,
    recorded_rows,
    schema_at_recorded_boundary,
)
from tests.test_concurrency import LENGTH, clean_schema, start_migrate

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


def wait_for_output(process, marker: bytes, timeout: float = 30) -> bool:
    """Read the process's stdout until ``marker`` shows; return False if it ended first."""
    seen = b""
    deadline = time.monotonic() + timeout
    fd = process.stdout.fileno()
    while marker not in seen and time.monotonic() < deadline:
        chunk = os.read(fd, 4096)
        if not chunk:
            return False
        seen += chunk
    return marker in seen


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


@pytest.mark.transactional_ddl
def test_sigkill_at_random_moments_always_leaves_a_migration_boundary(
    make_project, db_url, another_database
):
    project = project_with_history(make_project, db_url, LENGTH)
    assert project.run("migrate", "--plan", "-v", "0").code == 0
    chooser = random.Random(int(os.environ.get("DBSHIFT_KILL_SEED", "20261125")))
    kills = attempts = 0
    while kills < KILL_ROUNDS:
        attempts += 1
        assert attempts < KILL_ROUNDS * 4, "the processes kept finishing before the kill"
        process = start_migrate(project, "--lock-timeout", "20")
        if chooser.random() < 0.2:
            # Anywhere from start-up to the first migrations.
            time.sleep(chooser.uniform(0, 0.8))
        elif wait_for_output(process, b"Applying"):
            time.sleep(chooser.uniform(0, 0.25))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        process.stdout.close()
        process.stderr.close()
        done = assert_at_boundary(project, db_url)
        if done == LENGTH:
            reset_database(db_url)

    result = project.run_process("migrate", "--lock-timeout", "20")
    assert result.code == 0, result.output
    assert assert_at_boundary(project, db_url) == LENGTH
    expected = clean_schema(make_project, db_url, another_database, LENGTH)
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


@pytest.mark.transactional_ddl
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
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    process.stderr.close()

    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    assert assert_at_boundary(project, db_url) == 1
    assert "rank" not in {column.name for column in read_schema(db_url)["pages_article"].columns}

    # No lock of the dead process is left: a short timeout is enough.
    result = project.run_process("migrate", "--lock-timeout", "3")
    assert result.code == 0, result.output
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


@pytest.mark.transactional_ddl
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
    assert "rolled back" in result.stderr
    assert "Traceback" not in result.output
    assert read_schema(db_url) == before
    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            assert sa.inspect(connection).has_table(TABLE_NAME)
    finally:
        engine.dispose()
