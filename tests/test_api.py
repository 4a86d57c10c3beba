"""The public Python API: each command as a function returning results, printing nothing."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import dbshift
from dbshift.exceptions import (
    AppNotFoundError,
    ConflictError,
    HistoryChangedError,
    NodeNotFoundError,
    PlanError,
    UnansweredQuestionError,
)
from dbshift.migrations.questioner import Questioner
from tests.helpers import SRC
from tests.history import recorded_rows
from tests.test_migrate import ARTICLE, SLUG, columns


@pytest.fixture
def settings(make_project, db_url):
    """Return the settings path of a project with one model and no migration yet."""
    project = make_project(database=db_url)
    project.models("pages", ARTICLE)
    return project.root / "pyproject.toml"


def test_import_loads_no_library_module():
    code = "import sys, dbshift; print(sorted(m for m in sys.modules if m.startswith('dbshift')))"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}
    )
    assert completed.stdout.strip() == "['dbshift']", completed.stderr


def test_every_public_name_resolves():
    for name in dbshift.__all__:
        assert getattr(dbshift, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nowhere'"):
        dbshift.nowhere  # noqa: B018


def test_makemigrations_writes_and_returns_files(settings, capsys):
    written = dbshift.makemigrations(settings=settings)

    assert [(item.app_label, item.name, item.written) for item in written] == [
        ("pages", "0001_initial", True)
    ]
    assert written[0].operations == ["Create model Article"]
    assert written[0].path.read_text() == written[0].source
    assert dbshift.makemigrations(settings=settings) == []
    assert capsys.readouterr() == ("", "")


def test_makemigrations_check_and_dry_run_write_nothing(settings):
    for options in ({"check": True}, {"dry_run": True}):
        found = dbshift.makemigrations(settings=settings, **options)
        assert [item.name for item in found] == ["0001_initial"]
        assert not found[0].written
        assert not found[0].path.exists()


def test_makemigrations_unknown_app(settings):
    with pytest.raises(AppNotFoundError, match="nowhere"):
        dbshift.makemigrations(["nowhere"], settings=settings)


def test_makemigrations_refuses_a_rename_no_questioner_answers(settings):
    dbshift.makemigrations(settings=settings)
    models_file = settings.parent / "pages" / "models.py"
    models_file.write_text(models_file.read_text().replace("content", "body"))

    with pytest.raises(
        UnansweredQuestionError, match=r"App 'pages': Field article\.content was removed"
    ):
        dbshift.makemigrations(settings=settings)
    renamed = dbshift.makemigrations(settings=settings, questioner=Questioner(renames=True))

    assert renamed[0].operations == ["Rename field content on article to body"]


def test_settings_are_found_from_the_working_directory(settings, monkeypatch):
    monkeypatch.chdir(settings.parent / "pages")
    assert [item.name for item in dbshift.makemigrations(dry_run=True)] == ["0001_initial"]


def test_migrate_plan_runs_nothing_then_migrate_applies(settings, db_url, capsys):
    dbshift.makemigrations(settings=settings)

    planned = dbshift.migrate(plan=True, settings=settings)
    assert planned.planned
    assert [(step.label, step.backwards) for step in planned.steps] == [
        ("pages.0001_initial", False)
    ]
    assert planned.steps[0].operations == ["Create model Article"]
    assert columns(db_url, "pages_article") == []

    done = dbshift.migrate(settings=settings)
    assert not done.planned
    assert [step.label for step in done.steps] == ["pages.0001_initial"]
    assert set(columns(db_url, "pages_article")) == {"id", "title", "content", "created", "updated"}
    assert recorded_rows(db_url) == [("pages", "0001_initial")]
    assert capsys.readouterr() == ("", "")


def test_migrate_reports_model_changes_left_and_unapplies(settings, db_url):
    dbshift.makemigrations(settings=settings)
    dbshift.migrate(settings=settings)
    (settings.parent / "pages" / "models.py").write_text(
        "from dbshift import models\n" + ARTICLE + SLUG
    )

    assert dbshift.migrate(settings=settings).model_changes == ["pages"]

    back = dbshift.migrate("pages", "zero", settings=settings)
    assert [(step.label, step.backwards) for step in back.steps] == [("pages.0001_initial", True)]
    assert columns(db_url, "pages_article") == []
    assert recorded_rows(db_url) == []


def test_migrate_errors(settings):
    dbshift.makemigrations(settings=settings)
    with pytest.raises(PlanError, match="needs an app label"):
        dbshift.migrate(target="0001", settings=settings)
    with pytest.raises(NodeNotFoundError):
        dbshift.migrate("pages", "0009", settings=settings)


def test_showmigrations_statuses(settings):
    dbshift.makemigrations(settings=settings)
    assert [(item.label, item.status) for item in dbshift.showmigrations(settings=settings)] == [
        ("pages.0001_initial", "unapplied")
    ]
    dbshift.migrate(settings=settings)
    (status,) = dbshift.showmigrations(["pages"], settings=settings)
    assert status.status == "applied"
    assert status.applied and status.applied_at is not None


def test_sqlmigrate_returns_statements(settings, db_url):
    dbshift.makemigrations(settings=settings)

    sql = dbshift.sqlmigrate("pages", "0001", settings=settings)

    # MySQL commits DDL as it runs: no transaction to show around it.
    assert sql.atomic == (not db_url.startswith("mysql")) and sql.name == "0001_initial"
    assert [part.description for part in sql.operations] == ["Create model Article"]
    assert len(sql.statements) == 1
    assert sql.statements[0].startswith("CREATE TABLE pages_article (")
    backwards = dbshift.sqlmigrate("pages", "0001", backwards=True, settings=settings)
    assert [text.split(" CASCADE")[0].rstrip(";") for text in backwards.statements] == [
        "DROP TABLE pages_article"
    ]
    assert columns(db_url, "pages_article") == []


def test_check_returns_messages(settings):
    messages = dbshift.check(settings=settings, skip_database=True)
    assert [(item.id, item.level, item.obj) for item in messages] == [
        ("migrations.W001", dbshift.Level.WARNING, "pages")
    ]
    assert isinstance(messages[0], dbshift.CheckMessage)
    dbshift.makemigrations(settings=settings)
    dbshift.migrate(settings=settings)
    assert dbshift.check(settings=settings) == []


def test_history_errors_are_exceptions(settings):
    dbshift.makemigrations(settings=settings)
    dbshift.migrate(settings=settings)
    migration = settings.parent / "pages" / "migrations" / "0001_initial.py"
    migration.write_text(migration.read_text().replace("max_length=200", "max_length=100"))

    with pytest.raises(HistoryChangedError, match="0001_initial was edited"):
        dbshift.migrate(settings=settings)
    assert [item.id for item in dbshift.check(settings=settings)] == [
        "migrations.E001",
        "migrations.W001",
    ]


def test_conflicts_are_exceptions(settings):
    dbshift.makemigrations(settings=settings)
    migrations = settings.parent / "pages" / "migrations"
    second = (migrations / "0001_initial.py").read_text().replace("initial = True", "")
    (migrations / "0002_a.py").write_text(
        second.replace("dependencies = []", "dependencies = [('pages', '0001_initial')]")
    )
    (migrations / "0002_b.py").write_text(
        second.replace("dependencies = []", "dependencies = [('pages', '0001_initial')]")
    )
    with pytest.raises(ConflictError, match="0002_a, 0002_b"):
        dbshift.makemigrations(settings=settings)


def test_squashmigrations(settings):
    project = dbshift.load_project(settings)
    dbshift.makemigrations(settings=project)
    (settings.parent / "pages" / "models.py").write_text(
        "from dbshift import models\n" + ARTICLE + SLUG
    )
    project = dbshift.load_project(settings)
    dbshift.makemigrations(name="slug", settings=project)

    squash = dbshift.squashmigrations("pages", "0002", settings=settings)

    assert squash.replaces == ["pages.0001_initial", "pages.0002_slug"]
    assert squash.original_count == 2
    assert squash.operations == ["Create model Article"]
    assert squash.written and squash.path.exists()


def test_showmigrations_marks_edited_and_deleted(settings):
    dbshift.makemigrations(settings=settings)
    dbshift.migrate(settings=settings)
    migration = settings.parent / "pages" / "migrations" / "0001_initial.py"
    migration.write_text(migration.read_text().replace("max_length=200", "max_length=100"))
    assert [item.status for item in dbshift.showmigrations(settings=settings)] == ["edited"]

    migration.unlink()
    (status,) = dbshift.showmigrations(settings=settings)
    assert (status.label, status.status, status.applied) == ("pages.0001_initial", "deleted", True)


def test_all_lists_exactly_the_lazy_names():
    assert sorted(dbshift.__all__) == sorted([*dbshift._LOCATIONS, "__version__"])


INDEXED = ARTICLE.replace("max_length=200)", "max_length=200, db_index=True)", 1)


def test_migrate_returns_the_statements_each_migration_ran(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", INDEXED)
    settings = project.root / "pyproject.toml"
    dbshift.makemigrations(settings=settings)

    planned = dbshift.migrate(plan=True, sql=True, settings=settings)
    (part,) = planned.steps[0].sql
    assert part.description == "Create model Article"
    assert part.statements[0].startswith("CREATE TABLE pages_article (")
    assert planned.steps[0].statements == []

    done = dbshift.migrate(settings=settings)

    statements = done.steps[0].statements
    assert statements[0].startswith("CREATE TABLE pages_article (")
    # The index of the new table, which SQLite creates last, is among them.
    indexes = [text for text in statements if text.startswith("CREATE INDEX")]
    assert indexes and all("ON pages_article" in text and "title" in text for text in indexes)
    assert done.steps[0].sql == []


class Recorder(dbshift.MigrateListener):
    """Note what migrate tells, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def planned(self, result: dbshift.MigrateResult) -> None:
        self.events.append("planned " + " ".join(step.label for step in result.steps))

    def progress(self, progress: dbshift.Progress) -> None:
        self.events.append(f"{progress.event} {progress.step.migration} {progress.outcome}")


def test_migrate_tells_its_listener_before_and_while_it_runs(settings, db_url):
    dbshift.makemigrations(settings=settings)
    listener = Recorder()

    dbshift.migrate(listener=listener, settings=settings)

    assert listener.events == [
        "planned pages.0001_initial",
        "start pages.0001_initial ",
        "done pages.0001_initial OK",
    ]
    assert columns(db_url, "pages_article") != []
    # A plan is returned, not told.
    listener.events.clear()
    dbshift.migrate("pages", "zero", plan=True, listener=listener, settings=settings)
    assert listener.events == []


def test_makemigrations_and_squash_ask_before_writing(settings):
    seen = []

    def refuse(migrations):
        seen.append([item.name for item in migrations])
        return False

    refused = dbshift.makemigrations(confirm=refuse, settings=settings)
    assert seen == [["0001_initial"]]
    assert not refused[0].written and not refused[0].path.exists()
    dbshift.makemigrations(confirm=lambda migrations: True, settings=settings)
    (settings.parent / "pages" / "models.py").write_text(
        "from dbshift import models\n" + ARTICLE + SLUG
    )
    dbshift.makemigrations(name="slug", settings=dbshift.load_project(settings))

    squash = dbshift.squashmigrations(
        "pages", "0002", confirm=lambda squash: False, settings=settings
    )
    assert squash.replaces == ["pages.0001_initial", "pages.0002_slug"]
    assert not squash.written and not squash.path.exists()


def test_the_api_does_not_load_the_command_line(settings):
    dbshift.makemigrations(settings=settings)
    code = (
        "import sys, dbshift\n"
        f"dbshift.migrate(plan=True, sql=True, settings={str(settings)!r})\n"
        f"dbshift.migrate(settings={str(settings)!r})\n"
        "print(sorted(m for m in sys.modules if m.startswith('dbshift.cli')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}
    )
    assert completed.stdout.strip() == "[]", completed.stderr


def test_commands_with_an_api_function_go_through_it():
    """The command line calls dbshift.api, so the two cannot tell different stories."""
    commands = SRC / "dbshift" / "cli" / "commands"
    for name in ("check", "makemigrations", "migrate", "showmigrations", "sqlmigrate"):
        source = (commands / f"{name}.py").read_text()
        imported = re.findall(r"^\s*(?:from|import) (dbshift\.[\w.]+)", source, re.MULTILINE)
        assert "dbshift.api" in imported, name
        assert not [module for module in imported if module.startswith("dbshift.actions")], name
    squash = (commands / "squashmigrations.py").read_text()
    assert "dbshift.actions" not in squash and "dbshift.api" in squash


def test_check_names_indexes_the_database_does_not_build(make_project, db_url):
    project = make_project(database=db_url)
    project.models(
        "pages",
        """
class Article(models.Model):
    title = models.CharField(max_length=200)
    published = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["title"], name="published_titles", condition=models.Q(published=True)
            )
        ]
""",
    )
    settings = project.root / "pyproject.toml"
    dbshift.makemigrations(settings=settings)
    dbshift.migrate(settings=settings)
    found = [(item.id, item.obj) for item in dbshift.check(settings=settings)]
    if db_url.startswith("mysql"):
        assert found == [("migrations.W022", "pages.Article")]
        (message,) = dbshift.check(settings=settings)
        assert "Index published_titles of pages.Article differs" in message.message
        assert "built without its condition" in message.message
    else:
        assert found == []
