"""``dbshift check``, ``migrate``'s refusal of a changed history, and ``repair``.

``check`` compares models, migration files and the database without changing
any of them. An applied migration that was edited or deleted stops ``migrate``
with the message ``check`` gives; ``repair`` accepts an intended edit. A file
that was only reformatted is not edited.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.helpers import check_violation, run_sql
from tests.history import read_schema, recorded_rows
from tests.test_migrate import ARTICLE, SLUG

EDITED = "Migration pages.0001_initial was edited after it was applied"


def migrated(make_project, url: str):
    project = make_project(database=url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    return project


def findings(project, *arguments: str) -> tuple[int, list[dict]]:
    result = project.run("check", "--format", "json", *arguments)
    return result.code, json.loads(result.stdout)


def ids(found: list[dict]) -> list[str]:
    return [finding["id"] for finding in found]


def slug_index_lint(url: str) -> list[str]:
    """Return the lint findings of the indexes that adding SLUG builds, on PostgreSQL only.

    There are two: the slug's index and its ``varchar_pattern_ops`` twin for LIKE.
    """
    return ["lint.L001", "lint.L001"] if url.startswith("postgresql") else []


def edit(project, name: str, old: str, new: str) -> None:
    path = project.migrations_dir("pages") / f"{name}.py"
    source = path.read_text()
    assert old in source, source
    path.write_text(source.replace(old, new))


def test_a_clean_project_has_no_findings(make_project, db_url):
    project = migrated(make_project, db_url)

    result = project.run("check", "--fail-level", "debug")

    assert result.code == 0, result.output
    assert result.stdout == "System check identified no issues.\n"
    assert findings(project) == (0, [])


def test_model_changes_and_unapplied_migrations_are_warnings(make_project, db_url):
    project = migrated(make_project, db_url)
    project.models("pages", ARTICLE + SLUG)
    code, found = findings(project)
    assert code == 0
    assert ids(found) == ["migrations.W001"]
    assert found[0]["level"] == "WARNING" and found[0]["obj"] == "pages"
    assert "Add field slug to article" in found[0]["message"]
    assert found[0]["hint"] == "Run 'dbshift makemigrations pages'."
    assert project.run("check", "--fail-level", "warning").code == 1

    assert project.run("makemigrations").code == 0
    code, found = findings(project)
    assert code == 0
    assert ids(found) == [*slug_index_lint(db_url), "migrations.W002"]
    assert "pages.0002_article_slug" in found[-1]["message"]
    text = project.run("check", "--fail-level", "WARNING")
    assert text.code == 1
    assert "WARNINGS:" in text.stdout and "(migrations.W002)" in text.stdout
    assert "HINT: Run 'dbshift migrate'." in text.stdout
    assert recorded_rows(db_url) == [("pages", "0001_initial")]


def test_an_edited_applied_migration_stops_migrate_until_repaired(make_project, db_url):
    project = migrated(make_project, db_url)
    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations").code == 0
    schema = read_schema(db_url)
    edit(project, "0001_initial", "max_length=200", "max_length=250")

    code, found = findings(project)
    assert code == 1
    assert ids(found) == [
        "migrations.E001",
        *slug_index_lint(db_url),
        "migrations.W001",
        "migrations.W002",
    ]
    edited = found[0]
    assert edited["level"] == "ERROR" and edited["obj"] == "pages.0001_initial"
    assert edited["message"] == f"{EDITED}: operation 1 (Create model Article) changed."
    assert "dbshift repair pages 0001_initial" in edited["hint"]

    refused = project.run_process("migrate")
    assert refused.code == 1
    assert edited["message"] in refused.stderr and edited["hint"] in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert "Traceback" not in refused.output
    assert read_schema(db_url) == schema
    assert recorded_rows(db_url) == [("pages", "0001_initial")]

    repaired = project.run("repair", "pages", "0001")
    assert repaired.code == 0, repaired.output
    assert (
        "Accepted the edit of pages.0001_initial: operation 1 (Create model Article) changed"
        in repaired.stdout
    )
    # The accepted edit says varchar(250) where the table still has varchar(200): drift,
    # which SQLite cannot see (both are text to it).
    drift = [] if db_url.startswith("sqlite") else ["migrations.W014"]
    assert ids(findings(project)[1]) == [
        *slug_index_lint(db_url),
        "migrations.W001",
        "migrations.W002",
        *drift,
    ]
    assert project.run("repair").stdout == "No edited applied migrations to accept.\n"
    assert project.run("migrate").code == 0


def test_the_changed_operations_are_named(make_project, sqlite_url):
    project = migrated(make_project, sqlite_url)
    project.models("pages", ARTICLE + SLUG + "    rank = models.IntegerField(default=0)\n")
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0

    edit(project, "0002_article_slug_article_rank", "default=0", "default=1")
    assert findings(project)[1][0]["message"] == (
        "Migration pages.0002_article_slug_article_rank was edited after it was applied: "
        "operation 2 (Add field rank to article) changed."
    )
    edit(project, "0002_article_slug_article_rank", 'name="rank",', 'name="rank2",')
    source = project.migration_source("pages", "0002_article_slug_article_rank")
    extra = '        migrations.RunSQL("SELECT 1"),\n    ]\n'
    (project.migrations_dir("pages") / "0002_article_slug_article_rank.py").write_text(
        source[: source.rindex("    ]\n")] + extra
    )
    message = findings(project)[1][0]["message"]
    assert "operation 2 (Add field rank2 to article) changed" in message
    assert "operation 3 (Raw SQL operation) added" in message


REFORMATTED = """
# A comment the formatter keeps; the checksum ignores it.
from dbshift import migrations
from dbshift import models


class Migration(migrations.Migration):

    initial = True
    dependencies = [
    ]
    operations = [
        migrations.CreateModel(
            fields=[
                ('id', models.BigAutoField(primary_key=True, auto_created=True)),  # the key
                ('title', models.CharField(max_length = 200)),
                ('content', models.TextField()),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('updated', models.DateTimeField(auto_now=True)),
            ],
            name='Article',
        ),
    ]
"""


def test_reformatting_reordering_and_comments_are_not_edits(make_project, db_url):
    project = migrated(make_project, db_url)
    path = project.migrations_dir("pages") / "0001_initial.py"
    path.write_text(REFORMATTED.lstrip())
    assert findings(project) == (0, [])

    ruff = shutil.which("ruff") or str(sys.executable).replace("python", "ruff")
    subprocess.run([ruff, "format", "--line-length", "40", "-q", str(path)], check=True)
    assert "max_length=200" in path.read_text() and path.read_text() != REFORMATTED.lstrip()
    assert findings(project) == (0, [])
    assert project.run("migrate").code == 0

    edit(project, "0001_initial", "max_length=200", "max_length=201")
    assert ids(findings(project)[1]) == ["migrations.E001", "migrations.W001"]


CODE = """
from dbshift import migrations


def forwards(apps, schema_editor):
    # Comments and blank lines are not what the function does.
    total = 1 + 1
    return total


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
"""


def test_python_code_counts_by_what_it_does(make_project, sqlite_url):
    project = migrated(make_project, sqlite_url)
    project.write("pages/migrations/0002_code.py", CODE)
    assert project.run("migrate", "--fake").code == 0

    edit(project, "0002_code", "    # Comments and blank lines", "\n\n    # Other words and lines")
    assert findings(project) == (0, [])
    edit(project, "0002_code", "1 + 1", "1 + 2")
    assert findings(project)[1][0]["message"] == (
        "Migration pages.0002_code was edited after it was applied: "
        "operation 1 (Raw Python operation) changed."
    )


def test_a_deleted_applied_migration_stops_migrate_unless_a_squash_replaces_it(
    make_project, db_url
):
    project = migrated(make_project, db_url)
    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    project.models("pages", ARTICLE + SLUG + "    rank = models.IntegerField(default=0)\n")
    assert project.run("makemigrations").code == 0
    saved = project.migration_source("pages", "0002_article_slug")
    (project.migrations_dir("pages") / "0002_article_slug.py").unlink()
    edit(
        project, "0003_article_rank", '("pages", "0002_article_slug")', '("pages", "0001_initial")'
    )

    code, found = findings(project)
    assert code == 1
    assert ids(found) == ["migrations.E002", "migrations.W001", "migrations.W002"]
    assert (
        found[0]["message"] == "Migration pages.0002_article_slug is applied but its file is gone."
    )
    assert "dbshift migrate pages --prune" in found[0]["hint"]
    refused = project.run("migrate")
    assert refused.code == 1 and found[0]["message"] in refused.stderr
    assert "rank" not in {column.name for column in read_schema(db_url)["pages_article"].columns}

    project.write("pages/migrations/0002_article_slug.py", saved)
    edit(
        project, "0003_article_rank", '("pages", "0001_initial")', '("pages", "0002_article_slug")'
    )
    assert project.run("squashmigrations", "pages", "0002", "--noinput").code == 0
    (project.migrations_dir("pages") / "0002_article_slug.py").unlink()
    (project.migrations_dir("pages") / "0001_initial.py").unlink()
    edit(
        project,
        "0003_article_rank",
        '("pages", "0002_article_slug")',
        '("pages", "0001_squashed_0002_article_slug")',
    )
    code, found = findings(project)
    assert "migrations.E002" not in ids(found)
    assert project.run("migrate").code == 0
    assert findings(project) == (0, [])


def test_conflicts_and_inconsistent_history_are_errors(make_project, sqlite_url):
    project = make_project(apps=("authors", "pages"), database=sqlite_url)
    project.models(
        "authors", "class Author(models.Model):\n    name = models.CharField(max_length=5)\n"
    )
    project.models(
        "pages",
        "class Article(models.Model):\n"
        "    author = models.ForeignKey('authors.Author', on_delete=models.CASCADE)\n",
    )
    assert project.run("makemigrations").code == 0
    assert project.run("migrate", "pages").code == 0
    project.write(
        "authors/migrations/0002_other.py",
        """
        from dbshift import migrations

        class Migration(migrations.Migration):
            dependencies = [("authors", "0001_initial")]
            operations = [migrations.RunSQL("SELECT 1", "SELECT 1")]
        """,
    )
    project.write(
        "authors/migrations/0002_another.py",
        """
        from dbshift import migrations

        class Migration(migrations.Migration):
            dependencies = [("authors", "0001_initial")]
            operations = [migrations.RunSQL("SELECT 2", "SELECT 2")]
        """,
    )
    from tests.test_migrate import execute

    execute(sqlite_url, "DELETE FROM dbshift_migrations WHERE app = 'authors'")

    code, found = findings(project)

    assert code == 1
    assert ids(found) == ["migrations.E003", "migrations.E004", "migrations.W002"]
    assert found[0]["obj"] == "authors"
    assert "0002_another, 0002_other" in found[0]["message"]
    assert "makemigrations --merge" in found[0]["hint"]
    assert (
        "pages.0001_initial is applied before its dependency authors.0001_initial"
        in (found[1]["message"])
    )
    assert project.run("migrate").code == 1


def test_without_a_database_the_file_checks_still_run(make_project):
    project = make_project(database="postgresql://app:s3cret@127.0.0.1:1/nowhere")
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.models("pages", ARTICLE + SLUG)

    result = project.run("check")

    assert result.code == 1
    assert "(migrations.W001)" in result.stdout
    assert "(migrations.E006) Database checks skipped: Cannot connect" in result.stdout
    assert "s3cret" not in result.output
    allowed = project.run("check", "--allow-unreachable")
    assert allowed.code == 0, allowed.output
    assert "(migrations.I001) Database checks skipped: Cannot connect" in allowed.stdout
    assert project.run("check", "--skip-database", "--format", "json").code == 0


def test_showmigrations_marks_edited_and_deleted_applied_migrations(make_project, db_url):
    project = migrated(make_project, db_url)
    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations", "-n", "slug").code == 0
    assert project.run("migrate").code == 0
    edit(project, "0001_initial", "max_length=200", "max_length=100")
    (project.migrations_dir("pages") / "0002_slug.py").unlink()

    result = project.run("showmigrations")

    assert result.code == 0, result.output
    assert result.stdout == (
        "pages\n"
        " [!] 0001_initial (edited after it was applied; run 'dbshift check')\n"
        " [!] 0002_slug (applied, but its file is gone; run 'dbshift check')\n"
    )
    assert project.run("showmigrations", "--plan").stdout == (
        "[!]  pages.0001_initial\n[!]  pages.0002_slug\n"
    )


EXPRESSION_INDEXES = """
from dbshift.models.functions import Lower, Upper


class Article(models.Model):
    title = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(Upper("title"), name="article_upper_title")]
        constraints = [models.UniqueConstraint(Lower("title"), name="article_lower_title")]
"""


def test_indexes_over_expressions_are_no_drift(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", EXPRESSION_INDEXES)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0

    code, found = findings(project)

    assert (code, ids(found)) == (0, [])


RAW_CHECK = """
class Book(models.Model):
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.RawSQL(
                    "price > 0 AND (title LIKE 'B%' OR price < 10)", [],
                    output_field=models.BooleanField(),
                ),
                name="book_price_title",
            )
        ]
"""


def test_check_constraint_of_sql_text_is_built_and_compared_as_text(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", RAW_CHECK)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0

    run_sql(db_url, "INSERT INTO pages_book (title, price) VALUES ('Bees', 20)")
    with pytest.raises(check_violation(db_url)):
        run_sql(db_url, "INSERT INTO pages_book (title, price) VALUES ('Ants', 20)")
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        checks = sa.inspect(connection).get_check_constraints("pages_book")
    engine.dispose()
    assert [check["name"] for check in checks] == ["book_price_title"]
    assert findings(project) == (0, [])

    # The migrations now say 'price >= 0' while the table keeps 'price > 0'.
    project.models("pages", RAW_CHECK.replace("price > 0", "price >= 0"))
    assert project.run("makemigrations").code == 0
    assert project.run("migrate", "--fake").code == 0
    _code, found = findings(project, "--database-only")
    assert [(item["id"], item["obj"], item["message"]) for item in found] == [
        (
            "migrations.W020",
            "pages_book",
            # Both conditions in one spelling: PostgreSQL prints its own.
            "Check constraint book_price_title is price > 0 and (title like 'B%' or "
            "price < 10) in the database; the migrations build price >= 0 and (title "
            "like 'B%' or price < 10).",
        )
    ]
