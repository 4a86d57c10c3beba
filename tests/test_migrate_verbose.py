"""``migrate -v 2`` and ``migrate --plan -v 2``: the SQL of each migration, under its line."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

MODELS = """
class Author(models.Model):
    name = models.CharField(max_length=20)


class Article(models.Model):
    title = models.CharField(max_length=20, db_index=True)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
"""
RANK = "    rank = models.IntegerField(default=0)\n"

#: A statement over three lines, each indented differently, as people write SQL.
FILL = """
from dbshift import migrations


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "UPDATE pages_article\\n   SET title = 'x'\\n WHERE id < 0",
            "UPDATE pages_article\\n   SET title = 'y'\\n WHERE id < 0",
        )
    ]
"""
FILL_LINES = ["    UPDATE pages_article", "       SET title = 'x'", "     WHERE id < 0;"]
#: What PostgreSQL runs after SQL that may have written rows: the foreign keys are
#: checked before the migration ends, so that a violation names it.
CHECKS = ([], ["    SET CONSTRAINTS ALL IMMEDIATE;"])


def blocks(stdout: str, marker: str = "  Applying ") -> dict[str, list[str]]:
    """Return the lines printed under each migration's line, by migration."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        if line.startswith(marker):
            current = found.setdefault(line[len(marker) :].split("...")[0], [])
        elif current is not None:
            current.append(line)
    return found


def index_names(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {index["name"] for index in sa.inspect(connection).get_indexes(table)}
    finally:
        engine.dispose()


def test_verbose_migrate_shows_the_statements_each_migration_ran(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", MODELS)
    assert project.run("makemigrations").code == 0
    project.write("pages/migrations/0002_fill.py", FILL)

    result = project.run("migrate", "-v", "2")

    assert result.code == 0, result.output
    shown = blocks(result.stdout)
    initial = shown["pages.0001_initial"]
    assert "    CREATE TABLE pages_author (" in initial
    assert "    CREATE TABLE pages_article (" in initial
    # Every line of a statement sits under the migration, not only the first.
    statements = [line for line in initial if line.strip()]
    assert all(line.startswith("    ") for line in statements), initial
    # The index of a new table is created after the table (on SQLite, put off to the
    # end of the migration); it is the one the database has.
    created = [
        match.group(1)
        for line in initial
        if (match := re.match(r"    CREATE INDEX (\S+) ON pages_article", line))
    ]
    assert created
    assert set(created) <= index_names(db_url, "pages_article")
    assert shown["pages.0002_fill"][:3] == FILL_LINES
    assert shown["pages.0002_fill"][3:] in CHECKS
    # Without -v 2 the statements are not shown.
    assert project.run("migrate", "pages", "zero").stdout.splitlines()[-2:] == [
        "  Unapplying pages.0002_fill... OK",
        "  Unapplying pages.0001_initial... OK",
    ]


def test_verbose_migrate_backwards_shows_the_reverse_statements(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", MODELS)
    assert project.run("makemigrations").code == 0
    project.write("pages/migrations/0002_fill.py", FILL)
    assert project.run("migrate").code == 0

    result = project.run("migrate", "pages", "0001", "-v", "2")

    assert result.code == 0, result.output
    fill = blocks(result.stdout, "  Unapplying ")["pages.0002_fill"]
    assert fill[:3] == ["    UPDATE pages_article", "       SET title = 'y'", "     WHERE id < 0;"]
    assert fill[3:] in CHECKS


@pytest.mark.fast_paths
def test_verbose_migrate_shows_shared_and_fresh_builds(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", MODELS)
    assert project.run("makemigrations").code == 0
    project.models("pages", MODELS + RANK)
    assert project.run("makemigrations", "--name", "rank").code == 0

    # One by one, the two migrations share a transaction; each shows its own SQL.
    one_by_one = blocks(project.run("migrate", "--one-by-one", "-v", "2").stdout)
    assert any(
        line.startswith("    CREATE TABLE pages_article (")
        for line in one_by_one["pages.0001_initial"]
    )
    rank = one_by_one["pages.0002_rank"]
    assert not any("CREATE TABLE pages_author" in line for line in rank)
    assert any("rank" in line for line in rank), rank

    # An empty database is built straight to the end state: the statements that did
    # it show under the last migration they stand for.
    assert project.run("migrate", "pages", "zero").code == 0
    fresh = blocks(project.run("migrate", "-v", "2").stdout)
    assert fresh["pages.0001_initial"] == []
    built = fresh["pages.0002_rank"]
    assert "    CREATE TABLE pages_author (" in built
    article = built[built.index("    CREATE TABLE pages_article (") :]
    assert any(line.strip().startswith("rank INTEGER") for line in article), built


def test_plan_indents_every_line_of_a_statement(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", MODELS)
    assert project.run("makemigrations").code == 0
    project.write("pages/migrations/0002_fill.py", FILL)

    result = project.run("migrate", "--plan", "-v", "2")

    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("pages.0002_fill")
    assert lines[start:] == [
        "pages.0002_fill",
        "    Raw SQL operation -> UPDATE pages_article    SET title = 'x'…",
        "    --",
        "    -- Raw SQL operation",
        "    --",
        *FILL_LINES,
    ]
