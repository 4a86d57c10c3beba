"""dbshift builds the schema Django 5.2 builds from the same migration files.

Each corpus runs twice on databases of one kind: through dbshift's ``migrate``,
and through Django's after the import line of every file is swapped. The two
schemas are read with plain SQL and compared by structure (tables, columns,
types, nullability, keys, unique rules, indexes by their columns), apart from the
differences tests/django_oracle.py lists. The corpora are the ones the other
schema tests build: the crash and concurrency history (tests/history.py), the
benchmark generator's (test_generated_history.py) and the history Django wrote
for tests/django52/steps.py. The hand-written expectations of
tests/expectations.py are held against Django's schema on the way.
"""

from __future__ import annotations

import pytest

from bench import history as h
from bench.projects import write_flavor
from tests.django52.steps import APPS as STEP_APPS
from tests.django_oracle import DJANGO_INSTALLED, assert_same_schema, django_structure
from tests.expectations import assert_database_matches
from tests.helpers import ProjectDir
from tests.history import APPS as HISTORY_APPS
from tests.history import write_history
from tests.structure import read_structure, vendor_of
from tests.test_compat import django_project

pytestmark = pytest.mark.skipif(not DJANGO_INSTALLED, reason="Django is not installed")


#: The session fixture of each kind of server.
_SERVERS = {"postgresql": "postgres_server", "mariadb": "mariadb_server"}


def server_of(request: pytest.FixtureRequest, url: str) -> str | None:
    vendor = vendor_of(url)
    return None if vendor == "sqlite" else request.getfixturevalue(_SERVERS[vendor])


def migrate_both_ways(project: ProjectDir, apps, url: str, request, tmp_path) -> None:
    """Migrate ``project`` with dbshift, its files with Django, and compare the schemas."""
    result = project.run("migrate", "-v", "0")
    assert result.code == 0, result.output
    django = django_structure(project.root, apps, url, server_of(request, url), tmp_path / "dj")
    assert_same_schema(read_structure(url), django, vendor_of(url))


def check_history(make_project, db_url, request, tmp_path, length: int) -> None:
    project = make_project(apps=HISTORY_APPS, database=db_url)
    write_history(project, length)
    migrate_both_ways(project, HISTORY_APPS, db_url, request, tmp_path)
    assert_database_matches(db_url, project.project().models_state())


def test_the_crash_and_concurrency_history_builds_what_django_builds(
    make_project, db_url, request, tmp_path
):
    check_history(make_project, db_url, request, tmp_path, 60)


@pytest.mark.slow
def test_the_whole_crash_and_concurrency_history_builds_what_django_builds(
    make_project, db_url, request, tmp_path
):
    check_history(make_project, db_url, request, tmp_path, 200)


def check_generated(db_url, request, tmp_path, apps: int, per_app: int, seed: int) -> None:
    history = h.generate(apps=apps, migrations_per_app=per_app, seed=seed)
    write_flavor(history, "dbshift", tmp_path / "generated")
    project = ProjectDir(tmp_path / "generated", history.apps, db_url)
    migrate_both_ways(project, history.apps, db_url, request, tmp_path)
    assert_database_matches(db_url, project.project().models_state())


@pytest.mark.parametrize("seed", [1, 2])
def test_a_generated_history_builds_what_django_builds(db_url, request, tmp_path, seed):
    check_generated(db_url, request, tmp_path, 3, 10, seed)


@pytest.mark.slow
def test_the_generated_history_of_200_migrations_builds_what_django_builds(
    db_url, request, tmp_path
):
    check_generated(db_url, request, tmp_path, 10, 20, 1)


#: A collation each database knows, for the history's PostgreSQL "C".
COLLATION_C = {"sqlite": "NOCASE", "postgresql": "C", "mariadb": "utf8mb4_bin"}


def with_collation(source: str, collation: str) -> str:
    """Return a file using ``collation`` where it uses PostgreSQL's "C"."""
    return source.replace("db_collation='C'", f"db_collation='{collation}'").replace(
        'db_collation="C"', f'db_collation="{collation}"'
    )


@pytest.mark.parametrize("step", [1, 4])
def test_djangos_own_history_builds_the_same_schema_in_dbshift(
    make_project, db_url, request, tmp_path, step
):
    # Every field class and most options; only PostgreSQL knows the collation "C".
    collation = COLLATION_C[vendor_of(db_url)]
    project = django_project(make_project, step)
    project.database = db_url
    project.write_settings()
    for path in project.root.rglob("*.py"):
        path.write_text(with_collation(path.read_text(), collation))
    migrate_both_ways(project, STEP_APPS, db_url, request, tmp_path)


DEFAULT_AND_CONDITION = """
class Product(models.Model):
    sku = models.CharField(max_length=20)
    active = models.BooleanField(default=True)
    rank = models.SmallIntegerField(db_default=0)
    stock = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sku"], condition=models.Q(active=True), name="unique_active_sku"
            )
        ]
"""


def test_a_db_default_beside_a_rule_the_database_lacks_builds_what_django_builds(
    make_project, db_url, request, tmp_path
):
    # On MySQL a db_default makes Django defer the table's constraints, and the
    # conditional unique rule, which neither tool builds there, must not stop it; the
    # positive check is in the column's definition on Django's side, a named
    # constraint on dbshift's.
    project = make_project(apps=("shop",), database=db_url)
    project.models("shop", DEFAULT_AND_CONDITION)
    assert project.run("makemigrations").code == 0

    migrate_both_ways(project, ["shop"], db_url, request, tmp_path)

    assert read_structure(db_url)["shop_product"].checks == ("stock>=0",)


SAME_NAME_SOURCE = """
class Article(models.Model):
    title = models.CharField(max_length=20)
"""

SAME_NAME_TARGET = """
class Article(models.Model):
    sources = models.ManyToManyField("shop.Article")
"""


def test_a_many_to_many_between_models_of_one_name_gets_from_and_to_columns(
    make_project, db_url, request, tmp_path
):
    # Django names the join columns after the models' names: two "article" columns
    # would clash, so they become from_article_id and to_article_id.
    project = make_project(apps=("shop", "blog"), database=db_url)
    project.models("shop", SAME_NAME_SOURCE)
    project.models("blog", SAME_NAME_TARGET)
    assert project.run("makemigrations").code == 0

    migrate_both_ways(project, ["shop", "blog"], db_url, request, tmp_path)

    join = read_structure(db_url)["blog_article_sources"]
    assert sorted(join.columns) == ["from_article_id", "id", "to_article_id"]
    assert [(key.columns, key.target_table) for key in join.foreign_keys] == [
        (("from_article_id",), "blog_article"),
        (("to_article_id",), "shop_article"),
    ]
    assert_database_matches(db_url, project.project().models_state())
