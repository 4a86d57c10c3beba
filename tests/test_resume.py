"""Resuming a migration run an operation at a time, where DDL may outlive its record.

Where DDL commits by itself (MySQL, MariaDB), every migration runs an operation at
a time, and a crash between an operation's statements and its progress row leaves
it done but unrecorded. These tests build that state by hand -- the SQL
``sqlmigrate`` prints for the operations, run through a plain connection, and the
progress row of the operation before -- and check that ``migrate`` recognises the
operation from the tables instead of running it again. ``migrate --stepwise``
runs the same machinery on SQLite and PostgreSQL; the databases whose features
say DDL commits by itself run it without the flag.
"""

from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa

from dbshift.actions.migrate import MigrationSession
from dbshift.exceptions import ConcurrentMigrationError
from dbshift.migrations.checksum import migration_checksum
from dbshift.migrations.recorder import PROGRESS_TABLE_NAME
from tests.expectations import assert_database_matches
from tests.helpers import ProjectDir
from tests.history import inspected_schema, read_schema, recorded_rows
from tests.test_concurrency import ADD_FIELD, ddl_rolls_back, three_migrations
from tests.test_crash import reset_database
from tests.test_nonatomic import progress_rows

INITIAL = """
class Author(models.Model):
    name = models.CharField(max_length=50)


class Article(models.Model):
    title = models.CharField(max_length=20)
"""

FINAL = """
class Author(models.Model):
    name = models.CharField(max_length=50)


class Article(models.Model):
    title = models.CharField(max_length=80)
    rank = models.IntegerField(default=0)
    author = models.ForeignKey(Author, models.CASCADE, null=True)

    class Meta:
        indexes = [models.Index(fields=["rank"], name="article_rank")]


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)
    article = models.ForeignKey(Article, models.CASCADE)
"""

CHANGES = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [
        migrations.AddField("article", "rank", models.IntegerField(default=0)),
        migrations.AddField(
            "article",
            "author",
            models.ForeignKey(null=True, on_delete=models.CASCADE, to="pages.author"),
        ),
        migrations.AlterField("article", "title", models.CharField(max_length=80)),
        migrations.AddIndex("article", models.Index(fields=["rank"], name="article_rank")),
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                ("name", models.CharField(max_length=30, unique=True)),
                ("article", models.ForeignKey(on_delete=models.CASCADE, to="pages.article")),
            ],
        ),
    ]
"""

DESCRIPTIONS = [
    "Add field rank to article",
    "Add field author to article",
    "Alter field title on article",
    "Create index article_rank on field(s) rank of model article",
    "Create model Tag",
]
KEY = ("pages", "0002_changes")
BOTH = [("pages", "0001_initial"), KEY]


def changes_project(make_project, url: str) -> ProjectDir:
    """Return a project whose 0001 is applied and whose 0002 is on disk."""
    project = make_project(database=url)
    project.models("pages", INITIAL)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    project.write("pages/migrations/0002_changes.py", CHANGES)
    project.models("pages", FINAL)
    return project


def operation_sql(project: ProjectDir, *options: str, name: str = "0002") -> list[list[str]]:
    """Return the statements ``sqlmigrate`` prints for each operation of a migration, in order."""
    result = project.run("sqlmigrate", "pages", name, *options)
    assert result.code == 0, result.output
    blocks: list[list[str]] = []
    lines = result.stdout.splitlines()
    for number, line in enumerate(lines):
        # Each operation's SQL comes after its description, framed by "--" lines.
        if line.startswith("-- ") and lines[number - 1] == "--" == lines[number + 1]:
            blocks.append([])
        elif blocks and line not in ("--", "COMMIT;"):
            blocks[-1].append(line)
    return [
        [statement for statement in re.split(r";\s*$", "\n".join(block), flags=re.M) if statement]
        for block in blocks
    ]


def run_by_hand(url: str, statements: list[str]) -> None:
    """Run ``statements`` through a plain connection, each committed on its own."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        for statement in statements:
            if statement.strip() in ("", "BEGIN"):
                continue
            with engine.begin() as connection:
                connection.exec_driver_sql(statement.strip())
    finally:
        engine.dispose()


def write_progress(
    project: ProjectDir, url: str, direction: str, done: int, key: tuple[str, str] = KEY
) -> None:
    """Leave the progress row an interrupted run leaves after ``done`` operations."""
    migration = project.project().loader().graph.node(key)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE_NAME} (app varchar(255) NOT NULL, "
                "name varchar(255) NOT NULL, direction varchar(16) NOT NULL, done integer NOT "
                "NULL, checksum text NOT NULL, PRIMARY KEY (app, name))"
            )
            connection.execute(
                sa.text(
                    f"INSERT INTO {PROGRESS_TABLE_NAME} VALUES (:app, :name, :direction, "
                    ":done, :checksum)"
                ),
                {
                    "app": key[0],
                    "name": key[1],
                    "direction": direction,
                    "done": done,
                    "checksum": str(migration_checksum(migration)),
                },
            )
    finally:
        engine.dispose()


def uninterrupted_schema(make_project, url: str) -> dict:
    """Return the tables a plain ``migrate`` of the same project builds on ``url``."""
    project = changes_project(make_project, url)
    assert project.run("migrate").code == 0
    return inspected_schema(url)


def assert_finished_like_an_uninterrupted_run(project, make_project, url, twin_url):
    assert recorded_rows(url) == BOTH
    assert progress_rows(url) == []
    assert_database_matches(url, project.project().models_state())
    assert inspected_schema(url) == uninterrupted_schema(make_project, twin_url)


@pytest.mark.parametrize("done_by_hand", [1, 2, 4, 5])
def test_an_operation_done_but_not_recorded_is_recognised_and_not_run_again(
    make_project, db_url, twin_url, done_by_hand
):
    project = changes_project(make_project, db_url)
    blocks = operation_sql(project)
    assert len(blocks) == len(DESCRIPTIONS)
    run_by_hand(db_url, [statement for block in blocks[:done_by_hand] for statement in block])
    # A run marks a migration before its first operation: 0 done is a mark too.
    write_progress(project, db_url, "forwards", done_by_hand - 1)

    result = project.run("migrate", "--stepwise")

    assert result.code == 0, result.output
    if done_by_hand > 1:
        assert (
            f"Resuming pages.0002_changes at operation {done_by_hand} of 5: "
            f"{DESCRIPTIONS[done_by_hand - 1]}\n" in result.stdout
        )
    assert (
        f"pages.0002_changes: operation {done_by_hand} of 5 ({DESCRIPTIONS[done_by_hand - 1]}) "
        "had taken effect before its progress was recorded: recorded as done, not run again."
    ) in result.stdout
    assert "  Applying pages.0002_changes... OK" in result.stdout
    assert_finished_like_an_uninterrupted_run(project, make_project, db_url, twin_url)


@pytest.mark.parametrize(("operation", "statements"), [(2, 1), (5, 1)])
def test_an_operation_cut_between_its_statements_is_finished(
    make_project, db_url, twin_url, operation, statements
):
    """ADD COLUMN done without its index and key; CREATE TABLE done without its indexes."""
    project = changes_project(make_project, db_url)
    blocks = operation_sql(project)
    assert len(blocks[operation - 1]) > statements
    done = [statement for block in blocks[: operation - 1] for statement in block]
    run_by_hand(db_url, done + blocks[operation - 1][:statements])
    write_progress(project, db_url, "forwards", operation - 1)

    result = project.run("migrate", "--stepwise")

    assert result.code == 0, result.output
    assert f"operation {operation} of 5 ({DESCRIPTIONS[operation - 1]}) had taken effect" in (
        result.stdout
    )
    assert "finished it here (created " in result.stdout
    assert_finished_like_an_uninterrupted_run(project, make_project, db_url, twin_url)


def test_a_column_left_with_the_default_that_filled_it_is_finished(
    make_project, pg_url, postgresql_twin
):
    """PostgreSQL adds a NOT NULL column with a default, then drops the default."""
    project = changes_project(make_project, pg_url)
    first = operation_sql(project)[0]
    assert len(first) == 2 and "DROP DEFAULT" in first[1]
    run_by_hand(pg_url, first[:1])
    write_progress(project, pg_url, "forwards", 0)

    result = project.run("migrate", "--stepwise")

    assert result.code == 0, result.output
    assert "finished it here (set the default of pages_article.rank)" in result.stdout
    assert_finished_like_an_uninterrupted_run(project, make_project, pg_url, postgresql_twin)


@pytest.fixture
def postgresql_twin(request):
    from tests.postgres import fresh_database

    with fresh_database(request.getfixturevalue("postgres_server")) as url:
        yield url


def test_an_operation_undone_but_not_recorded_is_recognised_backwards(
    make_project, db_url, twin_url
):
    project = changes_project(make_project, db_url)
    assert project.run("migrate").code == 0
    undoing = operation_sql(project, "--backwards")
    # Unapplying starts with the last operation: the table of Tag goes first.
    run_by_hand(db_url, undoing[0] + undoing[1])
    write_progress(project, db_url, "backwards", 1)

    result = project.run("migrate", "pages", "0001", "--stepwise")

    assert result.code == 0, result.output
    assert "Resuming pages.0002_changes backwards at operation 4 of 5" in result.stdout
    assert "operation 4 of 5 (Create index article_rank" in result.stdout
    assert recorded_rows(db_url) == BOTH[:1]
    assert progress_rows(db_url) == []
    assert sorted(read_schema(db_url)) == ["pages_article", "pages_author"]
    assert {column.name for column in read_schema(db_url)["pages_article"].columns} == {
        "id",
        "title",
    }


def test_tables_in_neither_state_stop_migrate_with_one_clear_error(make_project, db_url):
    project = changes_project(make_project, db_url)
    blocks = operation_sql(project)
    run_by_hand(db_url, blocks[0])
    # Someone added the author column by hand, with another type.
    run_by_hand(db_url, ["ALTER TABLE pages_article ADD COLUMN author_id varchar(10)"])
    write_progress(project, db_url, "forwards", 1)
    before = read_schema(db_url)

    result = project.run_process("migrate", "--stepwise")

    assert result.code == 1
    assert "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert (
        "Applying pages.0002_changes stopped before operation 2 of 5 (Add field author to "
        "article): that operation was interrupted earlier, and the tables it changes match "
        "neither the state before it nor the state after it" in message
    )
    assert "pages_article.author_id" in message
    assert "'dbshift sqlmigrate pages 0002_changes' prints the operation's SQL" in message
    assert read_schema(db_url) == before
    assert recorded_rows(db_url) == BOTH[:1]
    assert progress_rows(db_url) == [("pages", "0002_changes", "forwards", 1)]


def test_stepwise_runs_every_migration_an_operation_at_a_time(make_project, db_url):
    """No shared transaction and no build of the empty database: each operation is recorded."""
    project = make_project(database=db_url)
    project.models("pages", INITIAL)
    assert project.run("makemigrations").code == 0
    project.write("pages/migrations/0002_changes.py", CHANGES)
    project.models("pages", FINAL)
    # The last operation fails: Tag's table is there already.
    run_by_hand(db_url, ["CREATE TABLE pages_tag (id integer PRIMARY KEY, extra integer)"])

    failed = project.run_process("migrate", "--stepwise", "-v", "2")

    assert failed.code == 1
    assert "in one transaction with" not in failed.stdout
    assert "straight to their end state" not in failed.stdout
    assert "(operation 5 of 5)" in failed.stderr
    assert "The migration runs an operation at a time here" in failed.stderr
    assert recorded_rows(db_url) == BOTH[:1]
    assert progress_rows(db_url) == [("pages", "0002_changes", "forwards", 4)]
    check = project.run("check")
    assert "Migration pages.0002_changes stopped while being applied, after 4 of its" in (
        " ".join(check.stdout.split())
    )

    run_by_hand(db_url, ["DROP TABLE pages_tag"])
    resumed = project.run("migrate", "--stepwise")

    assert resumed.code == 0, resumed.output
    assert "Resuming pages.0002_changes at operation 5 of 5: Create model Tag" in resumed.stdout
    assert recorded_rows(db_url) == BOTH
    assert_database_matches(db_url, project.project().models_state())


def test_where_ddl_commits_by_itself_every_migration_is_resumable(make_project, db_url, twin_url):
    """The same recognition without ``--stepwise``, on each database whose DDL commits."""
    if ddl_rolls_back(db_url):
        pytest.skip("a rollback undoes DDL here: migrate --stepwise covers it above")
    project = changes_project(make_project, db_url)
    blocks = operation_sql(project)
    run_by_hand(db_url, [statement for block in blocks[:2] for statement in block])
    write_progress(project, db_url, "forwards", 1)

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert "Resuming pages.0002_changes at operation 2 of 5" in result.stdout
    assert "operation 2 of 5 (Add field author to article) had taken effect" in result.stdout
    assert_finished_like_an_uninterrupted_run(project, make_project, db_url, twin_url)


MORE = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0002_changes")]

    operations = [
        migrations.RenameField("article", "rank", "position"),
        migrations.AlterField(
            "article",
            "author",
            models.ForeignKey(null=True, on_delete=models.SET_NULL, to="pages.author"),
        ),
        migrations.AlterField("tag", "name", models.CharField(max_length=60, db_index=True)),
        migrations.AlterUniqueTogether("article", {("title", "position")}),
        migrations.RemoveField("article", "author"),
        migrations.RenameModel("Tag", "Label"),
        migrations.AlterField("author", "id", models.AutoField(primary_key=True)),
        migrations.DeleteModel("Label"),
    ]
"""

MORE_FINAL = """
class Author(models.Model):
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=50)


class Article(models.Model):
    title = models.CharField(max_length=80)
    position = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["position"], name="article_rank")]
        unique_together = [("title", "position")]
"""
MORE_KEY = ("pages", "0003_more")


def more_project(make_project, url: str, applied: bool) -> ProjectDir:
    """Return a project with 0002 applied and 0003 on disk (applied too if ``applied``)."""
    project = changes_project(make_project, url)
    assert project.run("migrate").code == 0
    project.write("pages/migrations/0003_more.py", MORE)
    project.models("pages", MORE_FINAL)
    if applied:
        assert project.run("migrate").code == 0
    return project


@pytest.mark.slow
@pytest.mark.parametrize("backwards", [False, True], ids=["forwards", "backwards"])
def test_a_cut_after_any_statement_of_any_operation_is_resumed(
    make_project, pg_url, postgresql_twin, backwards
):
    """Renames, keys re-created, columns dropped, tables renamed and dropped, cut anywhere."""
    target = ("pages", "0002") if backwards else ("pages", "0003")
    options = ("--backwards",) if backwards else ()
    reference = more_project(make_project, postgresql_twin, applied=True)
    assert reference.run("migrate", *target).code == 0
    expected = inspected_schema(postgresql_twin)
    rows = recorded_rows(postgresql_twin)
    project = more_project(make_project, pg_url, applied=backwards)
    blocks = operation_sql(project, *options, name="0003")
    assert len(blocks) == 8
    for number, block in enumerate(blocks):
        for cut in range(1, len(block) + 1):
            reset_database(pg_url)
            project = more_project(make_project, pg_url, applied=backwards)
            run_by_hand(pg_url, [*itertools.chain(*blocks[:number]), *block[:cut]])
            # A run marks a migration before its first operation: 0 done is a mark too.
            direction = "backwards" if backwards else "forwards"
            write_progress(project, pg_url, direction, number, MORE_KEY)

            result = project.run("migrate", *target, "--stepwise")

            where = f"operation {number + 1}, cut after statement {cut} of {len(block)}"
            assert result.code == 0, f"{where}: {result.output}"
            assert inspected_schema(pg_url) == expected, where
            assert recorded_rows(pg_url) == rows, where
            assert progress_rows(pg_url) == [], where


def test_a_stale_plan_stops_before_unapplying_what_a_part_way_migration_builds_on(
    make_project, db_url
):
    """Run an operation at a time, an atomic migration may be part-way too."""
    project = three_migrations(make_project, db_url)
    project.write(
        "pages/migrations/0003_score.py",
        ADD_FIELD.format(parent="0002_rank", field="score", atomic=True, fail=True),
    )
    assert project.run("migrate", "pages", "0002").code == 0
    with MigrationSession(project.project()) as session:
        steps = session.plan(session.targets("pages", "0001"))
        # Meanwhile another run stops inside 0003, after its first operation.
        failed = project.run("migrate", "--stepwise")
        assert failed.code == 1
        assert progress_rows(db_url) == [("pages", "0003_score", "forwards", 1)]

        with pytest.raises(ConcurrentMigrationError) as raised:
            session.run(steps, stepwise=True)

    assert str(raised.value).startswith(
        "Stopped before unapplying pages.0002_rank: another process is part-way through "
        "pages.0003_score, which depends on it, while this migrate ran."
    )
    assert recorded_rows(db_url) == [("pages", "0001_initial"), ("pages", "0002_rank")]
