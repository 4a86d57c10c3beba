"""An empty database is built straight to the end state of its schema-only migrations."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.backends.introspection import introspect
from dbshift.migrations.recorder import TABLE_NAME

VERSIONS = [
    {
        "people": "class Person(models.Model):\n    name = models.CharField(max_length=20)\n",
        "pages": "class Article(models.Model):\n    title = models.CharField(max_length=20)\n",
    },
    {
        "pages": (
            "class Article(models.Model):\n"
            "    headline = models.CharField(max_length=20)\n"
            "    body = models.TextField(default='')\n"
            "    author = models.ForeignKey(\n"
            "        'people.Person', null=True, on_delete=models.SET_NULL\n"
            "    )\n"
        ),
    },
    {
        "pages": (
            "class Article(models.Model):\n"
            "    headline = models.CharField(max_length=80, db_index=True)\n"
            "    author = models.ForeignKey(\n"
            "        'people.Person', null=True, on_delete=models.SET_NULL\n"
            "    )\n"
            "    tags = models.ManyToManyField('Tag')\n"
            "\n"
            "    class Meta:\n"
            "        unique_together = [('headline', 'author')]\n"
            "        constraints = [models.CheckConstraint(condition=models.Q(headline__gt=''), "
            "name='headline_set')]\n"
            "\n"
            "\n"
            "class Tag(models.Model):\n"
            "    label = models.SlugField()\n"
        ),
    },
]


def write_history(project) -> None:
    for version in VERSIONS:
        for app, source in version.items():
            project.models(app, source)
        result = project.run("makemigrations", stdin="y\n" * 5)
        assert result.code == 0, result.output


def schema(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return introspect(connection, ignore=[TABLE_NAME])
    finally:
        engine.dispose()


def recorded(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                f"SELECT app, name FROM {TABLE_NAME} ORDER BY app, name"
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_a_fresh_database_is_built_to_the_same_schema_as_one_by_one(
    make_project, another_database, db_url, fast_paths
):
    built = make_project(apps=("people", "pages"), database=db_url)
    write_history(built)
    names = built.migration_names("pages")
    assert len(names) == 3
    assert "migrations.RenameField(" in built.migration_source("pages", names[1])

    result = built.run("migrate", "-v", "2")

    assert result.code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "Applying" in line]
    assert len(lines) == 4
    assert all(("straight to their end state" in line) == fast_paths for line in lines)
    assert built.run("check").code == 0

    with another_database(db_url) as other_url:
        one_by_one = make_project(apps=("people", "pages"), database=other_url)
        for app in ("people", "pages"):
            for name in built.migration_names(app):
                one_by_one.write(
                    f"{app}/migrations/{name}.py",
                    (built.migrations_dir(app) / f"{name}.py").read_text(),
                )
            one_by_one.write(f"{app}/models.py", (built.root / app / "models.py").read_text())
        slow = one_by_one.run("migrate", "--one-by-one", "-v", "2")
        assert slow.code == 0, slow.output
        assert "straight to their end state" not in slow.stdout
        assert schema(other_url) == schema(db_url)
        assert recorded(other_url) == recorded(db_url)

    assert built.run("migrate", "pages", "zero").code == 0
    assert built.run("migrate").code == 0


def test_code_in_a_migration_ends_the_built_part(make_project, db_url, fast_paths):
    project = make_project(database=db_url)
    project.models(
        "pages", "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
    )
    assert project.run("makemigrations").code == 0
    project.models(
        "pages",
        "class Article(models.Model):\n"
        "    title = models.CharField(max_length=20)\n"
        "    rank = models.IntegerField(default=0)\n",
    )
    assert project.run("makemigrations").code == 0
    project.write(
        "pages/migrations/0003_seed.py",
        """
        from dbshift import migrations


        def seed(apps, schema_editor):
            Article = apps.get_model("pages", "Article")
            Article.objects.create(title="seeded", rank=7)


        class Migration(migrations.Migration):
            dependencies = [("pages", "0002_article_rank")]
            operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
        """,
    )
    project.models(
        "pages",
        "class Article(models.Model):\n"
        "    title = models.CharField(max_length=20)\n"
        "    rank = models.IntegerField(default=0)\n"
        "    score = models.IntegerField(default=1)\n",
    )
    assert project.run("makemigrations").code == 0

    result = project.run("migrate", "-v", "2")

    assert result.code == 0, result.output
    lines = {
        line.split("...")[0].split()[-1]: line
        for line in result.stdout.splitlines()
        if "Applying" in line
    }
    assert ("end state" in lines["pages.0001_initial"]) == fast_paths
    assert ("end state" in lines["pages.0002_article_rank"]) == fast_paths
    assert "end state" not in lines["pages.0003_seed"]
    assert "end state" not in lines["pages.0004_article_score"]
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = list(connection.exec_driver_sql("SELECT title, rank, score FROM pages_article"))
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("seeded", 7, 1)]


def test_models_pointing_at_each_other_are_applied_one_by_one(make_project, sqlite_url):
    project = make_project(database=sqlite_url)
    project.models(
        "pages",
        "class Left(models.Model):\n"
        "    right = models.ForeignKey('Right', null=True, on_delete=models.SET_NULL)\n"
        "\n\n"
        "class Right(models.Model):\n"
        "    left = models.ForeignKey('Left', null=True, on_delete=models.SET_NULL)\n",
    )
    assert project.run("makemigrations").code == 0
    project.models(
        "pages",
        "class Left(models.Model):\n"
        "    right = models.ForeignKey('Right', null=True, on_delete=models.SET_NULL)\n"
        "    size = models.IntegerField(default=0)\n"
        "\n\n"
        "class Right(models.Model):\n"
        "    left = models.ForeignKey('Left', null=True, on_delete=models.SET_NULL)\n",
    )
    assert project.run("makemigrations").code == 0

    result = project.run("migrate", "-v", "2")

    assert result.code == 0, result.output
    assert "end state" not in result.stdout
    assert project.run("check").code == 0
