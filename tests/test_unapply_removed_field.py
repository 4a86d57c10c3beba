"""Unapplying RemoveField of a NOT NULL field without a default: said up front, refused cleanly.

The column comes back with no value for the rows already in the table, which the
database refuses. ``migrate --plan`` and ``sqlmigrate --backwards`` warn; ``migrate``
refuses before it changes anything when the table has rows, and works when it has none.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.data_migrations.test_failures import run_sql
from tests.history import read_schema, recorded_rows

WITH_RANK = (
    "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
    "    rank = models.IntegerField()\n"
)
WITHOUT_RANK = "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
REMOVAL = "pages.0002_remove_article_rank"
WARNING = (
    f"Warning: unapplying {REMOVAL} adds back pages.Article.rank, NOT NULL without a "
    "default: it fails if table pages_article has rows."
)


def removed_rank(make_project, url):
    """Return a project whose 0002 removes the NOT NULL field rank (nothing applied)."""
    project = make_project(database=url)
    project.models("pages", WITH_RANK)
    assert project.run("makemigrations").code == 0
    project.models("pages", WITHOUT_RANK)
    assert project.run("makemigrations").code == 0
    assert project.migration_names("pages")[1] == REMOVAL.split(".")[1]
    return project


def test_a_rollback_that_would_leave_rows_without_a_value_is_refused_first(make_project, db_url):
    project = removed_rank(make_project, db_url)
    project.models("pages", WITHOUT_RANK + "    views = models.IntegerField(default=0)\n")
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    run_sql(project, "INSERT INTO pages_article (title, views) VALUES ('a', 1)")

    plan = project.run("migrate", "pages", "0001", "--plan")
    assert plan.code == 0, plan.output
    assert f"{REMOVAL}\n    Undo Remove field rank from article\n    {WARNING}\n" in plan.stdout
    sql = project.run("sqlmigrate", "pages", "0002", "--backwards")
    assert sql.code == 0 and f"-- {WARNING}\n" in sql.stdout
    assert WARNING not in project.run("sqlmigrate", "pages", "0002").stdout

    schema, rows = read_schema(db_url), recorded_rows(db_url)
    result = project.run("migrate", "pages", "0001")
    assert result.code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [
        f"Error: Cannot unapply {REMOVAL}: it adds back pages.Article.rank, NOT NULL without a "
        "default, and table pages_article has rows that would get no value. Give the rows a "
        f"value: in {REMOVAL}, put migrations.AlterField('article', 'rank', <the same field "
        "with a default=...>) before the RemoveField, accept that edit with 'dbshift repair "
        "pages 0002_remove_article_rank' and migrate again; or empty the table first. "
        "Nothing was changed."
    ]
    # The later migration was not unapplied either: the refusal came before anything ran.
    assert read_schema(db_url) == schema and recorded_rows(db_url) == rows
    assert run_sql(project, "SELECT title, views FROM pages_article") == [("a", 1)]


def test_the_advice_of_the_refusal_works(make_project, db_url):
    project = removed_rank(make_project, db_url)
    assert project.run("migrate").code == 0
    run_sql(project, "INSERT INTO pages_article (title) VALUES ('a')")
    assert project.run("migrate", "pages", "0001").code == 1

    path = project.migrations_dir("pages") / "0002_remove_article_rank.py"
    source = path.read_text().replace(
        "operations = [",
        "operations = [\n        migrations.AlterField('article', 'rank', "
        "models.IntegerField(default=7)),",
    )
    path.write_text("from dbshift import models\n" + source)
    assert project.run("repair", "pages", "0002").code == 0
    assert WARNING not in project.run("migrate", "pages", "0001", "--plan").stdout
    result = project.run("migrate", "pages", "0001")
    assert result.code == 0, result.output
    assert run_sql(project, "SELECT title, rank FROM pages_article") == [("a", 7)]


def test_an_empty_table_takes_the_column_back(make_project, db_url):
    project = removed_rank(make_project, db_url)
    assert project.run("migrate").code == 0

    result = project.run("migrate", "pages", "0001")
    assert result.code == 0, result.output
    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            columns = sa.inspect(connection).get_columns("pages_article")
    finally:
        engine.dispose()
    assert {column["name"]: column["nullable"] for column in columns} == {
        "id": False,
        "title": False,
        "rank": False,
    }


ROWS_COME_BACK = """
from dbshift import migrations


class Migration(migrations.Migration):
    dependencies = [("pages", "0002_remove_article_rank")]

    operations = [
        migrations.RunSQL(
            "DELETE FROM pages_article",
            reverse_sql="INSERT INTO pages_article (title) VALUES ('back')",
        )
    ]
"""


def test_rows_that_arrive_during_the_rollback_stop_it_with_the_same_advice(make_project, db_url):
    project = removed_rank(make_project, db_url)
    project.write("pages/migrations/0003_rows.py", ROWS_COME_BACK)
    assert project.run("migrate").code == 0

    result = project.run("migrate", "pages", "0001")
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    # Where migrations run an operation at a time, the operation's number comes first.
    assert (
        f"Error: Unapplying {REMOVAL} failed at operation 'Remove field rank from article'"
    ) in result.stderr
    assert (
        "pages.Article.rank is NOT NULL without a default, and table pages_article has rows "
        "that would get no value. Give the rows a value: in the migration, put "
        "migrations.AlterField('article', 'rank'"
    ) in result.stderr
    assert "constraint" not in result.stderr.lower() and "null value" not in result.stderr
    assert recorded_rows(db_url) == [("pages", "0001_initial"), ("pages", REMOVAL.split(".")[1])]
    assert run_sql(project, "SELECT title FROM pages_article") == [("back",)]
