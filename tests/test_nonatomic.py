"""Non-atomic migrations (``atomic = False``): one operation at a time, resumable.

Each schema operation runs in its own transaction, hand-written SQL outside any
(so that PostgreSQL's ``CREATE INDEX CONCURRENTLY`` works), and the progress is
recorded after each operation, so that a ``migrate`` that failed or was killed
half-way continues where it stopped instead of repeating what is done.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
import sqlalchemy as sa

from dbshift.migrations.recorder import PROGRESS_TABLE_NAME
from tests.history import read_schema, recorded_rows
from tests.test_concurrency import start_migrate
from tests.test_crash import assert_at_boundary

STEPS = '''
import os
import time
from pathlib import Path

from dbshift import migrations, models


class Gate(migrations.Operation):
    """Fail, or wait, where the test says; count the runs in a file."""

    reduces_to_sql = False

    def __init__(self, label):
        self.label = label

    def deconstruct(self):
        return ("Gate", {"label": self.label})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, editor, from_state, to_state):
        self.run("forwards")

    def database_backwards(self, app_label, editor, from_state, to_state):
        self.run("backwards")

    def run(self, direction):
        log = os.environ.get("DBSHIFT_TEST_LOG")
        if log:
            with open(log, "a") as handle:
                handle.write(f"{self.label} {direction}\\n")
        if os.environ.get("DBSHIFT_TEST_FAIL") == f"{self.label} {direction}":
            raise RuntimeError(f"gate {self.label} is closed")
        marker = os.environ.get("DBSHIFT_TEST_HANG")
        if marker and os.environ.get("DBSHIFT_TEST_HANG_AT") == f"{self.label} {direction}":
            Path(marker).write_text("inside")
            time.sleep(float(os.environ.get("DBSHIFT_TEST_HANG_FOR", "120")))

    def describe(self):
        return f"Pass gate {self.label}"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("pages", "0001_initial")]

    operations = [
        migrations.AddField("article", "rank", models.IntegerField(default=0)),
        Gate("one"),
        migrations.AddField("article", "score", models.IntegerField(default=0)),
        Gate("two"),
        migrations.AddIndex("article", models.Index(fields=["rank"], name="article_rank")),
    ]
'''

ARTICLE = "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
FINAL = (
    ARTICLE
    + "    rank = models.IntegerField(default=0)\n"
    + "    score = models.IntegerField(default=0)\n\n"
    + "    class Meta:\n"
    + '        indexes = [models.Index(fields=["rank"], name="article_rank")]\n'
)


def stepwise_project(make_project, url: str):
    project = make_project(database=url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.write("pages/migrations/0002_steps.py", STEPS)
    project.models("pages", FINAL)
    return project


def columns(url: str) -> set[str]:
    return {column.name for column in read_schema(url)["pages_article"].columns}


def progress_rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(PROGRESS_TABLE_NAME):
                return []
            query = f"SELECT app, name, direction, done FROM {PROGRESS_TABLE_NAME}"
            return [tuple(row) for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


def test_a_failure_keeps_the_operations_before_it_and_migrate_continues(
    make_project, db_url, tmp_path
):
    project = stepwise_project(make_project, db_url)
    log = tmp_path / "log"

    failed = project.run_process(
        "migrate", env={"DBSHIFT_TEST_LOG": str(log), "DBSHIFT_TEST_FAIL": "two forwards"}
    )

    assert failed.code == 1
    assert "Traceback" not in failed.output
    assert (
        "Applying pages.0002_steps failed at operation 'Pass gate two' (operation 4 of 5): "
        "RuntimeError: gate two is closed. The migration is not atomic: the operations "
        "before this one stay done and recorded" in failed.stderr
    )
    assert "run migrate again to continue from it" in failed.stderr
    assert {"rank", "score"} <= columns(db_url)
    assert progress_rows(db_url) == [("pages", "0002_steps", "forwards", 3)]
    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    check = project.run("check")
    assert check.code == 1
    assert "(migrations.E005) Migration pages.0002_steps (atomic = False) stopped while " in (
        check.stdout
    )
    assert "being applied, after 3 of its operations." in check.stdout
    refused = project.run("migrate", "pages", "0001")
    assert refused.code == 1
    assert "Finish it first with 'dbshift migrate pages 0002_steps'" in refused.stderr

    resumed = project.run_process("migrate", env={"DBSHIFT_TEST_LOG": str(log)})

    assert resumed.code == 0, resumed.output
    # Gate one ran once; the added columns were not added again.
    assert log.read_text().splitlines() == ["one forwards", "two forwards", "two forwards"]
    assert progress_rows(db_url) == []
    assert assert_at_boundary(project, db_url) == 2
    assert project.run("check", "--fail-level", "warning").code == 0


def test_unapplying_is_stepwise_and_resumable_too(make_project, db_url, tmp_path):
    project = stepwise_project(make_project, db_url)
    assert project.run("migrate").code == 0
    log = tmp_path / "log"

    failed = project.run_process(
        "migrate",
        "pages",
        "0001",
        env={"DBSHIFT_TEST_LOG": str(log), "DBSHIFT_TEST_FAIL": "one backwards"},
    )

    assert failed.code == 1
    assert "Unapplying pages.0002_steps failed at operation 'Pass gate one'" in failed.stderr
    assert "(operation 2 of 5)" in failed.stderr
    assert columns(db_url) == {"id", "title", "rank"}
    assert progress_rows(db_url) == [("pages", "0002_steps", "backwards", 3)]
    forwards = project.run("migrate")
    assert forwards.code == 1
    assert "Finish it first with 'dbshift migrate pages 0001_initial'" in forwards.stderr

    resumed = project.run_process("migrate", "pages", "0001", env={"DBSHIFT_TEST_LOG": str(log)})

    assert resumed.code == 0, resumed.output
    assert log.read_text().splitlines() == ["two backwards", "one backwards", "one backwards"]
    assert columns(db_url) == {"id", "title"}
    assert progress_rows(db_url) == []
    assert recorded_rows(db_url) == [("pages", "0001_initial")]


def test_a_kill_between_operations_resumes_after_the_last_one_done(make_project, db_url, tmp_path):
    project = stepwise_project(make_project, db_url)
    marker = tmp_path / "inside"
    log = tmp_path / "log"
    env = {
        "DBSHIFT_TEST_LOG": str(log),
        "DBSHIFT_TEST_HANG": str(marker),
        "DBSHIFT_TEST_HANG_AT": "two forwards",
    }
    process = start_migrate(project, env=env)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    process.stderr.close()

    assert progress_rows(db_url) == [("pages", "0002_steps", "forwards", 3)]
    assert {"rank", "score"} <= columns(db_url)

    resumed = project.run_process(
        "migrate", "--lock-timeout", "5", env={"DBSHIFT_TEST_LOG": str(log)}
    )

    assert resumed.code == 0, resumed.output
    assert log.read_text().splitlines() == ["one forwards", "two forwards", "two forwards"]
    assert assert_at_boundary(project, db_url) == 2


CONCURRENTLY = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("pages", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [
                        "DROP INDEX CONCURRENTLY IF EXISTS article_title",
                        "CREATE INDEX CONCURRENTLY article_title ON pages_article (title)",
                    ],
                    "DROP INDEX CONCURRENTLY IF EXISTS article_title",
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    "article", models.Index(fields=["title"], name="article_title")
                ),
            ],
        ),
    ]
"""
INDEXED = (
    ARTICLE
    + "\n    class Meta:\n"
    + '        indexes = [models.Index(fields=["title"], name="article_title")]\n'
)


def concurrently_project(make_project, url: str):
    project = make_project(database=url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.write("pages/migrations/0002_concurrently.py", CONCURRENTLY)
    project.models("pages", INDEXED)
    return project


def test_create_index_concurrently_runs_outside_a_transaction(make_project, pg_url):
    project = concurrently_project(make_project, pg_url)

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert_at_boundary(project, pg_url)
    valid = "SELECT indisvalid FROM pg_index WHERE indexrelid = 'article_title'::regclass"
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql(valid).scalar() is True
    finally:
        engine.dispose()
    assert project.run("migrate", "pages", "0001").code == 0
    assert "article_title" not in {
        index.name for index in read_schema(pg_url)["pages_article"].indexes
    }

    atomic = project.migrations_dir("pages") / "0002_concurrently.py"
    atomic.write_text(CONCURRENTLY.replace("    atomic = False\n", ""))
    refused = project.run("migrate")
    assert refused.code == 1
    assert "cannot run inside a transaction block" in refused.stderr


@pytest.mark.parametrize("runs", [4])
def test_concurrent_migrates_do_not_deadlock_on_an_index_built_concurrently(
    make_project, pg_url, tmp_path, runs
):
    """A migrate waiting for the lock must not hold a snapshot the index build waits for."""
    project = concurrently_project(make_project, pg_url)
    assert project.run("migrate", "pages", "0001").code == 0
    (project.migrations_dir("pages") / "0002_concurrently.py").write_text(
        CONCURRENTLY.replace(
            "    operations = [\n",
            "    operations = [\n"
            '        migrations.RunSQL("SELECT pg_sleep(1)", migrations.RunSQL.noop),\n',
        )
    )
    processes = [start_migrate(project, "--lock-timeout", "60") for _ in range(runs)]
    for process in processes:
        try:
            code = process.wait(timeout=45)
        except subprocess.TimeoutExpired:  # the failure this test exists for
            for other in processes:
                other.kill()
            raise
        stdout, stderr = process.communicate()
        assert code == 0, stdout + stderr
    assert_at_boundary(project, pg_url)


def test_an_interrupted_migration_edited_since_is_not_resumed(make_project, sqlite_url):
    project = stepwise_project(make_project, sqlite_url)
    failed = project.run_process("migrate", env={"DBSHIFT_TEST_FAIL": "two forwards"})
    assert failed.code == 1
    path = project.migrations_dir("pages") / "0002_steps.py"
    path.write_text(path.read_text().replace('Gate("two")', 'Gate("second")'))

    refused = project.run("migrate")

    assert refused.code == 1
    assert (
        "Migration pages.0002_steps was edited after it was interrupted with 3 of its "
        "operations done; restore the file as it was" in refused.stderr
    )
    assert progress_rows(sqlite_url) == [("pages", "0002_steps", "forwards", 3)]
