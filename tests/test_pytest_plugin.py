"""The pytest plugin, run by pytester on a copy of examples/data_migration."""

from __future__ import annotations

import importlib.metadata
import shutil
import textwrap
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.backends.copies import database_copies
from dbshift.pytest_plugin import names_prefix
from tests.helpers import SRC

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "data_migration"

DATA_TESTS = """
import pytest
from pathlib import Path
import sqlalchemy as sa


def test_template_flag(dbshift_databases):
    Path("built.txt").write_text(str(dbshift_databases.built))


def test_rows_roll_back(dbshift_db):
    dbshift_db.connection.execute(
        sa.text("INSERT INTO pages_article (title, content, slug) VALUES ('A', '', 'a')")
    )
    assert count(dbshift_db) == 1


def test_and_are_gone(dbshift_db):
    assert count(dbshift_db) == 0


def count(db):
    return db.connection.execute(sa.text("SELECT count(*) FROM pages_article")).scalar()


@pytest.mark.dbshift_db(isolation="copy")
def test_a_copy_of_its_own(dbshift_db, dbshift_databases):
    assert dbshift_db.url != dbshift_databases.copies.template_url(dbshift_databases.key)
    dbshift_db.connection.execute(
        sa.text("INSERT INTO pages_article (title, content, slug) VALUES ('B', '', 'b')")
    )
    dbshift_db.connection.commit()
    columns = sa.inspect(dbshift_db.connection).get_columns("pages_article")
    assert {"id", "title", "content", "slug"} <= {column["name"] for column in columns}


def test_data_migration_both_ways(migrator):
    before = migrator.migrate("pages", "0002")
    Article = before.apps.get_model("pages", "Article")
    Article.objects.create(title="Hello World", content="")
    Article.objects.create(title="Hello World", content="")

    after = migrator.migrate("pages", "0003")
    Article = after.apps.get_model("pages", "Article")
    assert [a.slug for a in Article.objects.order_by("pk")] == ["hello-world", "hello-world-2"]

    back = migrator.migrate("pages", "0002")
    assert [a.slug for a in back.apps.get_model("pages", "Article").objects.all()] == [None, None]
"""


@pytest.fixture
def sample(pytester: pytest.Pytester, db_url: str, monkeypatch: pytest.MonkeyPatch):
    """Return the example project in pytester's directory, on ``db_url``'s server."""
    monkeypatch.setenv("PYTHONPATH", str(SRC))
    root = pytester.path
    shutil.copytree(EXAMPLE / "pages", root / "pages")
    database = "sqlite:///db.sqlite3" if db_url.startswith("sqlite") else db_url
    (root / "pyproject.toml").write_text(
        f'[tool.dbshift]\napps = ["pages"]\ndatabase = "{database}"\n\n[tool.pytest.ini_options]\n'
    )
    pytester.makepyfile(test_sample=DATA_TESTS)
    yield root
    if not db_url.startswith("sqlite"):
        # Templates outlive a session by design; remove this project's.
        directory = root / ".pytest_cache" / "d" / "dbshift"
        database_copies(db_url, directory, names_prefix(root)).drop_templates(keep="")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest in a new process with the plugin, by its entry point once installed."""
    installed = any(
        entry.value == "dbshift.pytest_plugin"
        for entry in importlib.metadata.entry_points(group="pytest11")
    )
    plugin = () if installed else ("-p", "dbshift.pytest_plugin")
    return pytester.runpytest_subprocess(*plugin, *args)


def test_the_entry_point_is_declared():
    pyproject = tomllib.loads((SRC.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["pytest11"] == {"dbshift": "dbshift.pytest_plugin"}
    assert pyproject["project"]["optional-dependencies"]["pytest"] == ["pytest>=8"]


def test_dbshift_db_and_migrator(sample, pytester):
    result = run(pytester)
    result.assert_outcomes(passed=5)
    assert (sample / "built.txt").read_text() == "True"


def test_the_template_is_reused_until_a_migration_changes(sample, pytester, db_url):
    run(pytester).assert_outcomes(passed=5)
    assert (sample / "built.txt").read_text() == "True"
    run(pytester).assert_outcomes(passed=5)
    assert (sample / "built.txt").read_text() == "False"

    # A new column in 0001: the template must have it, so it is built again.
    migration = sample / "pages" / "migrations" / "0001_initial.py"
    source = migration.read_text()
    anchor = '("content", models.TextField()),'
    assert anchor in source
    migration.write_text(
        source.replace(
            anchor, anchor + '\n                ("extra", models.IntegerField(null=True)),'
        )
    )
    pytester.makepyfile(
        test_extra="""
import sqlalchemy as sa

def test_extra(dbshift_db):
    names = [c["name"] for c in sa.inspect(dbshift_db.connection).get_columns("pages_article")]
    assert "extra" in names
"""
    )
    result = run(pytester)
    result.assert_outcomes(passed=6)
    assert (sample / "built.txt").read_text() == "True"
    assert len(_templates(sample, db_url)) == 1


def _templates(root: Path, url: str) -> list[str]:
    if url.startswith("sqlite"):
        return sorted(
            path.name for path in (root / ".pytest_cache" / "d" / "dbshift").glob("*_tpl_*")
        )
    databases = (
        "SELECT datname FROM pg_database"
        if url.startswith("postgresql")
        else "SELECT schema_name FROM information_schema.schemata"
    )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(
                name
                for name in connection.execute(sa.text(databases)).scalars()
                if name.startswith(f"{names_prefix(root)}_tpl_")
            )
    finally:
        engine.dispose()


def enable_checks(root: Path, *names: str) -> None:
    with (root / "pyproject.toml").open("a") as settings:
        settings.write(f"dbshift_checks = {list(names)!r}\n".replace("'", '"'))


def test_the_checks_pass_on_a_sound_history(sample, pytester):
    enable_checks(sample, "all")
    result = run(pytester, "-k", "dbshift_check", "-v")
    result.assert_outcomes(passed=4)


def test_missing_migrations_fails(sample, pytester):
    enable_checks(sample, "missing_migrations")
    models = sample / "pages" / "models.py"
    models.write_text(models.read_text() + "    views = models.IntegerField(default=0)\n")
    result = run(pytester, "-k", "dbshift_check")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*would write pages.0005_article_views*"])


def test_two_leaves_fail(sample, pytester):
    enable_checks(sample, "single_leaf")
    migrations = sample / "pages" / "migrations"
    shutil.copy(migrations / "0004_alter_article_slug.py", migrations / "0004_other.py")
    result = run(pytester, "-k", "dbshift_check")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*pages: 0004_alter_article_slug, 0004_other*"])


def test_automatic_names_fail(sample, pytester):
    enable_checks(sample, "named_migrations")
    migrations = sample / "pages" / "migrations"
    (migrations / "0004_alter_article_slug.py").rename(migrations / "0004_auto_20260101_1200.py")
    result = run(pytester, "-k", "dbshift_check")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*named automatically: pages.0004_auto_20260101_1200*"])


def test_a_migration_that_does_not_roundtrip_fails(sample, pytester):
    enable_checks(sample, "roundtrip")
    (sample / "pages" / "migrations" / "0005_index.py").write_text(
        textwrap.dedent(
            """
            from dbshift import migrations

            class Migration(migrations.Migration):
                dependencies = [("pages", "0004_alter_article_slug")]
                operations = [
                    migrations.RunSQL(
                        "CREATE INDEX pages_title ON pages_article (title)",
                        migrations.RunSQL.noop,
                    ),
                ]
            """
        )
    )
    result = run(pytester, "-k", "dbshift_check")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*pages.0005_index does not round-trip*"])
