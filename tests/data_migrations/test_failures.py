"""A data migration that fails rolls back whole, and shows where the user's code failed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from tests.helpers import ProjectDir

INITIAL = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            "Article",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("title", models.CharField(max_length=100, unique=True)),
            ],
        ),
    ]
"""

FAILING = """
from dbshift import migrations, models


def shout(title):
    return title + {suffix}


def fill(apps, schema_editor):
    Article = apps.get_model("pages", "Article")
    for article in Article.objects.all():
        article.note = "filled"
        article.save()
    Article.objects.create(title=shout("first"))


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [
        migrations.AddField("Article", "note", models.TextField(default="")),
        # Appending in SQL that SQLite, PostgreSQL and MySQL (where || is OR) share.
        migrations.RunSQL(
            "UPDATE pages_article SET title = CASE title WHEN 'first' THEN 'first!' "
            "ELSE 'second!' END",
            "SELECT 1",
        ),
        migrations.RunPython(fill, atomic={atomic}),
    ]
"""


@pytest.fixture
def applied(make_project: Callable[..., ProjectDir], db_url: str) -> ProjectDir:
    """Return a project whose 0001 is applied, with two rows."""
    project = make_project(database=db_url)
    project.write("pages/migrations/0001_initial.py", INITIAL)
    assert project.run("migrate").code == 0
    sql = "INSERT INTO pages_article (title) VALUES ('first'), ('second')"
    run_sql(project, sql)
    return project


def run_sql(project: ProjectDir, sql: str) -> list[tuple[object, ...]]:
    """Run one statement on the project's database, as another application would."""
    engine = sa.create_engine(project.database)
    try:
        with engine.begin() as connection:
            result = connection.exec_driver_sql(sql)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def assert_untouched(project: ProjectDir) -> None:
    """Assert that 0002 left nothing behind: no column, no changed row, no record."""
    rows = run_sql(project, "SELECT * FROM pages_article ORDER BY id")
    assert rows == [(1, "first"), (2, "second")]
    names = run_sql(project, "SELECT name FROM dbshift_migrations ORDER BY id")
    assert names == [("0001_initial",)]


@pytest.mark.transactional_ddl
@pytest.mark.parametrize("atomic", [None, False])
def test_an_exception_in_code_rolls_back_everything(applied: ProjectDir, atomic: object) -> None:
    applied.write("pages/migrations/0002_fill.py", FAILING.format(suffix="1 / 0", atomic=atomic))
    result = applied.run("migrate")

    assert result.code == 1
    message = result.stderr
    assert "Applying pages.0002_fill failed at operation 'Raw Python operation'" in message
    assert "ZeroDivisionError: division by zero" in message
    assert "rolled back" in message
    path = applied.migrations_dir("pages") / "0002_fill.py"
    assert f'File "{path}", line 13, in fill' in message
    assert 'Article.objects.create(title=shout("first"))' in message
    assert f'File "{path}", line 5, in shout' in message
    assert "return title + 1 / 0" in message
    # Our own frames (executor, operation, editor, historical models) are not shown.
    assert "dbshift/" not in message and "sqlalchemy" not in message
    assert_untouched(applied)


@pytest.mark.transactional_ddl
def test_a_database_error_in_code_rolls_back_everything(applied: ProjectDir) -> None:
    # "first!" exists once the RunSQL ran: the unique title is violated.
    applied.write("pages/migrations/0002_fill.py", FAILING.format(suffix='"!"', atomic=None))
    result = applied.run("migrate")

    assert result.code == 1
    message = result.stderr
    assert "failed at operation 'Raw Python operation'" in message
    assert "unique" in message.lower() or "UNIQUE" in message
    assert 'Article.objects.create(title=shout("first"))' in message
    assert "sqlalchemy" not in message and "psycopg" not in message
    assert_untouched(applied)


def test_errors_outside_user_code_keep_one_line(applied: ProjectDir) -> None:
    applied.write(
        "pages/migrations/0002_bad_sql.py",
        """
        from dbshift import migrations


        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [migrations.RunSQL("UPDATE no_such_table SET x = 1")]
        """,
    )
    result = applied.run("migrate")
    assert result.code == 1
    assert "no_such_table" in result.stderr
    assert "raised here" not in result.stderr and "File " not in result.stderr


def test_a_missing_row_names_the_model_exception(applied: ProjectDir) -> None:
    applied.write(
        "pages/migrations/0002_get.py",
        """
        from dbshift import migrations


        def fetch(apps, schema_editor):
            apps.get_model("pages", "Article").objects.get(title="nothing")


        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [migrations.RunPython(fetch)]
        """,
    )
    result = applied.run("migrate")
    assert result.code == 1
    assert "DoesNotExist: Article matching query does not exist" in result.stderr
    assert "line 5, in fetch" in result.stderr
