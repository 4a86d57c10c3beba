"""Models reach the registry whoever imports their module first, and never vanish silently."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import ProjectDir

CALLABLE_DEFAULT = """
def default_title():
    return "untitled"


class Article(models.Model):
    title = models.CharField(max_length=100, default=default_title)
"""

PLAIN = """
class Article(models.Model):
    title = models.CharField(max_length=100)


class Tag(models.Model):
    name = models.CharField(max_length=20)
"""


def table_names(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_callable_default_in_models_module_survives_the_history_index(make_project, db_url):
    project: ProjectDir = make_project(database=db_url)
    project.models("pages", CALLABLE_DEFAULT)
    assert project.run("makemigrations").code == 0
    assert "import pages.models" in project.migration_source("pages", "0001_initial")
    assert project.run("migrate").code == 0

    # The first run builds the history index; the later ones read the state from it,
    # which imports pages.models before the registry asks for the models.
    for _ in range(2):
        result = project.run("makemigrations", "--check")
        assert (result.code, result.stdout) == (0, "No changes detected\n"), result.output
    result = project.run("makemigrations")
    assert (result.code, result.stdout) == (0, "No changes detected\n"), result.output
    assert project.migration_names("pages") == ["0001_initial"]

    result = project.run("migrate")
    assert result.code == 0, result.output
    assert "pages_article" in table_names(db_url)


def test_app_whose_models_module_yields_nothing_is_an_error(project):
    project.models("pages", PLAIN)
    assert project.run("makemigrations").code == 0
    project.models("pages", "")

    for argv in (("makemigrations",), ("makemigrations", "--check"), ("check",)):
        result = project.run(*argv)
        assert result.code == 1, result.output
        assert "App 'pages' has no models, but its migrations create Article, Tag." in (
            result.stderr
        )
        assert "pages.models" in result.stderr
        assert "Traceback" not in result.output
    assert project.migration_names("pages") == ["0001_initial"]


def test_missing_models_module_is_an_error(project):
    project.models("pages", PLAIN)
    assert project.run("makemigrations").code == 0
    (project.root / "pages" / "models.py").unlink()

    result = project.run("makemigrations")

    assert result.code == 1, result.output
    assert "App 'pages' has no models" in result.stderr
    assert project.migration_names("pages") == ["0001_initial"]


def test_deleting_every_model_by_hand_is_still_possible(project):
    project.models("pages", PLAIN)
    assert project.run("makemigrations").code == 0
    project.models("pages", "")
    assert project.run("makemigrations", "pages", "--empty", "--name", "drop_all").code == 0
    path = project.migrations_dir("pages") / "0002_drop_all.py"
    path.write_text(
        path.read_text().replace(
            "operations = []",
            'operations = [migrations.DeleteModel("Article"), migrations.DeleteModel("Tag")]',
        )
    )

    result = project.run("makemigrations", "--check")

    assert (result.code, result.stdout) == (0, "No changes detected\n"), result.output
