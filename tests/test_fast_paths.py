"""The fast paths of migrate run where they should, and a fast path that breaks is caught.

The suite runs with ``DBSHIFT_STRICT_FAST_PATHS=1`` (tests/conftest.py): a fast path
that raises where its migrations then run one by one without error fails the
command. A fast path that declines, or that meets a migration that really fails,
is no error. The breaking fast paths here are made to break on purpose, by
putting a table twice into the fresh build or failing the batch's recorder rows.
"""

from __future__ import annotations

import pytest

from dbshift.actions.migrate import MigrationSession
from dbshift.migrations import fresh
from dbshift.migrations.recorder import MigrationRecorder
from tests.history import APPS, inspected_schema, write_history
from tests.test_batches import ARTICLE, RANKED, SCORED, applying_lines
from tests.test_fresh_build import recorded
from tests.test_fresh_equivalence import ID, write_chain


def migrate(project, *targets):
    """Migrate ``project`` to ``targets`` (all leaves if none); return the fast path report."""
    with MigrationSession(project.project()) as session:
        session.check_history()
        steps = session.plan(session.targets(*targets))
        session.run(steps)
        return session.executor.fast_paths


@pytest.mark.fast_paths
def test_a_fresh_migrate_of_a_schema_only_history_is_built_straight_to_its_end(
    make_project, db_url
):
    project = make_project(apps=APPS, database=db_url)
    keys = write_history(project, 30)

    report = migrate(project)

    assert sorted(report.built) == sorted(keys)
    assert report.batched == []
    assert len(recorded(db_url)) == 30


@pytest.mark.fast_paths
def test_consecutive_schema_only_migrations_share_transactions(make_project, db_url, monkeypatch):
    monkeypatch.setattr("dbshift.migrations.batch.BATCH_SECONDS", 3600.0)
    project = make_project(apps=APPS, database=db_url)
    keys = write_history(project, 30)
    first = keys[0]
    migrate(project, first[0], first[1])

    report = migrate(project)

    assert report.built == []
    assert sorted(report.batched) == sorted(keys[1:])


def write_articles(project) -> None:
    for source in (ARTICLE, RANKED, SCORED):
        project.models("pages", source)
        assert project.run("makemigrations").code == 0


def articles_with_a_broken_fresh_build(make_project, db_url, monkeypatch):
    """Return a project of three migrations whose fresh build creates each table twice."""
    creating = fresh.creating_operations
    monkeypatch.setattr(
        "dbshift.migrations.executor.creating_operations",
        lambda target: [*creating(target), *creating(target)],
    )
    project = make_project(database=db_url)
    write_articles(project)
    return project


@pytest.mark.fast_paths
def test_a_fresh_build_that_breaks_fails_migrate_in_strict_mode(make_project, db_url, monkeypatch):
    project = articles_with_a_broken_fresh_build(make_project, db_url, monkeypatch)

    result = project.run("migrate")

    assert result.code == 1
    assert "Building the empty database straight to its end state failed" in result.stderr
    assert "pages.0001_initial to pages.0003_article_score then ran one by one" in result.stderr
    assert "the fast path broke" in result.stderr
    assert len(recorded(db_url)) == 3


@pytest.mark.fast_paths
def test_a_fresh_build_that_breaks_falls_back_quietly_when_allowed(
    make_project, db_url, twin_url, monkeypatch, allow_fast_path_fallback
):
    project = articles_with_a_broken_fresh_build(make_project, db_url, monkeypatch)

    result = project.run("migrate", "-v", "2")

    assert result.code == 0, result.output
    assert "the fast path broke" in result.stdout
    assert all("end state" not in line for line in applying_lines(result.stdout).values())
    twin = make_project(database=twin_url)
    write_articles(twin)
    assert twin.run("migrate", "--one-by-one").code == 0
    assert inspected_schema(db_url) == inspected_schema(twin_url)


def failing_batch_rows(monkeypatch) -> None:
    def refuse(recorder, rows):
        raise RuntimeError("recorder rows refused")

    monkeypatch.setattr(MigrationRecorder, "record_applied_many", refuse)


@pytest.mark.fast_paths
def test_a_batch_that_breaks_fails_migrate_in_strict_mode(make_project, db_url, monkeypatch):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    for source in (RANKED, SCORED):
        project.models("pages", source)
        assert project.run("makemigrations").code == 0
    failing_batch_rows(monkeypatch)

    result = project.run("migrate")

    assert result.code == 1
    assert "Running migrations in one transaction failed (RuntimeError: recorder rows refused)" in (
        result.stderr
    )
    assert "pages.0002_article_rank to pages.0003_article_score then ran" in result.stderr
    assert len(recorded(db_url)) == 3


@pytest.mark.fast_paths
@pytest.mark.parametrize("fresh_database", [True, False], ids=["fresh", "batched"])
def test_a_migration_that_really_fails_is_reported_as_itself_in_strict_mode(
    make_project, db_url, fresh_database
):
    # Index and table names share one namespace on both databases.
    migrations = [
        ("0001_initial", f'        migrations.CreateModel("Tag", [{ID}]),\n'),
        (
            "0002_article",
            f'        migrations.CreateModel("Article", [{ID}, '
            '("title", models.CharField(max_length=20))]),\n',
        ),
        (
            "0003_index",
            '        migrations.AddIndex("article", '
            'models.Index(fields=["title"], name="pages_tag")),\n',
        ),
    ]
    project = make_project(database=db_url)
    write_chain(project, migrations)
    if not fresh_database:
        assert project.run("migrate", "pages", "0001").code == 0

    result = project.run("migrate", "-v", "2")

    assert result.code == 1
    assert "Applying pages.0003_index failed" in result.stderr
    assert "fast path" not in result.output
    assert "OK" in applying_lines(result.stdout)["pages.0002_article"]
    assert recorded(db_url) == [("pages", "0001_initial"), ("pages", "0002_article")]
