"""RunPython, RunSQL and SeparateDatabaseAndState: forwards, backwards, plans and SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dbshift import migrations, models
from dbshift.actions.plan import describe_for_plan
from dbshift.exceptions import BadMigrationError, IrreversibleError
from tests.backends.support import Harness
from tests.data_migrations.support import in_migration
from tests.data_migrations.test_failures import run_sql
from tests.helpers import ProjectDir
from tests.structure import vendor_of

ARTICLE_FIELDS = [
    ("id", models.AutoField(primary_key=True)),
    ("title", models.CharField(max_length=50)),
]


def titles(h: Harness, table: str = "pages_article") -> list[str]:
    return [row[0] for row in h.rows(table, "title")]


# -- RunPython ---------------------------------------------------------------------------


def test_runpython_forwards_and_backwards(h: Harness) -> None:
    h.migrate(migrations.CreateModel("Article", ARTICLE_FIELDS))

    def add(apps: Any, schema_editor: Any) -> None:
        apps.get_model("pages", "Article").objects.create(title="added")

    def remove(apps: Any, schema_editor: Any) -> None:
        apps.get_model("pages", "Article").objects.filter(title="added").delete()

    h.migrate(migrations.RunPython(add, remove))
    assert titles(h) == ["added"]
    h.unmigrate()
    assert titles(h) == []


def test_runpython_noop_and_its_arguments(h: Harness) -> None:
    seen: list[Any] = []

    def look(apps: Any, schema_editor: Any) -> None:
        seen.extend([schema_editor.connection, schema_editor.connection.in_transaction()])

    h.migrate(migrations.RunPython(look, migrations.RunPython.noop))
    assert seen == [h.connection, True]
    h.unmigrate()
    assert migrations.RunPython(migrations.RunPython.noop).reversible is False
    assert migrations.RunPython(look, migrations.RunPython.noop).reversible is True
    assert migrations.RunPython(look).describe() == "Raw Python operation"


def test_raw_sql_through_the_schema_editor_in_code(h: Harness) -> None:
    h.migrate(migrations.CreateModel("Article", ARTICLE_FIELDS))

    def code(apps: Any, schema_editor: Any) -> None:
        schema_editor.execute("INSERT INTO pages_article (title) VALUES (%s)", ["by editor"])
        schema_editor.connection.exec_driver_sql(
            "INSERT INTO pages_article (title) VALUES ('by connection')"
        )

    h.migrate(migrations.RunPython(code))
    assert titles(h) == ["by editor", "by connection"]


def test_plan_describes_noop_as_nothing_to_do() -> None:
    def fill(apps: Any, schema_editor: Any) -> None:
        """Fill the slugs."""

    operation = migrations.RunPython(fill, migrations.RunPython.noop)
    assert describe_for_plan(operation, backwards=False) == (
        "Raw Python operation -> Fill the slugs.",
        False,
    )
    assert describe_for_plan(operation, backwards=True) == ("Raw Python operation", False)
    assert describe_for_plan(migrations.RunPython(fill), backwards=True) == (
        "Raw Python operation -> IRREVERSIBLE",
        True,
    )


def test_runpython_rejects_what_is_not_a_function() -> None:
    with pytest.raises(BadMigrationError, match="code must be a function"):
        migrations.RunPython("forwards")  # type: ignore[arg-type]


def test_irreversible_runpython_refuses_to_run_backwards(h: Harness) -> None:
    operation = migrations.RunPython(lambda apps, schema_editor: None)
    assert not operation.reversible
    with pytest.raises(IrreversibleError, match="no reverse_code"):
        operation.database_backwards("pages", h.db.schema_editor(None), h.state, h.state)


def test_runpython_writes_nothing_in_collect_mode(h: Harness) -> None:
    def explode(apps: Any, schema_editor: Any) -> None:
        raise AssertionError("code ran while collecting SQL")

    assert h.collect(migrations.RunPython(explode)) == []
    assert h.collect(migrations.RunPython(explode, explode), backwards=True) == []


# -- RunSQL -------------------------------------------------------------------------------


def test_runsql_with_state_operations_feeds_historical_models(h: Harness) -> None:
    h.migrate(
        migrations.RunSQL(
            "CREATE TABLE pages_article (id integer PRIMARY KEY, title varchar(50) NOT NULL)",
            reverse_sql="DROP TABLE pages_article",
            state_operations=[migrations.CreateModel("Article", ARTICLE_FIELDS)],
        ),
        migrations.RunSQL(
            [("INSERT INTO pages_article (id, title) VALUES (%s, %s)", [1, "from SQL"])],
            reverse_sql=migrations.RunSQL.noop,
        ),
    )
    assert h.state.has_model("pages", "article")
    found = in_migration(h, lambda apps: apps.get_model("pages.Article").objects.get().title)
    assert found == "from SQL"
    h.unmigrate()
    assert h.schema() == {}


def test_runsql_reversibility_and_description() -> None:
    assert not migrations.RunSQL("SELECT 1").reversible
    assert migrations.RunSQL("SELECT 1", migrations.RunSQL.noop).reversible
    assert migrations.RunSQL("SELECT 1").describe() == "Raw SQL operation"
    elidable = migrations.RunSQL("SELECT 1", elidable=True)
    assert elidable.reduce(migrations.RunSQL("SELECT 2"), "pages") == [
        migrations.RunSQL("SELECT 2")
    ]
    with pytest.raises(BadMigrationError, match=r"\(sql, params\) pair"):
        migrations.RunSQL([("SELECT %s",)])  # type: ignore[list-item]


# -- SeparateDatabaseAndState --------------------------------------------------------------


def test_separate_state_adopts_an_existing_table(h: Harness) -> None:
    h.migrate(
        migrations.RunSQL(
            "CREATE TABLE legacy_posts (id integer PRIMARY KEY, title varchar(50) NOT NULL);"
            "INSERT INTO legacy_posts (id, title) VALUES (7, 'kept')",
            reverse_sql="DROP TABLE legacy_posts",
        )
    )
    adopt = migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.CreateModel("Article", ARTICLE_FIELDS, options={"db_table": "legacy_posts"})
        ]
    )
    h.migrate(adopt)
    assert h.state.get_model("pages", "Article").db_table == "legacy_posts"

    def rename(apps: Any) -> list[tuple[int, str]]:
        Article = apps.get_model("pages", "Article")
        Article.objects.filter(pk=7).update(title="adopted")
        return list(Article.objects.values_list("pk", "title"))

    assert in_migration(h, rename) == [(7, "adopted")]
    h.unmigrate()
    assert not h.state.has_model("pages", "Article")
    assert titles(h, "legacy_posts") == ["adopted"]
    h.unmigrate()
    assert h.schema() == {}


def test_separate_database_operations_run_both_ways(h: Harness) -> None:
    h.migrate(migrations.CreateModel("Article", ARTICLE_FIELDS))
    before = h.state
    index = migrations.SeparateDatabaseAndState(
        database_operations=[
            migrations.RunSQL(
                "CREATE INDEX pages_article_title_raw ON pages_article (title)",
                # MySQL names the table of the index to drop.
                reverse_sql="DROP INDEX pages_article_title_raw"
                + (" ON pages_article" if h.vendor == "mysql" else ""),
            ),
            migrations.RunSQL(
                "INSERT INTO pages_article (title) VALUES ('db only')", "DELETE FROM pages_article"
            ),
        ]
    )
    h.migrate(index)
    assert h.state == before
    assert "pages_article_title_raw" in {item.name for item in h.table("pages_article").indexes}
    assert titles(h) == ["db only"]
    h.unmigrate()
    assert h.table("pages_article").indexes == h.expected()["pages_article"].indexes
    assert titles(h) == []
    irreversible = migrations.SeparateDatabaseAndState([migrations.RunSQL("SELECT 1")])
    assert not irreversible.reversible
    assert migrations.SeparateDatabaseAndState(state_operations=[irreversible]).reversible


# -- Through the command line ------------------------------------------------------------

PROJECT_FILES = {
    "0001_initial": """
        from dbshift import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(
                    "Article",
                    [
                        ("id", models.AutoField(primary_key=True)),
                        ("title", models.CharField(max_length=50)),
                    ],
                ),
            ]
        """,
    "0002_shout": '''
        from dbshift import migrations


        def shout(apps, schema_editor):
            """Shout every title."""
            Article = apps.get_model("pages", "Article")
            for article in Article.objects.all():
                article.title = article.title.upper()
                article.save()


        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [
                migrations.RunPython(shout),
                migrations.RunSQL(
                    "UPDATE pages_article SET title = title || '!'",
                    "UPDATE pages_article SET title = rtrim(title, '!')",
                ),
            ]
        ''',
    "0003_note": """
        from dbshift import migrations


        class Migration(migrations.Migration):
            dependencies = [("pages", "0002_shout")]
            operations = [
                migrations.RunSQL(
                    "UPDATE pages_article SET title = title || '?'",
                    migrations.RunSQL.noop,
                ),
            ]
        """,
}


#: MySQL's spellings of the project's SQL (``||`` is OR there; RTRIM takes no characters).
MYSQL_SQL = {
    "title || '!'": "CONCAT(title, '!')",
    "title || '?'": "CONCAT(title, '?')",
    "rtrim(title, '!')": "TRIM(TRAILING '!' FROM title)",
}


def in_dialect(source: str, url: str) -> str:
    """Return ``source`` with its SQL as the database at ``url`` spells it."""
    if vendor_of(url) == "mariadb":
        for portable, mysql in MYSQL_SQL.items():
            source = source.replace(portable, mysql)
    return source


@pytest.fixture
def cli_project(make_project: Callable[..., ProjectDir], db_url: str) -> ProjectDir:
    project = make_project(database=db_url)
    for name, source in PROJECT_FILES.items():
        project.write(f"pages/migrations/{name}.py", in_dialect(source, db_url))
    return project


def test_sqlmigrate_shows_python_as_such_and_sql_as_sql(cli_project: ProjectDir) -> None:
    url = cli_project.database
    # MySQL commits each DDL statement: its script has no transaction to begin.
    begin, commit = ([], []) if vendor_of(url) == "mariadb" else (["BEGIN;"], ["COMMIT;"])
    result = cli_project.run("sqlmigrate", "pages", "0002")
    assert result.code == 0, result.output
    assert result.stdout.splitlines() == [
        *begin,
        "--",
        "-- Raw Python operation",
        "--",
        "-- THIS OPERATION CANNOT BE WRITTEN AS SQL",
        "--",
        "-- Raw SQL operation",
        "--",
        in_dialect("UPDATE pages_article SET title = title || '!';", url),
        *commit,
    ]
    backwards = cli_project.run("sqlmigrate", "pages", "0003", "--backwards")
    operation = backwards.stdout.splitlines()[len(begin) : len(begin) + 4]
    assert operation == ["--", "-- Raw SQL operation", "--", "-- (no-op)"]
    irreversible = cli_project.run("sqlmigrate", "pages", "0002", "--backwards")
    assert irreversible.code == 1
    assert "RunPython has no reverse_code" in irreversible.stderr


def test_plan_shows_docstrings_and_sql_without_running_code(cli_project: ProjectDir) -> None:
    result = cli_project.run("migrate", "--plan", "-v", "2")
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    assert "    Raw Python operation -> Shout every title." in lines
    shown = "CONCAT…" if vendor_of(cli_project.database) == "mariadb" else "title …"
    assert f"    Raw SQL operation -> UPDATE pages_article SET title = {shown}" in lines
    assert "    -- THIS OPERATION CANNOT BE WRITTEN AS SQL" in lines
    assert cli_project.run("migrate", "pages", "0001").code == 0
    cli_project_rows = run_sql(cli_project, "SELECT count(*) FROM pages_article")
    assert cli_project_rows == [(0,)]


def test_backwards_plan_with_an_irreversible_step_is_refused_first(
    cli_project: ProjectDir,
) -> None:
    assert cli_project.run("migrate", "pages", "0001").code == 0
    run_sql(cli_project, "INSERT INTO pages_article (title) VALUES ('a')")
    assert cli_project.run("migrate").code == 0
    assert run_sql(cli_project, "SELECT title FROM pages_article") == [("A!?",)]

    for argv in (("migrate", "pages", "0001"), ("migrate", "pages", "0001", "--plan")):
        result = cli_project.run(*argv)
        assert result.code == 1
        assert "pages.0002_shout cannot be unapplied" in result.stderr
        assert "'Raw Python operation' is irreversible. Nothing was changed." in result.stderr
    # Nothing ran: 0003 (reversible, and first to undo) is still applied.
    assert run_sql(cli_project, "SELECT title FROM pages_article") == [("A!?",)]
    applied = run_sql(cli_project, "SELECT name FROM dbshift_migrations ORDER BY id")
    assert [name for (name,) in applied] == ["0001_initial", "0002_shout", "0003_note"]

    assert cli_project.run("migrate", "pages", "0002").code == 0
    assert run_sql(cli_project, "SELECT title FROM pages_article") == [("A!?",)]


def test_makemigrations_empty_writes_a_migration_to_fill_in(cli_project: ProjectDir) -> None:
    result = cli_project.run("makemigrations", "--empty", "pages", "--name", "backfill_slugs")
    assert result.code == 0, result.output
    path = cli_project.migrations_dir("pages") / "0004_backfill_slugs.py"
    source = path.read_text()
    assert 'dependencies = [\n        ("pages", "0003_note"),\n    ]' in source
    assert "    operations = []\n" in source

    filled = source.replace("from dbshift import migrations\n", FILLED_IN_FUNCTION).replace(
        "    operations = []",
        "    operations = [migrations.RunPython(add, migrations.RunPython.noop)]",
    )
    path.write_text(filled)
    assert cli_project.run("migrate").code == 0
    assert run_sql(cli_project, "SELECT title FROM pages_article") == [("FILLED!?",)]
    assert "[X] 0004_backfill_slugs" in cli_project.run("showmigrations", "pages").stdout


FILLED_IN_FUNCTION = """from dbshift import migrations


def add(apps, schema_editor):
    apps.get_model("pages", "Article").objects.create(title="FILLED!?")
"""
