"""migrate, showmigrations and sqlmigrate on real databases, through the command line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dbshift.migrations.recorder import TABLE_NAME

ARTICLE = """
class Article(models.Model):
    title = models.CharField(max_length=200)
    content = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
"""
SLUG = '    slug = models.SlugField(max_length=200, default="")\n'


def columns(url: str, table: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            if not inspector.has_table(table):
                return []
            return [column["name"] for column in inspector.get_columns(table)]
    finally:
        engine.dispose()


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def execute(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def test_the_tutorial_from_first_migration_to_rollback(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0

    first = project.run("migrate")
    assert first.code == 0, first.output
    assert first.stdout.splitlines() == [
        "Operations to perform:",
        "  Apply all migrations: pages",
        "Running migrations:",
        "  Applying pages.0001_initial... OK",
    ]
    execute(
        db_url,
        "INSERT INTO pages_article (title, content, created, updated) "
        "VALUES ('Hello', 'World', '2026-01-01 10:00:00', '2026-01-01 10:00:00')",
    )

    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations").code == 0
    shown = project.run("showmigrations")
    assert shown.stdout.splitlines() == ["pages", " [X] 0001_initial", " [ ] 0002_article_slug"]
    assert project.run("migrate", "--check").code == 1

    sql = project.run("sqlmigrate", "pages", "0002")
    assert sql.code == 0, sql.output
    lines = sql.stdout.splitlines()
    if db_url.startswith("mysql"):
        assert "BEGIN;" not in lines and "COMMIT;" not in lines
    else:
        assert lines[0] == "BEGIN;" and lines[-1] == "COMMIT;"
    assert "-- Add field slug to article" in lines
    assert "slug" in sql.stdout

    applied = project.run("migrate", "pages")
    assert applied.code == 0, applied.output
    assert "  Applying pages.0002_article_slug... OK" in applied.stdout
    assert "slug" in columns(db_url, "pages_article")
    assert project.run("migrate", "--check").code == 0
    assert "No migrations to apply." in project.run("migrate").stdout

    back = project.run("migrate", "pages", "0001")
    assert back.code == 0, back.output
    assert "  Unapplying pages.0002_article_slug... OK" in back.stdout
    assert "slug" not in columns(db_url, "pages_article")
    assert query(db_url, "SELECT title, content FROM pages_article") == [("Hello", "World")]
    assert "[ ] 0002_article_slug" in project.run("showmigrations").stdout

    zero = project.run("migrate", "pages", "zero")
    assert zero.code == 0, zero.output
    assert columns(db_url, "pages_article") == []
    assert query(db_url, f"SELECT app, name FROM {TABLE_NAME}") == []


@pytest.mark.transactional_ddl
def test_a_failing_migration_leaves_nothing_behind(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.write(
        "pages/migrations/0002_broken.py",
        """
        from dbshift import migrations, models

        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [
                migrations.AddField("article", "rank", models.IntegerField(default=0)),
                migrations.RunSQL("INSERT INTO no_such_table VALUES (1)"),
            ]
        """,
    )

    result = project.run("migrate")

    assert result.code == 1
    assert "Applying pages.0002_broken failed at operation 'Raw SQL operation'" in result.stderr
    assert "no_such_table" in result.stderr
    assert "Traceback" not in result.output
    assert "rank" not in columns(db_url, "pages_article")
    assert query(db_url, f"SELECT name FROM {TABLE_NAME} ORDER BY name") == [("0001_initial",)]


def test_an_irreversible_operation_stops_a_rollback_before_anything_runs(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.write(
        "pages/migrations/0002_raw.py",
        """
        from dbshift import migrations

        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [migrations.RunSQL("UPDATE pages_article SET title = 'x'")]
        """,
    )
    project.write(
        "pages/migrations/0003_more.py",
        """
        from dbshift import migrations, models

        class Migration(migrations.Migration):
            dependencies = [("pages", "0002_raw")]
            operations = [
                migrations.AddField("article", "rank", models.IntegerField(default=0)),
            ]
        """,
    )
    assert project.run("migrate").code == 0

    result = project.run("migrate", "pages", "0001")

    assert result.code == 1
    assert "pages.0002_raw cannot be unapplied" in result.stderr
    assert "rank" in columns(db_url, "pages_article")
    applied = query(db_url, f"SELECT name FROM {TABLE_NAME} ORDER BY name")
    assert applied == [("0001_initial",), ("0002_raw",), ("0003_more",)]


def test_fake_and_fake_initial(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0

    faked = project.run("migrate", "--fake")
    assert "  Applying pages.0001_initial... FAKED" in faked.stdout
    assert columns(db_url, "pages_article") == []

    assert (
        "Unapplying pages.0001_initial... FAKED"
        in project.run("migrate", "pages", "zero", "--fake").stdout
    )
    execute(
        db_url,
        "CREATE TABLE pages_article (id INTEGER PRIMARY KEY, title VARCHAR(200), "
        "content TEXT, created TIMESTAMP, updated TIMESTAMP)",
    )
    initial = project.run("migrate", "--fake-initial")
    assert initial.code == 0, initial.output
    assert "  Applying pages.0001_initial... FAKED" in initial.stdout


LONG_MODEL = "ArticleWhoseNameRunsOnPastTheLongestIdentifierPostgresqlKeeps"


def test_fake_initial_finds_tables_and_columns_whose_names_were_shortened(make_project, db_url):
    project = make_project(database=db_url)
    long_field = "a_column_name_that_is_also_longer_than_the_sixty_three_bytes_kept"
    project.write(
        "pages/migrations/0001_initial.py",
        f"""
        from dbshift import migrations, models

        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="{LONG_MODEL}",
                    fields=[("id", models.BigAutoField(primary_key=True))],
                ),
                migrations.AddField(
                    "{LONG_MODEL.lower()}", "{long_field}", models.IntegerField(default=0)
                ),
            ]
        """,
    )
    assert project.run("migrate").code == 0
    table = f"pages_{LONG_MODEL.lower()}"
    created = [name for name in tables(db_url) if name.startswith(table[:40])]
    # PostgreSQL keeps 63 bytes of a name (and dbshift keeps SQLite's as short), MySQL 64.
    longest = 64 if db_url.startswith("mysql") else 63
    assert len(created) == 1 and created[0] != table and len(created[0]) == longest
    assert any(name.startswith(long_field[:40]) for name in columns(db_url, created[0]))
    faked = project.run("migrate", "pages", "zero", "--fake")
    assert faked.code == 0, faked.output

    initial = project.run("migrate", "--fake-initial")

    assert initial.code == 0, initial.output
    assert "  Applying pages.0001_initial... FAKED" in initial.stdout
    assert query(db_url, f"SELECT app, name FROM {TABLE_NAME}") == [("pages", "0001_initial")]


def test_targets_resolve_prefixes_and_report_mistakes(make_project, sqlite_url):
    project = make_project(database=sqlite_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations", "--name", "slug_one").code == 0
    project.models("pages", ARTICLE + SLUG + "    rank = models.IntegerField(default=1)\n")
    assert project.run("makemigrations", "--name", "slug_two").code == 0

    assert project.run("migrate", "pages", "0002").code == 0
    assert "[ ] 0003_slug_two" in project.run("showmigrations").stdout

    ambiguous = project.run("migrate", "pages", "000")
    assert ambiguous.code == 1 and "0001_initial, 0002_slug_one, 0003_slug_two" in ambiguous.stderr
    missing = project.run("migrate", "pages", "0009")
    assert missing.code == 1 and "no migration named '0009'" in missing.stderr
    unknown = project.run("migrate", "nope")
    assert unknown.code == 2 and "No installed app with label 'nope'" in unknown.stderr


def test_unapplying_a_migration_unapplies_other_apps_that_depend_on_it(make_project, db_url):
    project = make_project(apps=("authors", "pages"), database=db_url)
    project.models(
        "authors", "class Author(models.Model):\n    name = models.CharField(max_length=50)\n"
    )
    project.models(
        "pages",
        "class Article(models.Model):\n"
        "    author = models.ForeignKey('authors.Author', on_delete=models.CASCADE)\n",
    )
    made = project.run("makemigrations")
    assert made.code == 0, made.output
    assert '("authors", "0001_initial")' in project.migration_source("pages", "0001_initial")
    assert project.run("migrate").code == 0

    result = project.run("migrate", "authors", "zero")

    assert result.code == 0, result.output
    order = [line for line in result.stdout.splitlines() if "Unapplying" in line]
    assert order == [
        "  Unapplying pages.0001_initial... OK",
        "  Unapplying authors.0001_initial... OK",
    ]
    assert columns(db_url, "pages_article") == []


def test_an_unreachable_database_is_one_message_without_the_password(make_project):
    project = make_project(database="postgresql://app:s3cret@127.0.0.1:1/nowhere")
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0

    for command in (("migrate",), ("showmigrations",)):
        result = project.run(*command)
        assert result.code == 1
        assert "Cannot connect to database 'default'" in result.stderr
        assert "127.0.0.1:1/nowhere" in result.stderr
        assert "s3cret" not in result.output
        assert "Traceback" not in result.output


def test_migrate_warns_about_model_changes_without_migrations(project):
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    project.models("pages", ARTICLE + SLUG)

    result = project.run("migrate")

    assert result.code == 0
    assert "No migrations to apply." in result.stdout
    assert "Your models in app(s): 'pages' have changes" in result.stdout


def test_inconsistent_history_is_refused_naming_both_migrations(make_project, sqlite_url):
    project = make_project(apps=("authors", "pages"), database=sqlite_url)
    project.models(
        "authors", "class Author(models.Model):\n    name = models.CharField(max_length=50)\n"
    )
    project.models(
        "pages",
        "class Article(models.Model):\n"
        "    author = models.ForeignKey('authors.Author', on_delete=models.CASCADE)\n",
    )
    assert project.run("makemigrations").code == 0
    assert project.run("migrate", "--fake").code == 0
    execute(sqlite_url, f"DELETE FROM {TABLE_NAME} WHERE app = 'authors'")

    result = project.run("migrate")

    assert result.code == 1
    assert (
        "pages.0001_initial is applied before its dependency authors.0001_initial" in result.stderr
    )


def test_verbose_output_shows_timings_and_applied_times(project):
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0

    result = project.run("migrate", "-v", "2")

    line = next(line for line in result.stdout.splitlines() if "Applying" in line)
    assert line.startswith("  Applying pages.0001_initial... OK (") and line.endswith("s)")
    shown = project.run("showmigrations", "-v", "2").stdout
    assert " [X] 0001_initial (applied at 20" in shown
    plan = project.run("showmigrations", "--plan").stdout
    assert plan.strip() == "[X]  pages.0001_initial"


def test_migrate_plan_lists_operations_and_runs_nothing(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0

    result = project.run("migrate", "--plan")

    assert result.stdout.splitlines() == [
        "Planned operations:",
        "pages.0001_initial",
        "    Create model Article",
    ]
    assert columns(db_url, "pages_article") == []
    verbose = project.run("migrate", "--plan", "-v", "2").stdout
    assert "CREATE TABLE" in verbose
    # Every line of a statement is indented under its migration, not only the first.
    statement = verbose[verbose.index("    CREATE TABLE") :].split(";")[0].splitlines()
    assert len(statement) > 2
    assert all(line.startswith("    ") for line in statement), statement


def test_migrate_plan_backwards_undoes_schema_operations_and_names_code(project):
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.models("pages", ARTICLE + "    rank = models.IntegerField(default=0)\n")
    assert project.run("makemigrations").code == 0
    project.write(
        "pages/migrations/0003_fill.py",
        """
        from dbshift import migrations


        def fill(apps, schema_editor):
            \"\"\"Fill the ranks.\"\"\"


        class Migration(migrations.Migration):
            dependencies = [("pages", "0002_article_rank")]
            operations = [migrations.RunPython(migrations.RunPython.noop, fill)]
        """,
    )
    assert project.run("migrate").code == 0

    # Twice: once from the files, once from the history index the first run wrote.
    for _run in range(2):
        result = project.run("migrate", "pages", "zero", "--plan")

        assert result.code == 0, result.output
        assert result.stdout.splitlines() == [
            "Planned operations:",
            "pages.0003_fill",
            "    Raw Python operation -> Fill the ranks.",
            "pages.0002_article_rank",
            "    Undo Add field rank to article",
            "pages.0001_initial",
            "    Undo Create model Article",
        ]


def test_a_failed_migration_ends_its_progress_line(make_project, sqlite_url):
    project = make_project(database=sqlite_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.write(
        "pages/migrations/0002_broken.py",
        """
        from dbshift import migrations

        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [migrations.RunSQL("INSERT INTO no_such_table VALUES (1)")]
        """,
    )

    result = project.run("migrate")

    assert "  Applying pages.0002_broken... FAILED\n" in result.stdout
