"""A database that Django 5.2 built is continued by dbshift as if dbshift had built it.

Django's ``migrate`` runs the history first (in a subprocess, as in
:mod:`tests.django_oracle`), so indexes and constraints carry Django's names;
dbshift then takes the database over and applies later migrations that drop a
unique rule, an index and change a foreign key, which it can only do by finding
the names Django gave. The result must equal what dbshift builds from scratch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.django_oracle import (
    DJANGO_INSTALLED,
    comparable,
    run_django_migrate,
    write_django_project,
)
from tests.helpers import ProjectDir, expect_failure_on_mariadb, run_sql
from tests.structure import describe_differences, read_structure, vendor_of

pytestmark = pytest.mark.skipif(not DJANGO_INSTALLED, reason="needs Django (bench extras)")


@pytest.fixture
def innodb_key_index_names(db_url: str, request: pytest.FixtureRequest) -> None:
    """Expect the index names to differ from a Django-built database's on MariaDB."""
    reason = (
        "InnoDB names the index it makes for a foreign key after the key; dbshift creates "
        "that index itself, under Django's name for a field's index"
    )
    expect_failure_on_mariadb(request, db_url, reason)


INITIAL = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=50, unique=True)),
                ("slug", models.SlugField()),
                ("rank", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="Page",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=100, db_index=True)),
                ("number", models.IntegerField()),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=models.CASCADE, to="pages.tag"
                    ),
                ),
                ("tags", models.ManyToManyField(related_name="tagged", to="pages.tag")),
            ],
            options={"unique_together": {("title", "number")}},
        ),
    ]
"""

CONTINUED = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="tag", name="name", field=models.CharField(max_length=50)
        ),
        migrations.AlterField(
            model_name="tag", name="slug", field=models.SlugField(db_index=False)
        ),
        migrations.AlterField(
            model_name="page", name="title", field=models.CharField(max_length=100)
        ),
        migrations.AlterField(
            model_name="page",
            name="tag",
            field=models.ForeignKey(
                null=True, on_delete=models.SET_NULL, to="pages.tag"
            ),
        ),
        migrations.AlterUniqueTogether(name="page", unique_together=set()),
        migrations.AlterField(
            model_name="tag", name="rank", field=models.IntegerField(default=0)
        ),
        migrations.RenameModel(old_name="Tag", new_name="Label"),
    ]
"""


INITIAL_MODELS = """
class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField()
    rank = models.PositiveIntegerField(default=0)


class Page(models.Model):
    title = models.CharField(max_length=100, db_index=True)
    number = models.IntegerField()
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag, related_name="tagged")

    class Meta:
        unique_together = [("title", "number")]
"""

CONTINUED_MODELS = """
class Label(models.Model):
    name = models.CharField(max_length=50)
    slug = models.SlugField(db_index=False)
    rank = models.IntegerField(default=0)


class Page(models.Model):
    title = models.CharField(max_length=100)
    number = models.IntegerField()
    tag = models.ForeignKey(Label, null=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(Label, related_name="tagged")
"""


def _history(project: ProjectDir, *sources: str) -> None:
    names = ["0001_initial", "0002_continued"]
    for name, source in zip(names, sources, strict=False):
        project.write(f"pages/migrations/{name}.py", source)


def django_builds(project: ProjectDir, url: str, workdir: Path) -> None:
    """Run Django's ``migrate`` on ``url`` with ``project``'s migrations of pages."""
    write_django_project(project.root, ["pages"], workdir, url)
    run_django_migrate(workdir)


def add_rows(url: str) -> None:
    """Give the tables rows, so that no table is simply dropped and created again."""
    run_sql(url, "INSERT INTO pages_tag (name, slug, rank) VALUES ('news', 'news', 1)")
    run_sql(url, "INSERT INTO pages_page (title, number, tag_id) VALUES ('Hello', 1, 1)")
    run_sql(url, "INSERT INTO pages_page_tags (page_id, tag_id) VALUES (1, 1)")


def django_built_project(
    make_project: Callable[..., ProjectDir], url: str, tmp_path: Path
) -> ProjectDir:
    """Return a project whose database Django built from INITIAL, with rows in it."""
    project = make_project(database=url)
    _history(project, INITIAL)
    django_builds(project, url, tmp_path / "django")
    add_rows(url)
    return project


def assert_same_as_built_by_dbshift(
    make_project: Callable[..., ProjectDir], taken_over: str, twin_url: str
) -> None:
    """Assert that ``taken_over`` has the schema dbshift builds from scratch on ``twin_url``."""
    fresh = make_project(database=twin_url)
    _history(fresh, INITIAL, CONTINUED)
    assert fresh.run("migrate").code == 0
    assert_same_structure(taken_over, twin_url)


def assert_same_structure(taken_over: str, fresh: str) -> None:
    vendor = vendor_of(taken_over)
    ours = comparable(read_structure(taken_over), vendor, built_by_django=True)
    theirs = comparable(read_structure(fresh), vendor, built_by_django=True)
    assert ours == theirs, "\n".join(describe_differences(ours, theirs))


def test_faked_django_history_continues(
    make_project: Callable[..., ProjectDir], db_url: str, twin_url: str, tmp_path: Path
) -> None:
    project = django_built_project(make_project, db_url, tmp_path)
    # Without Django's records, the history is faked as applied instead of imported.
    run_sql(db_url, "DROP TABLE django_migrations")
    assert project.run("migrate", "--fake").code == 0
    _history(project, INITIAL, CONTINUED)
    result = project.run("migrate")
    assert result.code == 0, result.output
    assert_same_as_built_by_dbshift(make_project, db_url, twin_url)
    # Undone and done again on the taken-over database, it still ends alike.
    assert project.run("migrate", "pages", "0001").code == 0
    result = project.run("migrate")
    assert result.code == 0, result.output
    assert_same_structure(db_url, twin_url)
    assert run_sql(db_url, "SELECT name FROM pages_label") == [("news",)]
    assert run_sql(db_url, "SELECT title FROM pages_page") == [("Hello",)]


def test_migrate_offers_to_import_djangos_history(
    make_project: Callable[..., ProjectDir], db_url: str, twin_url: str, tmp_path: Path
) -> None:
    project = django_built_project(make_project, db_url, tmp_path)
    _history(project, INITIAL, CONTINUED)
    project.models("pages", CONTINUED_MODELS)

    refused = project.run("migrate", "--noinput")
    assert refused.code == 3, refused.output
    assert "dbshift migrate --import-django-history" in refused.output
    assert "Traceback" not in refused.output
    declined = project.run("migrate", stdin="n\n")
    assert declined.code == 3, declined.output
    assert project.run("migrate", "--plan").code == 3
    assert not _has_table(db_url, "dbshift_migrations")
    assert not _has_table(db_url, "pages_label")

    result = project.run("migrate", stdin="y\n")
    assert result.code == 0, result.output
    assert "Imported 1 applied migration(s) from django_migrations" in result.output
    assert "Applying pages.0002_continued... OK" in result.output
    recorded = run_sql(db_url, "SELECT app, name FROM dbshift_migrations ORDER BY id")
    assert recorded == [("pages", "0001_initial"), ("pages", "0002_continued")]
    # Django's own rows are left as they were.
    assert run_sql(db_url, "SELECT app, name FROM django_migrations WHERE app = 'pages'") == [
        ("pages", "0001_initial")
    ]
    assert_same_as_built_by_dbshift(make_project, db_url, twin_url)
    # From then on dbshift continues it as its own: nothing is offered again.
    again = project.run("migrate", "--noinput")
    assert again.code == 0, again.output
    assert "No migrations to apply" in again.output
    assert project.run("check").code == 0


def test_import_flag_takes_over_without_asking(
    make_project: Callable[..., ProjectDir], db_url: str, tmp_path: Path
) -> None:
    project = make_project(database=db_url)
    _history(project, INITIAL)
    django_builds(project, db_url, tmp_path / "django")
    project.models("pages", INITIAL_MODELS)
    result = project.run("migrate", "--noinput", "--import-django-history")
    assert result.code == 0, result.output
    assert "No migrations to apply" in result.output
    assert run_sql(db_url, "SELECT app, name FROM dbshift_migrations") == [
        ("pages", "0001_initial")
    ]


def _has_table(url: str, name: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sa.inspect(connection).has_table(name)
    finally:
        engine.dispose()


NAMED = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("slug", models.SlugField()),
                ("rank", models.IntegerField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name="Page",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=100, db_index=True)),
                ("tag", models.ForeignKey(on_delete=models.CASCADE, to="pages.tag")),
                ("tags", models.ManyToManyField(related_name="tagged", to="pages.tag")),
            ],
            options={"unique_together": {("title", "tag")}},
        ),
    ]
"""

_INDEX_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' "
    "AND name NOT LIKE 'sqlite_autoindex%%' AND tbl_name LIKE 'pages%%'",
    "postgresql": "SELECT indexname FROM pg_indexes "
    "WHERE schemaname = 'public' AND tablename LIKE 'pages%%'",
    "mariadb": "SELECT DISTINCT index_name FROM information_schema.statistics "
    "WHERE table_schema = DATABASE() AND index_name != 'PRIMARY' AND table_name LIKE 'pages%%'",
}


@pytest.mark.usefixtures("innodb_key_index_names")
def test_indexes_and_unique_rules_have_djangos_names(
    make_project: Callable[..., ProjectDir], db_url: str, twin_url: str, tmp_path: Path
) -> None:
    project = make_project(database=db_url)
    project.write("pages/migrations/0001_initial.py", NAMED)
    assert project.run("migrate").code == 0
    django_builds(project, twin_url, tmp_path / "django")
    query = _INDEX_NAMES[vendor_of(db_url)]
    ours, theirs = sorted(run_sql(db_url, query)), sorted(run_sql(twin_url, query))
    assert ours == theirs
    assert any(name.endswith("_uniq") for (name,) in theirs)
