"""migrate on databases that hold rows: changes that would lose data are refused whole.

Each test runs the command line on SQLite and on PostgreSQL, which must agree on
the outcome: applied, or refused with the same message and nothing changed.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dbshift.migrations.recorder import PROGRESS_TABLE_NAME, TABLE_NAME
from tests.helpers import ProjectDir
from tests.test_migrate import execute, query


def applied(url: str) -> list[tuple]:
    return query(url, f"SELECT app, name FROM {TABLE_NAME} ORDER BY app, name")


def inspect(url: str, method: str, *args: str) -> list:
    """Return what ``sa.inspect(connection).<method>(*args)`` says of the database."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return getattr(sa.inspect(connection), method)(*args)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    return set(inspect(url, "get_table_names")) - {TABLE_NAME, PROGRESS_TABLE_NAME}


# -- A text column made shorter -----------------------------------------------------------


def shortened_later(project: ProjectDir, field: str, *values: str) -> ProjectDir:
    """Apply a Note model with ``field`` as its body, store ``values``, then shorten it to 5."""
    project.models("pages", f"class Note(models.Model):\n    body = {field}\n")
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    rows = ", ".join(f"('{value}')" for value in values)
    execute(project.database, f"INSERT INTO pages_note (body) VALUES {rows}")
    short = "class Note(models.Model):\n    body = models.CharField(max_length=5)\n"
    project.models("pages", short)
    assert project.run("makemigrations").code == 0
    return project


@pytest.mark.parametrize(
    ("before", "old_length"),
    [("models.TextField()", None), ("models.CharField(max_length=100)", 100)],
    ids=["text", "varchar"],
)
def test_shortening_a_column_below_its_values_is_refused(make_project, db_url, before, old_length):
    project = shortened_later(make_project(database=db_url), before, "abcdefgh", "abc", "abcdef")

    result = project.run("migrate")

    assert result.code == 1
    assert "Applying pages.0002_alter_note_body failed at operation 'Alter field body on note'" in (
        result.stderr
    )
    assert "Cannot shorten column pages_note.body to max_length=5: 2 row(s)" in result.stderr
    assert "up to 8 characters" in result.stderr
    assert "Shorten those values in a data migration" in result.stderr
    assert "Traceback" not in result.output
    assert query(db_url, "SELECT body FROM pages_note ORDER BY id") == [
        ("abcdefgh",),
        ("abc",),
        ("abcdef",),
    ]
    (column,) = [c for c in inspect(db_url, "get_columns", "pages_note") if c["name"] == "body"]
    assert getattr(column["type"], "length", None) == old_length
    assert applied(db_url) == [("pages", "0001_initial")]


def test_shortening_a_column_whose_values_fit_keeps_them(make_project, db_url):
    project = shortened_later(make_project(database=db_url), "models.TextField()", "abcde", "ab")

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert query(db_url, "SELECT body FROM pages_note ORDER BY id") == [("abcde",), ("ab",)]
    (column,) = [c for c in inspect(db_url, "get_columns", "pages_note") if c["name"] == "body"]
    assert column["type"].length == 5


# -- A model that others still point at -----------------------------------------------------

AUTHOR = "class Author(models.Model):\n    name = models.CharField(max_length=20)\n"
BOOK = "class Book(models.Model):\n    author = models.ForeignKey({to}, on_delete=models.CASCADE)\n"


@pytest.mark.parametrize("options", [(), ("--stepwise",)], ids=["as-written", "stepwise"])
@pytest.mark.parametrize("same_app", [False, True], ids=["other_app", "same_app"])
def test_deleting_a_model_that_others_point_at_is_refused(make_project, db_url, same_app, options):
    project = make_project(apps=("authors", "pages"), database=db_url)
    if same_app:
        project.models("authors", AUTHOR + BOOK.format(to="Author"))
        project.models("pages", "")
        referrer, book_table = "authors.Book.author", "authors_book"
    else:
        project.models("authors", AUTHOR)
        project.models("pages", BOOK.format(to="'authors.Author'"))
        referrer, book_table = "pages.Book.author", "pages_book"
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    execute(db_url, "INSERT INTO authors_author (id, name) VALUES (1, 'Ann')")
    execute(db_url, f"INSERT INTO {book_table} (id, author_id) VALUES (1, 1)")
    project.write(
        "authors/migrations/0002_delete_author.py",
        """
        from dbshift import migrations

        class Migration(migrations.Migration):
            dependencies = [("authors", "0001_initial")]
            operations = [migrations.DeleteModel("Author")]
        """,
    )

    result = project.run("migrate", *options)

    assert result.code == 1
    # Where the history alone shows the problem, the refusal comes before any connection.
    assert "authors.0002_delete_author" in result.stderr
    assert "operation 'Delete model Author'" in result.stderr
    assert f"Cannot delete model authors.Author: {referrer} still points at it" in result.stderr
    assert "Remove those fields, or point them at another model, before the DeleteModel" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    assert query(db_url, "SELECT id, name FROM authors_author") == [(1, "Ann")]
    (key,) = inspect(db_url, "get_foreign_keys", book_table)
    assert (key["constrained_columns"], key["referred_table"]) == (["author_id"], "authors_author")
    assert ("authors", "0002_delete_author") not in applied(db_url)


def test_makemigrations_cuts_a_ring_of_deleted_models_before_deleting_them(make_project, db_url):
    project = make_project(database=db_url)
    project.models(
        "pages",
        """
        class Hen(models.Model):
            egg = models.ForeignKey('Egg', models.SET_NULL, null=True)
        class Egg(models.Model):
            hen = models.ForeignKey(Hen, models.CASCADE, null=True)
        class Nest(models.Model):
            hen = models.ForeignKey(Hen, models.CASCADE)
        class Coop(models.Model):
            name = models.CharField(max_length=10)
        """,
    )
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    execute(db_url, "INSERT INTO pages_hen (id, egg_id) VALUES (1, NULL)")
    execute(db_url, "INSERT INTO pages_egg (id, hen_id) VALUES (1, 1)")
    execute(db_url, "UPDATE pages_hen SET egg_id = 1")
    execute(db_url, "INSERT INTO pages_nest (id, hen_id) VALUES (1, 1)")
    project.models(
        "pages", "class Coop(models.Model):\n    name = models.CharField(max_length=10)\n"
    )
    assert project.run("makemigrations").code == 0

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert tables(db_url) == {"pages_coop"}
    back = project.run("migrate", "pages", "0001")
    assert back.code == 0, back.output
    assert {key["referred_table"] for key in inspect(db_url, "get_foreign_keys", "pages_hen")} == {
        "pages_egg"
    }


# -- A data migration next to new tables ---------------------------------------------------

LOAD = """
from dbshift import migrations, models


def load(apps, schema_editor):
    Author = apps.get_model("pages", "Author")
    Book = apps.get_model("pages", "Book")
    Book.objects.create(title="First", author=Author.objects.create(name="Ann"))


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            "Author",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=20)),
            ],
        ),
        migrations.CreateModel(
            "Book",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("title", models.CharField(max_length=20)),
                ("author", models.ForeignKey("pages.Author", on_delete=models.CASCADE)),
            ],
        ),
        migrations.RunPython(load),
    ]
"""


def test_a_data_migration_loads_rows_into_a_table_with_a_key_created_before_it(
    make_project, db_url
):
    project = make_project(database=db_url)
    project.write("pages/migrations/0001_initial.py", LOAD)

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert query(
        db_url,
        "SELECT title, name FROM pages_book JOIN pages_author ON author_id = pages_author.id",
    ) == [("First", "Ann")]
    indexed = [index["column_names"] for index in inspect(db_url, "get_indexes", "pages_book")]
    assert indexed == [["author_id"]]


def test_a_statement_put_off_until_after_a_data_migration_is_blamed_on_its_operation(
    make_project, sqlite_url
):
    # SQLite creates a new table's indexes after the data migration that follows;
    # rows that break a unique index then fail the operation that declared it.
    project = make_project(database=sqlite_url)
    project.write(
        "pages/migrations/0001_initial.py",
        """
        from dbshift import migrations, models


        def load(apps, schema_editor):
            Tag = apps.get_model("pages", "Tag")
            Tag.objects.create(name="same")
            Tag.objects.create(name="same")


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(
                    "Tag",
                    [
                        ("id", models.BigAutoField(primary_key=True)),
                        ("name", models.CharField(max_length=10, unique=True)),
                    ],
                ),
                migrations.RunPython(load),
            ]
        """,
    )

    result = project.run("migrate")

    assert result.code == 1
    assert "Applying pages.0001_initial failed at operation 'Create model Tag'" in result.stderr
    assert "put off until after later operations" in result.stderr
    assert "UNIQUE constraint failed: pages_tag.name" in result.stderr
    assert "Traceback" not in result.output
    assert tables(sqlite_url) == set()
