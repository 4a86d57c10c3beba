"""``dbshift lint``: each rule fires on its hazard, and not on the safe form or new tables."""

from __future__ import annotations

import json

import pytest

from dbshift.actions.lint import lint_migrations
from tests.helpers import ProjectDir, run_sql

HEADER = "from dbshift import migrations, models\n\n\n"

BOOK = """
        migrations.CreateModel(
            name="Author",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=10)),
            ],
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("title", models.CharField(max_length=50)),
                ("n", models.IntegerField(null=True)),
            ],
            options={"indexes": [models.Index(fields=["n"], name="book_n_idx")]},
        ),
"""


def write_migration(
    project: ProjectDir, name: str, operations: str, depends: str | None, extra: str = ""
) -> None:
    dependencies = f'[("shop", "{depends}")]' if depends else "[]"
    project.write(
        f"shop/migrations/{name}.py",
        HEADER + "class Migration(migrations.Migration):\n"
        f"    dependencies = {dependencies}\n{extra}"
        f"    operations = [\n{operations}\n    ]\n",
    )


def make_shop(make_project, url: str, operations: str, new_table: bool = False, extra: str = ""):
    """Return a project whose migration 0002 (or, with ``new_table``, 0001) has ``operations``."""
    project = make_project(("shop",), database=url)
    project.models("shop", "")
    if new_table:
        write_migration(project, "0001_initial", BOOK + operations, None, extra)
    else:
        write_migration(project, "0001_initial", BOOK, None)
        write_migration(project, "0002_change", operations, "0001_initial", extra)
    return project


def lint_ids(project: ProjectDir, migration: str = "0002") -> list[str]:
    return [finding.id for finding in lint_migrations(project.project(), "shop", migration)]


def sql(statement: str) -> str:
    return f"        migrations.RunSQL({statement!r}, migrations.RunSQL.noop),"


# (rule, operations with the hazard, the safe form of the same change)
LOCK_CASES = [
    (
        "L001",
        '        migrations.AddIndex("Book", models.Index(fields=["title"], name="t_idx")),',
        sql("CREATE INDEX CONCURRENTLY t_idx ON shop_book (title)"),
    ),
    (
        "L002",
        sql("DROP INDEX book_n_idx"),
        sql("DROP INDEX CONCURRENTLY IF EXISTS book_n_idx"),
    ),
    (
        "L003",
        sql(
            "ALTER TABLE shop_book ADD CONSTRAINT n_fk FOREIGN KEY (n) REFERENCES shop_author (id)"
        ),
        sql(
            "ALTER TABLE shop_book ADD CONSTRAINT n_fk FOREIGN KEY (n) "
            "REFERENCES shop_author (id) NOT VALID"
        )
        + sql("ALTER TABLE shop_book VALIDATE CONSTRAINT n_fk"),
    ),
    (
        "L004",
        '        migrations.AddConstraint("Book", models.CheckConstraint('
        'condition=models.Q(n__gt=0), name="n_pos")),',
        sql("ALTER TABLE shop_book ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID")
        + sql("ALTER TABLE shop_book VALIDATE CONSTRAINT n_pos"),
    ),
    (
        "L005",
        '        migrations.AddConstraint("Book", models.UniqueConstraint('
        'fields=["title"], name="t_uniq")),',
        sql(
            "CREATE UNIQUE INDEX CONCURRENTLY t_uniq ON shop_book (title); "
            "ALTER TABLE shop_book ADD CONSTRAINT t_uniq UNIQUE USING INDEX t_uniq"
        ),
    ),
    (
        "L006",
        '        migrations.AlterField("Book", "n", models.IntegerField(default=0)),',
        sql('ALTER TABLE shop_book ADD CONSTRAINT n_nn CHECK ("n" IS NOT NULL) NOT VALID')
        + sql("ALTER TABLE shop_book VALIDATE CONSTRAINT n_nn")
        + sql(
            "ALTER TABLE shop_book ALTER COLUMN n SET NOT NULL; "
            "ALTER TABLE shop_book DROP CONSTRAINT n_nn"
        ),
    ),
    (
        "L007",
        '        migrations.AlterField("Book", "n", models.BigIntegerField(null=True)),',
        '        migrations.AlterField("Book", "title", models.CharField(max_length=200)),',
    ),
    (
        "L008",
        sql("ALTER TABLE shop_book ADD COLUMN token uuid DEFAULT gen_random_uuid()"),
        sql("ALTER TABLE shop_book ADD COLUMN token text DEFAULT 'none' NOT NULL"),
    ),
    (
        "L009",
        '        migrations.AddConstraintNotValid("Book", models.CheckConstraint('
        'condition=models.Q(n__gt=0), name="n_pos")),\n'
        '        migrations.ValidateConstraint("Book", "n_pos"),',
        '        migrations.AddConstraintNotValid("Book", models.CheckConstraint('
        'condition=models.Q(n__gt=0), name="n_pos")),\n'
        '        migrations.ValidateConstraint("Book", "n_pos"),',
    ),
]
#: The safe forms run in a migration whose operations each have their own transaction.
NON_ATOMIC = "    atomic = False\n"
#: The bad cases written with operations, or SQL that SQLite runs too.
PORTABLE = ("L001", "L004", "L006", "L007", "L009")


@pytest.mark.parametrize(("rule", "bad", "safe"), LOCK_CASES, ids=[c[0] for c in LOCK_CASES])
def test_each_lock_rule_fires_on_its_hazard_only(make_project, pg_url, rule, bad, safe):
    assert lint_ids(make_shop(make_project, pg_url, bad)) == [rule]
    assert lint_ids(make_shop(make_project, pg_url, safe, extra=NON_ATOMIC)) == []


@pytest.mark.parametrize(("rule", "bad", "safe"), LOCK_CASES, ids=[c[0] for c in LOCK_CASES])
def test_lock_rules_are_silent_on_tables_the_migration_creates(
    make_project, pg_url, rule, bad, safe
):
    project = make_shop(make_project, pg_url, bad, new_table=True)
    assert lint_ids(project, "0001") == []


@pytest.mark.parametrize(
    ("rule", "bad", "safe"), [case for case in LOCK_CASES if case[0] in PORTABLE], ids=PORTABLE
)
def test_sqlite_has_no_lock_rules(make_project, sqlite_url, rule, bad, safe):
    assert lint_ids(make_shop(make_project, sqlite_url, bad)) == []


def test_type_changes_flagged_are_those_that_rewrite_the_table(make_project, pg_url):
    """Judge the rule by the table's file: PostgreSQL gives a rewritten table a new one."""
    changes = {
        '"n", models.BigIntegerField(null=True)': True,
        '"title", models.CharField(max_length=200)': False,
        '"title", models.TextField()': False,
        '"title", models.CharField(max_length=20)': True,
    }
    for change, rewritten in changes.items():
        operation = f'        migrations.AlterField("Book", {change}),'
        project = make_shop(make_project, pg_url, operation)
        flagged = lint_ids(project) == ["L007"]
        assert project.run("migrate", "shop", "0001").code == 0
        run_sql(pg_url, "INSERT INTO shop_book (title, n) VALUES ('a', 1)")
        before = run_sql(pg_url, "SELECT pg_relation_filenode('shop_book')")
        assert project.run("migrate", "shop").code == 0
        after = run_sql(pg_url, "SELECT pg_relation_filenode('shop_book')")
        assert (before != after, flagged) == (rewritten, rewritten), change
        run_sql(pg_url, "DROP TABLE shop_book, shop_author, dbshift_migrations")


COMPAT_CASES = [
    ("C001", '        migrations.RemoveField("Book", "title"),'),
    ("C002", '        migrations.RenameField("Book", "n", "count"),'),
    ("C003", '        migrations.DeleteModel("Author"),'),
    ("C004", '        migrations.AlterModelTable("Author", "authors"),'),
    ("C001", sql("ALTER TABLE shop_book DROP COLUMN n")),
]


@pytest.mark.parametrize(("rule", "operation"), COMPAT_CASES)
def test_compatibility_rules_fire_on_every_database(make_project, db_url, rule, operation):
    assert lint_ids(make_shop(make_project, db_url, operation)) == [rule]
    assert lint_ids(make_shop(make_project, db_url, operation, new_table=True), "0001") == []


def test_a_drop_after_the_state_only_removal_is_the_safe_two_deploy_form(make_project, db_url):
    state_only = (
        "        migrations.SeparateDatabaseAndState(\n"
        '            state_operations=[migrations.RemoveField("Book", "title")]),'
    )
    database_only = sql("ALTER TABLE shop_book DROP COLUMN title")
    project = make_shop(make_project, db_url, state_only)
    write_migration(project, "0003_drop", database_only, "0002_change")
    assert lint_ids(project, "0002") == []
    assert lint_ids(project, "0003") == []
    # Applied one after the other, the schema is the plain RemoveField's.
    result = project.run("migrate")
    assert result.code == 0, result.output
    columns = [row[0] for row in run_sql(db_url, _columns_query(db_url, "shop_book"))]
    assert sorted(columns) == ["id", "n"]


def _columns_query(url: str, table: str) -> str:
    if url.startswith("sqlite"):
        return f"SELECT name FROM pragma_table_info('{table}')"
    return f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"


def test_a_migration_accepts_the_rules_it_lists(make_project, pg_url):
    operation = LOCK_CASES[0][1] + "\n" + COMPAT_CASES[1][1]
    project = make_shop(make_project, pg_url, operation, extra='    lint_accept = ["L001"]\n')
    assert lint_ids(project) == ["C002"]


def test_the_command_prints_json_and_exits_by_fail_level(make_project, pg_url):
    project = make_shop(make_project, pg_url, LOCK_CASES[0][1])
    result = project.run("lint", "shop", "0002", "--format", "json")
    assert result.code == 1
    (finding,) = json.loads(result.stdout)
    assert finding["id"] == "L001"
    assert finding["migration"] == "shop.0002_change"
    assert finding["table"] == "shop_book"
    assert finding["lock"] == "SHARE"
    assert "AddIndexConcurrently" in finding["instead"]
    assert project.run("lint", "--fail-level", "ERROR").code == 0
    text = project.run("lint", "shop")
    assert "(L001)" in text.stdout and "shop.0002_change" in text.stdout


def test_check_lints_the_unapplied_plan(make_project, db_url):
    operation = LOCK_CASES[0][1] + "\n" + COMPAT_CASES[1][1]
    project = make_shop(make_project, db_url, operation)
    project.models(
        "shop", "class Author(models.Model):\n    name = models.CharField(max_length=9)\n"
    )
    # Nothing applied: the plan creates the tables, so nothing in it is a hazard.
    result = project.run("check", "--format", "json")
    assert result.code == 0, result.output
    ids = [finding["id"] for finding in json.loads(result.stdout)]
    assert not [found for found in ids if found.startswith("lint.")]
    assert project.run("migrate", "shop", "0001").code == 0
    result = project.run("check", "--format", "json")
    assert result.code == 0
    ids = sorted(finding["id"] for finding in json.loads(result.stdout))
    expected = ["lint.C002", "lint.L001"] if db_url.startswith("postgresql") else ["lint.C002"]
    assert [found for found in ids if found.startswith("lint.")] == expected


def test_a_column_a_table_rebuild_leaves_out_is_a_drop(make_project, db_url):
    """SQLite drops a foreign key column by copying the table without it."""
    author = (
        '        migrations.AddField("Book", "author", models.ForeignKey('
        '"shop.Author", on_delete=models.CASCADE, null=True)),'
    )
    project = make_shop(make_project, db_url, author)
    remove = '        migrations.RemoveField("Book", "author"),\n' + COMPAT_CASES[0][1]
    write_migration(project, "0003_remove", remove, "0002_change")
    findings = lint_migrations(project.project(), "shop", "0003")
    dropped = sorted(finding.action.column for finding in findings if finding.id == "C001")
    assert dropped == ["author_id", "title"]


def test_an_unknown_accepted_rule_is_refused(make_project, sqlite_url):
    project = make_shop(
        make_project, sqlite_url, COMPAT_CASES[0][1], extra='    lint_accept = ["C01"]\n'
    )
    result = project.run("lint")
    assert result.code == 1
    assert "Migration shop.0002_change: lint_accept lists C01, which no lint rule" in result.stderr
    assert "Traceback" not in result.output
