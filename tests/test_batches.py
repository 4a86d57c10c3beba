"""Consecutive schema-only migrations share one transaction, and fail one by one."""

from __future__ import annotations

import pytest

from dbshift import migrations, models
from dbshift.migrations.batch import BATCH_SIZE, batches
from dbshift.migrations.planner import PlanStep
from tests.helpers import run_sql
from tests.test_fresh_build import recorded

ARTICLE = "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
RANKED = ARTICLE + "    rank = models.IntegerField(default=0)\n"
SCORED = RANKED + "    score = models.IntegerField(default=1)\n"
UNIQUE = SCORED.replace("max_length=20", "max_length=20, unique=True")


def started_project(make_project, db_url):
    """Return a project at 0001 with two articles, and 0002 to 0004 written, unapplied."""
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    run_sql(db_url, "INSERT INTO pages_article (title) VALUES ('same'), ('same')")
    for source in (RANKED, SCORED, UNIQUE):
        project.models("pages", source)
        assert project.run("makemigrations").code == 0
    return project


def applying_lines(output: str) -> dict[str, str]:
    return {
        line.split("...")[0].split()[-1]: line
        for line in output.splitlines()
        if "Applying" in line or "Unapplying" in line
    }


@pytest.mark.fast_paths
def test_schema_only_migrations_run_in_one_transaction_both_ways(make_project, db_url):
    project = started_project(make_project, db_url)
    run_sql(db_url, "UPDATE pages_article SET title = 'second' WHERE id = 2")

    forwards = project.run("migrate", "-v", "2")

    assert forwards.code == 0, forwards.output
    lines = applying_lines(forwards.stdout)
    assert list(lines) == [
        "pages.0002_article_rank",
        "pages.0003_article_score",
        "pages.0004_alter_article_title",
    ]
    assert all("OK" in line and "with 2 others" in line for line in lines.values())
    assert len(recorded(db_url)) == 4

    backwards = project.run("migrate", "pages", "0001", "-v", "2")

    assert backwards.code == 0, backwards.output
    lines = applying_lines(backwards.stdout)
    assert list(lines) == [
        "pages.0004_alter_article_title",
        "pages.0003_article_score",
        "pages.0002_article_rank",
    ]
    assert all("Unapplying" in line and "with 2 others" in line for line in lines.values())
    assert recorded(db_url) == [("pages", "0001_initial")]
    assert run_sql(db_url, "SELECT id, title FROM pages_article ORDER BY id") == [
        (1, "same"),
        (2, "second"),
    ]


def test_a_failure_in_a_batch_undoes_only_the_failing_migration(make_project, db_url):
    project = started_project(make_project, db_url)

    result = project.run("migrate", "-v", "2")

    assert result.code == 1
    lines = applying_lines(result.stdout)
    assert "OK" in lines["pages.0002_article_rank"]
    assert "OK" in lines["pages.0003_article_score"]
    assert "FAILED" in lines["pages.0004_alter_article_title"]
    assert "Applying pages.0004_alter_article_title failed" in result.stderr
    assert "Traceback" not in result.output
    assert recorded(db_url) == [
        ("pages", "0001_initial"),
        ("pages", "0002_article_rank"),
        ("pages", "0003_article_score"),
    ]
    assert run_sql(db_url, "SELECT title, rank, score FROM pages_article") == [
        ("same", 0, 1),
        ("same", 0, 1),
    ]

    run_sql(db_url, "DELETE FROM pages_article WHERE id = 2")
    assert project.run("migrate").code == 0
    assert len(recorded(db_url)) == 4


def test_a_batch_that_ran_long_enough_commits_and_the_next_one_goes_on(
    make_project, sqlite_url, monkeypatch
):
    monkeypatch.setattr("dbshift.migrations.batch.BATCH_SECONDS", 0.0)
    project = started_project(make_project, sqlite_url)
    run_sql(sqlite_url, "UPDATE pages_article SET title = 'second' WHERE id = 2")

    forwards = project.run("migrate", "-v", "2")

    assert forwards.code == 0, forwards.output
    lines = applying_lines(forwards.stdout)
    assert len(lines) == 3
    # Each batch commits after its first migration.
    assert not any("others" in line for line in lines.values())
    assert len(recorded(sqlite_url)) == 4

    backwards = project.run("migrate", "pages", "0001", "-v", "2")

    assert backwards.code == 0, backwards.output
    lines = applying_lines(backwards.stdout)
    assert len(lines) == 3
    assert not any("others" in line for line in lines.values())
    assert recorded(sqlite_url) == [("pages", "0001_initial")]


def plain(name: str, *operations: migrations.operations.base.Operation) -> PlanStep:
    migration = migrations.Migration(name, "pages")
    migration.operations = list(operations)
    return PlanStep(migration)


def test_code_raw_sql_non_atomic_and_squashed_migrations_run_on_their_own():
    add = migrations.AddField("article", "rank", models.IntegerField(default=0))
    schema = [plain(f"{number:04}_schema", add) for number in range(1, 4)]
    code = plain("0004_code", migrations.RunPython(migrations.RunPython.noop))
    raw = plain("0005_sql", migrations.RunSQL("SELECT 1"))
    non_atomic = plain("0006_non_atomic", add)
    non_atomic.migration.atomic = False
    squash = plain("0007_squashed", add)
    squash.migration.replaces = [("pages", "0001_schema")]
    steps = [*schema, code, raw, *schema[:2], non_atomic, schema[2], squash, schema[0]]

    assert [len(batch) for batch in batches(steps)] == [3, 1, 1, 2, 1, 1, 1, 1]
    assert [step for batch in batches(steps) for step in batch] == steps
    assert [len(batch) for batch in batches(schema, enabled=False)] == [1, 1, 1]


def test_a_batch_holds_at_most_batch_size_migrations():
    add = migrations.AddField("article", "rank", models.IntegerField(default=0))
    steps = [plain(f"{number:04}_schema", add) for number in range(2 * BATCH_SIZE + 1)]

    assert [len(batch) for batch in batches(steps)] == [BATCH_SIZE, BATCH_SIZE, 1]
