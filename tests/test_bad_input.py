"""Mistakes in files, settings and databases: one clear message, and nothing changed.

Each case must give a message that says what is wrong, where (file and line, or
app and migration) and what to do; a non-zero exit status; no traceback; and no
change to the project's files or to the database.
"""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest
import sqlalchemy as sa

from tests.helpers import run_sql
from tests.history import read_schema, recorded_rows
from tests.postgres import PASSWORD_ROLE

ARTICLE = "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
MIGRATION = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [migrations.AddField("article", "rank", models.IntegerField(default=0))]
"""


def snapshot(project) -> dict[str, str]:
    """Return every file of the project (but caches and the database) with its digest."""
    files = {}
    for path in sorted(project.root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and "sqlite3" not in path.name:
            files[str(path.relative_to(project.root))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return files


@pytest.fixture
def started(make_project, sqlite_url):
    """Return a project with 0001 applied (file mistakes do not depend on the database)."""
    project = make_project(database=sqlite_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    return project


def assert_refused(
    project, command: tuple[str, ...], *expected: str, code: int = 1, process: bool = False
) -> None:
    """Run ``command`` and assert it failed cleanly, changing neither files nor database.

    In this process an uncaught exception would fail the test by itself; ``process``
    runs a real ``python -m dbshift`` instead, to see what a user sees.
    """
    files = snapshot(project)
    url = project.database
    schema, rows = read_schema(url), recorded_rows(url)

    result = project.run_process(*command) if process else project.run(*command)

    assert result.code == code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert snapshot(project) == files
    assert read_schema(url) == schema and recorded_rows(url) == rows


BROKEN_FILES = {
    "syntax": (
        "from dbshift import migrations\n\nclass Migration(migrations.Migration)\n    pass\n",
        ["Cannot import migration pages.0002_bad", "0002_bad.py:3): SyntaxError", "Fix the file"],
    ),
    "import": (
        "from dbshift import migrations\nimport no_such_module\n",
        ["0002_bad.py:2): ModuleNotFoundError: No module named 'no_such_module'"],
    ),
    "no-class": (
        "from dbshift import migrations\n\nMIGRATION = None\n",
        ["0002_bad.py has no class Migration(migrations.Migration)"],
    ),
    "missing-dependency": (
        MIGRATION.replace("0001_initial", "0007_gone"),
        ["pages.0002_bad depends on pages.0007_gone, which does not exist"],
    ),
    "unknown-app-dependency": (
        MIGRATION.replace('("pages", "0001_initial")', '("nope", "0001_initial")'),
        ["pages.0002_bad depends on nope.0001_initial"],
    ),
    "not-an-operation": (
        MIGRATION.replace("operations = [", 'operations = ["DROP TABLE x", '),
        ["pages.0002_bad: 'DROP TABLE x' in operations is not an operation"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_a_broken_migration_file(started, case):
    source, expected = BROKEN_FILES[case]
    started.write("pages/migrations/0002_bad.py", source)
    started.models("pages", ARTICLE + "    rank = models.IntegerField(default=0)\n")
    for command in (("migrate",), ("makemigrations",), ("check",), ("showmigrations",)):
        assert_refused(started, command, *expected)
    assert_refused(started, ("migrate",), *expected, process=True)


def test_a_broken_file_changes_nothing_on_postgresql(make_project, pg_url):
    project = make_project(database=pg_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    project.write("pages/migrations/0002_rank.py", MIGRATION)
    project.write("pages/migrations/0003_bad.py", BROKEN_FILES["import"][0])
    assert_refused(project, ("migrate",), "Cannot import migration pages.0003_bad", process=True)


def test_a_cycle_names_its_migrations(started):
    started.write("pages/migrations/0002_a.py", MIGRATION.replace("0001_initial", "0003_b"))
    started.write("pages/migrations/0003_b.py", MIGRATION.replace("0001_initial", "0002_a"))
    assert_refused(
        started,
        ("migrate",),
        "Migration dependencies form a cycle: pages.0002_a -> pages.0003_b -> pages.0002_a",
    )


@pytest.mark.parametrize("broken", ["syntax", "import"])
def test_a_broken_models_file_stops_migrate_before_it_changes_anything(started, broken):
    started.write("pages/migrations/0002_rank.py", MIGRATION)
    body = {"syntax": "class Article(models.Model)\n", "import": "import no_such_models\n"}
    started.models("pages", body[broken])
    expected = {
        "syntax": "models.py:3: SyntaxError",
        "import": "models.py:3: ModuleNotFoundError: No module named 'no_such_models'",
    }
    for command in (("migrate",), ("makemigrations",), ("check",)):
        assert_refused(started, command, "Cannot import models of app 'pages'", expected[broken])
    assert_refused(started, ("migrate",), expected[broken], process=True)


def test_file_names_that_clash(started):
    path = started.migrations_dir("pages") / "0002_rank.py"
    path.write_text(MIGRATION)
    (started.migrations_dir("pages") / "0002_Rank.py").write_text(MIGRATION)
    assert_refused(
        started, ("migrate",), "pages.0002_Rank and pages.0002_rank", "differ only in case"
    )
    (started.migrations_dir("pages") / "0002_Rank.py").unlink()

    package = started.migrations_dir("pages") / "0002_rank"
    package.mkdir()
    (package / "__init__.py").write_text("")
    assert_refused(started, ("migrate",), "0002_rank is a package with the name of migration")


def test_two_apps_with_one_label(make_project, sqlite_url):
    project = make_project(apps=("one.pages", "two.pages"), database=sqlite_url)
    assert_refused(
        project, ("migrate",), "Apps 'one.pages' and 'two.pages' both have label 'pages'"
    )


@pytest.mark.parametrize(
    "command",
    [
        ("migrate", "nope"),
        ("makemigrations", "nope"),
        ("showmigrations", "nope"),
        ("sqlmigrate", "nope", "0001"),
        ("repair", "nope"),
        ("migrate", "nope", "--prune"),
    ],
)
def test_an_unknown_app_label(started, command):
    assert_refused(
        started, command, "No installed app with label 'nope'. Installed apps: pages.", code=2
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://app:s3cret@[::1:5432/db",
            "Database URL for 'default' (postgresql+psycopg://app:***@[::1:5432/db) is malformed",
        ),
        (
            "postgresql://app:s3cret@127.0.0.1:port/db",
            "(postgresql+psycopg://app:***@127.0.0.1:port/db) is malformed",
        ),
        ("app:s3cret@localhost/db", "Database URL 'app:***@localhost/db' has no scheme"),
        ("oracle://app:s3cret@localhost/db", "uses 'oracle'; dbshift supports "),
        ("postgresql+nodriver://app:s3cret@localhost/db", "Can't load plugin"),
        (
            "postgresql://app:s3cret@127.0.0.1:1/db",
            "Cannot connect to database 'default' at postgresql+psycopg://app:***@127.0.0.1:1/db",
        ),
        ("sqlite:////no/such/directory/db.sqlite3", "the directory /no/such/directory does not"),
    ],
    ids=["bracket", "port", "no-scheme", "dialect", "driver", "unreachable", "no-directory"],
)
def test_a_database_url_that_does_not_work(make_project, url, expected):
    project = make_project(database=url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    files = snapshot(project)
    # A SQLite file that does not exist yet has applied nothing: showmigrations says so.
    commands = [("migrate",)] if url.startswith("sqlite") else [("migrate",), ("showmigrations",)]
    for command in commands:
        result = project.run(*command)
        assert result.code == 1, result.output
        assert expected in result.stderr
        assert "s3cret" not in result.output and "Traceback" not in result.output
    checked = project.run("check")
    assert "s3cret" not in checked.output and "Traceback" not in checked.output
    assert snapshot(project) == files


def test_a_refused_password_is_one_message_and_never_printed(make_project, postgres_server):
    name = f"test_{uuid.uuid4().hex[:12]}"
    right, wrong = "right-pässword", "wr0ng-s3cret"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.exec_driver_sql(
                f"SELECT 1 FROM pg_roles WHERE rolname = '{PASSWORD_ROLE}'"
            ).first()
            verb = "ALTER" if exists else "CREATE"
            connection.exec_driver_sql(f"{verb} ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{right}'")
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {PASSWORD_ROLE}')
        server = sa.make_url(postgres_server)
        url = server.set(username=PASSWORD_ROLE, password=wrong, database=name)
        project = make_project(database=url.render_as_string(hide_password=False))
        project.models("pages", ARTICLE)
        assert project.run("makemigrations").code == 0

        probe = sa.create_engine(url)
        try:
            with probe.connect():
                pytest.skip("this PostgreSQL server does not ask for passwords")
        except sa.exc.OperationalError:
            pass
        finally:
            probe.dispose()
        for command in (("migrate",), ("showmigrations",), ("migrate", "--plan")):
            run = project.run_process if command == ("migrate",) else project.run
            result = run(*command)
            assert result.code == 1, result.output
            assert f'password authentication failed for user "{PASSWORD_ROLE}"' in result.stderr
            assert f"{PASSWORD_ROLE}:***@" in result.stderr
            assert wrong not in result.output and "Traceback" not in result.output
        checked = project.run("check")
        assert checked.code == 1
        assert "(migrations.E006)" in checked.stdout and wrong not in checked.output

        project.database = url.set(password=right).render_as_string(hide_password=False)
        project.write_settings()
        applied = project.run("migrate")
        assert applied.code == 0, applied.output
        assert right not in applied.output
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_a_read_only_sqlite_database(make_project, tmp_path):
    path = tmp_path / "db.sqlite3"
    project = make_project(database=f"sqlite:///{path}")
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    project.write("pages/migrations/0002_rank.py", MIGRATION)
    project.models("pages", ARTICLE + "    rank = models.IntegerField(default=0)\n")
    os.chmod(path, 0o444)
    # Root writes whatever the permissions say; a read-only connection behaves like a
    # read-only file for everyone.
    project.database = f"sqlite:///file:{path}?mode=ro&uri=true"
    project.write_settings()
    before = read_schema(f"sqlite:///{path}")

    for command in (("migrate",), ("migrate", "pages", "zero")):
        result = project.run(*command)
        assert result.code == 1, result.output
        assert "is read-only (attempt to write a readonly database)" in result.stderr
        assert "make the file and its directory writable" in result.stderr
        assert "Traceback" not in result.output
    assert read_schema(f"sqlite:///{path}") == before
    assert recorded_rows(f"sqlite:///{path}") == [("pages", "0001_initial")]
    os.chmod(path, 0o644)


# -- Fields that cannot work, in models.py and in migration files ---------------------------

BAD_FIELDS = {
    "int-default": ("x", 'models.IntegerField(default="not a number")', "default 'not a number'"),
    "small-int-default": ("x", "models.SmallIntegerField(default=100000)", "outside -32768..32767"),
    "positive-default": ("x", "models.PositiveIntegerField(default=-1)", "outside 0.."),
    "date-default": ("x", 'models.DateField(default="tomorrow")', "not a valid DateField value"),
    "bool-default": ("x", 'models.BooleanField(default="false")', "'false' is not True or False"),
    "decimal-default": (
        "x",
        'models.DecimalField(max_digits=4, decimal_places=2, default="123.5")',
        "more than 2 digits before the point",
    ),
    "binary-default": ("x", 'models.BinaryField(default="abc")', "str is not bytes"),
    "char-default": ("x", 'models.CharField(max_length=2, default="abc")', "more than max_length"),
    "fk-without-on-delete": ("x", 'models.ForeignKey("pages.article")', "needs on_delete"),
    "decimal-without-digits": ("x", "models.DecimalField()", "DecimalField needs max_digits"),
    "decimal-too-many-digits": (
        "x",
        "models.DecimalField(max_digits=1001, decimal_places=2)",
        "max_digits 1001 is more than the 1000 digits",
    ),
    "null-not-bool": ("x", 'models.IntegerField(null="no")', "null must be True or False"),
    "unique-not-bool": ("x", "models.IntegerField(unique=1)", "unique must be True or False"),
    "double-underscore": ("y__z", "models.IntegerField()", "field names may not"),
    "trailing-underscore": ("y_", "models.IntegerField()", "field names may not"),
    "pk": ("pk", "models.IntegerField()", "field names may not"),
    "negative-max-length": ("x", "models.CharField(max_length=-1)", "max_length must be positive"),
    "zero-max-length": ("x", "models.CharField(max_length=0)", "max_length must be positive"),
    "huge-max-length": (
        "x",
        "models.CharField(max_length=10**12)",
        "max_length 1000000000000 is more than the 10485760 characters PostgreSQL allows",
    ),
}

HAND_WRITTEN_INITIAL = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            "Article",
            [("id", models.BigAutoField(primary_key=True)), ({name!r}, {field})],
        ),
        {more}
    ]
"""


def nothing_created(url: str) -> bool:
    """Return whether the database is as it was before any command: no file, no table."""
    if url.startswith("sqlite"):
        return not os.path.exists(sa.make_url(url).database)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return sa.inspect(connection).get_table_names() == []
    finally:
        engine.dispose()


def assert_refused_on_fresh_database(project, command, *expected: str) -> None:
    result = project.run(*command)
    assert result.code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert nothing_created(project.database)


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_a_field_that_cannot_work_is_refused_in_models_py(make_project, sqlite_url, case):
    name, field, expected = BAD_FIELDS[case]
    project = make_project(database=sqlite_url)
    project.models("pages", f"class Article(models.Model):\n    {name} = {field}\n")
    for command in (("makemigrations",), ("check",)):
        result = project.run(*command)
        assert result.code == 1, result.output
        assert f"pages.Article.{name}: " in result.stderr and expected in result.stderr
        assert "models.py:" in result.stderr and "Traceback" not in result.output
    assert project.migration_names("pages") == []


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_a_field_that_cannot_work_stops_a_migration_file_before_the_database(
    make_project, db_url, case
):
    name, field, expected = BAD_FIELDS[case]
    project = make_project(database=db_url)
    source = HAND_WRITTEN_INITIAL.format(name=name, field=field, more="")
    project.write("pages/migrations/0001_initial.py", source)
    where = "Migration pages.0001_initial, operation 'Create model Article'"
    for command in (("migrate", "--plan"), ("migrate",), ("sqlmigrate", "pages", "0001")):
        assert_refused_on_fresh_database(project, command, where, f"pages.Article.{name}: ")
        assert expected in project.run(*command).stderr


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (
            'migrations.AddField("gone", "x", models.IntegerField(default=1)),',
            "operation 'Add field x to gone': Model 'pages.gone' does not exist",
        ),
        (
            'migrations.RemoveField("article", "nope"),',
            "operation 'Remove field nope from article': pages.Article has no field 'nope'",
        ),
        (
            'migrations.AddField("article", "x", models.IntegerField(default=1)),',
            "operation 'Add field x to article': Field 'x' already exists",
        ),
    ],
    ids=["unknown-model", "unknown-field", "field-twice"],
)
def test_a_history_that_cannot_be_built_changes_nothing_on_a_fresh_database(
    make_project, db_url, operation, expected
):
    project = make_project(database=db_url)
    source = HAND_WRITTEN_INITIAL.format(name="x", field="models.IntegerField()", more=operation)
    project.write("pages/migrations/0001_initial.py", source)
    for command in (("migrate", "--plan"), ("migrate",), ("migrate", "--one-by-one")):
        assert_refused_on_fresh_database(project, command, "Migration pages.0001_initial", expected)


#: Defaults Django converts to the field's type rather than refuses: one-off defaults
#: typed at makemigrations' prompt leave such values in real histories.
CONVERTED_DEFAULTS = {
    "char-from-int": ("models.CharField(max_length=10, default=0)", "0"),
    "text-from-int": ("models.TextField(default=1)", "1"),
    "bool-from-text": ('models.BooleanField(default="False")', False),
    "int-from-text": ('models.IntegerField(default="7")', 7),
}


@pytest.mark.parametrize("case", sorted(CONVERTED_DEFAULTS))
def test_a_default_django_converts_fills_existing_rows_converted(make_project, db_url, case):
    field, stored = CONVERTED_DEFAULTS[case]
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    run_sql(db_url, "INSERT INTO pages_article (title) VALUES ('first')")
    project.write(
        "pages/migrations/0002_x.py",
        f"""
        from dbshift import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]

            operations = [
                migrations.AddField("article", "x", {field}, preserve_default=False),
            ]
        """,
    )
    result = project.run("migrate")
    assert result.code == 0, result.output
    assert run_sql(db_url, "SELECT x FROM pages_article") == [(stored,)]


IN_MEMORY_SQLITE = [
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///file::memory:?cache=shared&uri=true",
    "sqlite:///file:scratch?mode=memory&uri=true",
    "sqlite:///db.sqlite3?mode=memory&uri=true",
]


@pytest.mark.parametrize("url", IN_MEMORY_SQLITE)
def test_an_in_memory_sqlite_database_is_refused_by_every_command_that_opens_it(make_project, url):
    project = make_project(database=url)
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    settings = project.root / "pyproject.toml"

    for command in (("migrate",), ("migrate", "--plan"), ("showmigrations",), ("check",)):
        result = project.run(*command)
        assert result.code == 1, result.output
        assert "Applying" not in result.stdout and "Traceback" not in result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1, result.stderr
        assert "Database 'default' is an in-memory SQLite database" in errors[0]
        assert f"Set 'database' in {settings} to a file" in errors[0]
    # sqlmigrate only shows SQL and never connects: any SQLite URL does for it.
    assert project.run("sqlmigrate", "pages", "0001").code == 0


def test_an_empty_sqlite_path_left_by_an_unset_variable_is_refused(make_project):
    project = make_project()
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0

    result = project.run_process("migrate", env={"DATABASE_URL": "sqlite:///"})

    assert result.code == 1, result.output
    assert "Applying" not in result.stdout and "Traceback" not in result.output
    assert "Database 'default' is an in-memory SQLite database" in result.stderr
    assert "an empty path means in memory" in result.stderr
    assert "Set DATABASE_URL to a file" in result.stderr


def test_an_in_memory_database_alias_is_named_in_the_refusal(make_project):
    project = make_project()
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    settings = project.write(
        "pyproject.toml",
        """
        [tool.dbshift]
        apps = ["pages"]

        [tool.dbshift.databases]
        default = "sqlite:///db.sqlite3"
        reports = "sqlite:///:memory:"
        """,
    )

    result = project.run("migrate", "--database", "reports")

    assert result.code == 1, result.output
    assert "Database 'reports' is an in-memory SQLite database" in result.stderr
    assert f"Set 'databases.reports' in {settings} to a file" in result.stderr
    assert project.run("migrate").code == 0


def test_a_sqlite_file_in_a_directory_that_does_not_exist(make_project, tmp_path):
    missing = tmp_path / "nowhere"
    project = make_project(database=f"sqlite:///{missing / 'db.sqlite3'}")
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0

    result = project.run("migrate")

    assert result.code == 1
    assert result.stderr == (
        f"Error: Cannot create SQLite database 'default' at sqlite:///{missing / 'db.sqlite3'}: "
        f"the directory {missing} does not exist. Create it, or point the URL at an existing "
        "directory.\n"
    )
    assert "server" not in result.output
    assert not missing.exists()


def test_a_broken_models_file_with_nothing_to_apply_is_only_an_error(started):
    started.models("pages", "import no_such_models\n")

    result = started.run("migrate")

    assert result.code == 1
    assert result.stdout == ""
    assert "Cannot import models of app 'pages'" in result.stderr
