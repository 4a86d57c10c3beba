"""Squashes, merges and cross-app dependencies on real databases."""

from __future__ import annotations

import re

import sqlalchemy as sa

from dbshift.migrations.recorder import TABLE_NAME
from tests.helpers import assert_schema_matches_models


def recorded(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(TABLE_NAME):
                return []
            rows = connection.exec_driver_sql(
                f"SELECT app, name FROM {TABLE_NAME} ORDER BY app, name"
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def grow(project, count: int) -> None:
    """Write 0001 with an Article, then one AddField migration per step."""
    lines = ["class Article(models.Model):", "    title = models.CharField(max_length=20)"]
    project.models("pages", "\n".join(lines) + "\n")
    assert project.run("makemigrations").code == 0
    for number in range(2, count + 1):
        lines.append(f"    f{number} = models.IntegerField(default={number})")
        project.models("pages", "\n".join(lines) + "\n")
        assert project.run("makemigrations").code == 0


SQUASH = "0001_squashed_0005_article_f5"


def test_a_squash_on_a_fresh_database_builds_the_same_schema(make_project, db_url):
    project = make_project(database=db_url)
    grow(project, 5)
    assert project.run("squashmigrations", "pages", "0005", "--noinput").code == 0

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert f"  Applying pages.{SQUASH}... OK" in result.stdout
    assert "0002" not in result.stdout
    assert_schema_matches_models(project, db_url)
    names = [name for app, name in recorded(db_url)]
    assert SQUASH in names and "0003_article_f3" in names
    assert f" [X] {SQUASH} (5 squashed migrations)" in project.run("showmigrations").stdout


def test_a_partly_applied_chain_keeps_using_it_until_all_is_applied(make_project, db_url):
    project = make_project(database=db_url)
    grow(project, 5)
    assert project.run("migrate", "pages", "0002").code == 0
    assert project.run("squashmigrations", "pages", "0005", "--noinput").code == 0

    shown = project.run("showmigrations").stdout
    assert " [X] 0002_article_f2" in shown and " [ ] 0003_article_f3" in shown

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert "Applying pages.0003_article_f3... OK" in result.stdout
    assert SQUASH not in result.stdout
    assert ("pages", SQUASH) in recorded(db_url)
    assert f" [X] {SQUASH}" in project.run("showmigrations").stdout
    assert_schema_matches_models(project, db_url)


def test_a_squash_of_applied_migrations_is_marked_then_recorded(make_project, sqlite_url):
    project = make_project(database=sqlite_url)
    grow(project, 5)
    assert project.run("migrate").code == 0
    assert project.run("squashmigrations", "pages", "0005", "--noinput").code == 0

    assert f" [-] {SQUASH}" in project.run("showmigrations").stdout
    assert "No migrations to apply." in project.run("migrate").stdout
    assert f" [X] {SQUASH}" in project.run("showmigrations").stdout


def test_after_the_old_files_are_deleted_the_squash_stands_alone(make_project, db_url):
    project = make_project(database=db_url)
    grow(project, 5)
    assert project.run("migrate").code == 0
    assert project.run("squashmigrations", "pages", "0005", "--noinput").code == 0
    assert project.run("migrate").code == 0
    for name in project.migration_names("pages"):
        if name != SQUASH:
            (project.migrations_dir("pages") / f"{name}.py").unlink()

    assert project.run("migrate", "--check").code == 0
    assert project.run("check").code == 0
    refused = project.run("migrate", "pages", "--prune")
    assert refused.code == 1
    assert "a squashed migration on disk still replaces them" in refused.stderr

    path = project.migrations_dir("pages") / f"{SQUASH}.py"
    source = path.read_text()
    path.write_text(re.sub(r"    replaces = \[.*?\]\n\n", "", source, flags=re.S))
    pruned = project.run("migrate", "pages", "--prune")
    assert pruned.code == 0, pruned.output
    assert "  Pruning pages.0001_initial OK" in pruned.stdout
    assert recorded(db_url) == [("pages", SQUASH)]
    assert project.run("check").code == 0

    fresh = make_project(database=db_url.replace("db.sqlite3", "fresh.sqlite3"))
    if db_url.startswith("sqlite"):
        fresh.models("pages", (project.root / "pages/models.py").read_text().split("\n", 2)[2])
        fresh.write(f"pages/migrations/{SQUASH}.py", path.read_text())
        assert fresh.run("migrate").code == 0
        assert_schema_matches_models(fresh, fresh.database)


def test_apps_pointing_at_each_other_are_split_so_both_apply(make_project, db_url):
    project = make_project(apps=("shop", "people"), database=db_url)
    project.models(
        "shop",
        "class Store(models.Model):\n"
        "    owner = models.ForeignKey('people.Person', null=True, on_delete=models.SET_NULL)\n",
    )
    project.models(
        "people",
        "class Person(models.Model):\n"
        "    employer = models.ForeignKey('shop.Store', null=True, on_delete=models.SET_NULL)\n",
    )

    made = project.run("makemigrations")

    assert made.code == 0, made.output
    # One app gets its model without the relation first; the relation follows in a
    # second migration that depends on the other app's first one.
    names = {app: project.migration_names(app) for app in ("shop", "people")}
    split = next(app for app, found in names.items() if len(found) == 2)
    other = "people" if split == "shop" else "shop"
    assert names[other] == ["0001_initial"]
    assert f'("{split}", "0001_initial")' in project.migration_source(other, "0001_initial")
    assert f'("{other}", "0001_initial")' in project.migration_source(split, names[split][1])
    result = project.run("migrate")
    assert result.code == 0, result.output
    assert_schema_matches_models(project, db_url)
    assert project.run("makemigrations", "--check").code == 0
    assert project.run("migrate", "shop", "zero").code == 0
    assert project.run("migrate").code == 0


def test_three_apps_with_cross_app_keys(make_project, db_url):
    project = make_project(apps=("accounts", "catalog", "orders"), database=db_url)
    project.models("accounts", "class User(models.Model):\n    email = models.EmailField()\n")
    project.models(
        "catalog",
        "class Product(models.Model):\n"
        "    name = models.CharField(max_length=40)\n"
        "    added_by = models.ForeignKey('accounts.User', on_delete=models.PROTECT)\n",
    )
    project.models(
        "orders",
        "class Order(models.Model):\n"
        "    buyer = models.ForeignKey('accounts.User', on_delete=models.CASCADE)\n"
        "    items = models.ManyToManyField('catalog.Product')\n",
    )

    assert project.run("makemigrations").code == 0
    orders = project.migration_source("orders", "0001_initial")
    assert '("accounts", "0001_initial")' in orders and '("catalog", "0001_initial")' in orders
    assert project.run("migrate").code == 0
    assert_schema_matches_models(project, db_url)

    project.models(
        "catalog",
        "class Product(models.Model):\n"
        "    name = models.CharField(max_length=80)\n"
        "    added_by = models.ForeignKey('accounts.User', on_delete=models.PROTECT)\n",
    )
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    assert_schema_matches_models(project, db_url)
    back = project.run("migrate", "accounts", "zero")
    assert back.code == 0, back.output
    assert recorded(db_url) == []


def test_a_conflict_stops_migrate_until_merged(make_project, db_url):
    project = make_project(database=db_url)
    project.models(
        "pages", "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
    )
    assert project.run("makemigrations").code == 0
    for name, field in (("0002_a", "a"), ("0002_b", "b")):
        project.write(
            f"pages/migrations/{name}.py",
            f"""
            from dbshift import migrations, models

            class Migration(migrations.Migration):
                dependencies = [("pages", "0001_initial")]
                operations = [
                    migrations.AddField("article", "{field}", models.IntegerField(null=True)),
                ]
            """,
        )

    stopped = project.run("migrate")
    assert stopped.code == 1
    assert "0002_a, 0002_b in pages" in stopped.stderr and "--merge" in stopped.stderr
    assert recorded(db_url) == []

    assert project.run("makemigrations", "--merge", "--noinput").code == 0
    result = project.run("migrate")
    assert result.code == 0, result.output
    assert "Applying pages.0003_merge_0002_a_0002_b... OK" in result.stdout


SEEDING_STEP = """
from dbshift import migrations

MARK = "seeded"


def seed(apps, schema_editor):
    Article = apps.get_model("pages", "Article")
    Article.objects.create(title=MARK)


def unseed(apps, schema_editor):
    apps.get_model("pages", "Article").objects.filter(title=MARK).delete()


class Migration(migrations.Migration):
    dependencies = [("pages", "{previous}")]
    operations = [migrations.RunPython(seed, unseed)]
"""


def test_a_squash_of_ten_migrations_with_a_runpython_applies_alone(make_project, db_url):
    project = make_project(database=db_url)
    lines = ["class Article(models.Model):", "    title = models.CharField(max_length=20)"]
    project.models("pages", "\n".join(lines) + "\n")
    assert project.run("makemigrations").code == 0
    for number in range(2, 11):
        if number == 6:
            previous = project.migration_names("pages")[-1]
            project.write(
                "pages/migrations/0006_seed.py", SEEDING_STEP.replace("{previous}", previous)
            )
            continue
        lines.append(f"    f{number} = models.IntegerField(default={number})")
        project.models("pages", "\n".join(lines) + "\n")
        assert project.run("makemigrations").code == 0
    assert len(project.migration_names("pages")) == 10
    assert project.run("squashmigrations", "pages", "0010", "--noinput").code == 0
    squash = next(name for name in project.migration_names("pages") if "squashed" in name)
    for name in project.migration_names("pages"):
        if name != squash:
            (project.migrations_dir("pages") / f"{name}.py").unlink()

    result = project.run("migrate")

    assert result.code == 0, result.output
    assert_schema_matches_models(project, db_url)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            titles = [
                row[0] for row in connection.exec_driver_sql("SELECT title FROM pages_article")
            ]
    finally:
        engine.dispose()
    assert titles == ["seeded"]
    assert project.run("migrate", "pages", "zero").code == 0
    assert recorded(db_url) == []
