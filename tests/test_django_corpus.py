"""Histories shaped like real Django apps' (tests/django_corpus), run on both databases.

Each app's files are converted with ``dbshift convert-django`` first, as a user
would, then migrated forwards, checked against hand-written expectations,
compared with the app's models (``makemigrations --check``) and rolled back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from tests.helpers import ProjectDir, run_sql

CORPUS = Path(__file__).resolve().parent / "django_corpus"

LEDGER_MODELS = """
class Entry(models.Model):
    id = models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")
    account = models.CharField(max_length=34)
    posted = models.DateField()
    amount = models.DecimalField(decimal_places=2, max_digits=12)

    class Meta:
        indexes = [
            models.Index(fields=["account", "posted"], name="ledger_entr_account_1f3a0c_idx"),
            models.Index(fields=["posted", "amount"], name="ledger_entr_posted_9b77e2_idx"),
        ]
"""


def app_project(make_project, db_url: str, app: str, models_source: str) -> ProjectDir:
    """Return a project with ``app``'s corpus files converted, and its models."""
    project = make_project((app,), db_url)
    for source in sorted((CORPUS / app).glob("*.py.txt")):
        shutil.copy(source, project.migrations_dir(app) / source.name.removesuffix(".txt"))
    project.models(app, models_source)
    result = project.run("convert-django", app)
    assert result.code == 0, result.output
    return project


def migrate(project: ProjectDir, *target: str) -> None:
    result = project.run("migrate", *target)
    assert result.code == 0, result.output


def plain_indexes(url: str, table: str) -> dict[str, tuple[str, ...]]:
    """Return the non-unique indexes of ``table``: columns by index name."""
    engine = sa.create_engine(url)
    try:
        indexes = sa.inspect(engine).get_indexes(table)
    finally:
        engine.dispose()
    return {index["name"]: tuple(index["column_names"]) for index in indexes if not index["unique"]}


def test_index_together_is_created_and_renamed_by_its_fields(make_project, db_url):
    project = app_project(make_project, db_url, "ledger", LEDGER_MODELS)

    migrate(project, "ledger", "0002")
    assert sorted(plain_indexes(db_url, "ledger_entry").values()) == [
        ("account", "posted"),
        ("posted", "amount"),
    ]
    migrate(project)

    assert plain_indexes(db_url, "ledger_entry") == {
        "ledger_entr_account_1f3a0c_idx": ("account", "posted"),
        "ledger_entr_posted_9b77e2_idx": ("posted", "amount"),
    }
    check = project.run("makemigrations", "--check")
    assert (check.code, check.stdout) == (0, "No changes detected\n"), check.output
    migrate(project, "ledger", "zero")
    engine = sa.create_engine(db_url)
    assert not sa.inspect(engine).has_table("ledger_entry")
    engine.dispose()


def test_rename_index_finds_an_unnamed_index_by_its_columns(make_project, db_url):
    # Another tool (an older Django) named the index differently than dbshift would.
    project = app_project(make_project, db_url, "ledger", LEDGER_MODELS)
    migrate(project, "ledger", "0002")
    by_columns = {columns: name for name, columns in plain_indexes(db_url, "ledger_entry").items()}
    run_sql(db_url, f"DROP INDEX {by_columns['account', 'posted']}")
    run_sql(db_url, "CREATE INDEX entry_acct_legacy ON ledger_entry (account, posted)")

    migrate(project)

    assert plain_indexes(db_url, "ledger_entry") == {
        "ledger_entr_account_1f3a0c_idx": ("account", "posted"),
        "ledger_entr_posted_9b77e2_idx": ("posted", "amount"),
    }
    migrate(project, "ledger", "0002")
    assert sorted(plain_indexes(db_url, "ledger_entry").values()) == [
        ("account", "posted"),
        ("posted", "amount"),
    ]
    migrate(project, "ledger", "zero")
