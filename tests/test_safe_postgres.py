"""``safe_postgres = true``: makemigrations writes the forms that do not block busy tables."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.actions.lint import lint_migrations
from tests.helpers import ProjectDir, run_sql

BEFORE = """
class Book(models.Model):
    title = models.CharField(max_length=50)
    n = models.IntegerField(null=True)
"""

AFTER = """
class Book(models.Model):
    title = models.CharField(max_length=50)
    n = models.IntegerField()
    isbn = models.CharField(max_length=20, null=True)

    class Meta:
        indexes = [models.Index(fields=["title"], name="t_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(n__gte=0), name="n_pos")]


class Shelf(models.Model):
    label = models.CharField(max_length=10)

    class Meta:
        indexes = [models.Index(fields=["label"], name="label_idx")]
"""


def changed_project(make_project, url: str, safe: bool) -> ProjectDir:
    """Return a project migrated to BEFORE, with rows, whose models are now AFTER."""
    project = make_project(("shop",), database=url)
    if safe:
        path = project.root / "pyproject.toml"
        path.write_text(path.read_text() + "safe_postgres = true\n")
    project.models("shop", BEFORE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    run_sql(url, "INSERT INTO shop_book (title, n) VALUES ('a', 1), ('b', 2)")
    project.models("shop", AFTER)
    result = project.run("makemigrations", "--noinput")
    assert result.code == 0, result.output
    return project


def schema(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            table: {
                "columns": sorted(
                    (column["name"], column["nullable"]) for column in inspector.get_columns(table)
                ),
                "indexes": sorted(index["name"] for index in inspector.get_indexes(table)),
                "checks": sorted(check["name"] for check in inspector.get_check_constraints(table)),
            }
            for table in ("shop_book", "shop_shelf")
        }
    finally:
        engine.dispose()


EXPECTED = {
    "shop_book": {
        "columns": [("id", False), ("isbn", True), ("n", False), ("title", False)],
        "indexes": ["t_idx"],
        "checks": ["n_pos"],
    },
    "shop_shelf": {
        "columns": [("id", False), ("label", False)],
        "indexes": ["label_idx"],
        "checks": [],
    },
}


def test_safe_forms_are_written_for_existing_tables_only(make_project, sqlite_url):
    project = changed_project(make_project, sqlite_url, safe=True)
    names = project.migration_names("shop")
    assert len(names) == 3
    plain, safe = (project.migration_source("shop", name) for name in names[1:])
    assert "atomic = False" not in plain and "atomic = False" in safe
    # The new table keeps its plain index; the existing one gets the safe forms.
    assert 'name="label_idx"' in plain and "AddIndexConcurrently" not in plain
    assert "migrations.AlterField" not in plain
    for operation in (
        "AddConstraintNotValid",
        "ValidateConstraint",
        "AlterField",
        "RemoveConstraint",
        "AddIndexConcurrently",
    ):
        assert f"migrations.{operation}(" in safe, operation
    assert f'("shop", "{names[1]}")' in safe


def test_safe_forms_give_the_plain_schema_and_pass_lint(make_project, db_url, twin_url):
    plain = changed_project(make_project, db_url, safe=False)
    safe = changed_project(make_project, twin_url, safe=True)
    for project in (plain, safe):
        result = project.run("migrate")
        assert result.code == 0, result.output
    assert schema(db_url) == schema(twin_url) == EXPECTED
    if db_url.startswith("postgresql"):
        plain_ids = sorted({finding.id for finding in lint_migrations(plain.project(), "shop")})
        assert plain_ids == ["L001", "L004", "L006"]
    assert lint_migrations(safe.project(), "shop") == []
