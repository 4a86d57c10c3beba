"""``default_auto_field`` chooses the type of automatic ids, as Django's setting does.

It applies to the ids of models without a primary key and to the ids of the
automatic many-to-many tables, for the whole project or per app.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.expectations import column_type
from tests.helpers import ProjectDir
from tests.structure import read_structure, vendor_of

MODELS = """
class Tag(models.Model):
    name = models.CharField(max_length=20)


class Page(models.Model):
    tags = models.ManyToManyField(Tag)
"""


def _settings(project: ProjectDir, extra: str, apps: str = '"pages"') -> None:
    project.write(
        "pyproject.toml",
        f'[tool.dbshift]\napps = [{apps}]\ndatabase = "{project.database}"\n{extra}\n',
    )


def _id_types(url: str, *tables: str) -> list[str]:
    structure = read_structure(url)
    return [structure[table].columns["id"].type for table in tables]


def test_project_setting_gives_integer_ids_to_models_and_join_tables(
    make_project: Callable[..., ProjectDir], db_url: str
) -> None:
    project = make_project(database=db_url)
    _settings(project, 'default_auto_field = "dbshift.models.AutoField"')
    project.models("pages", MODELS)
    result = project.run("makemigrations")
    assert result.code == 0, result.output
    source = project.migration_source("pages", "0001_initial")
    assert source.count("models.AutoField(") == 2 and "BigAutoField" not in source
    assert project.run("migrate").code == 0
    types = _id_types(db_url, "pages_tag", "pages_page", "pages_page_tags")
    assert types == [column_type("IntegerField", vendor_of(db_url))] * 3
    assert project.run("makemigrations", "--check").code == 0


def test_app_setting_overrides_the_project_setting(
    make_project: Callable[..., ProjectDir], db_url: str
) -> None:
    project = make_project(apps=("pages", "shop"), database=db_url)
    _settings(
        project,
        'default_auto_field = "django.db.models.AutoField"',
        apps='"pages", { name = "shop", default_auto_field = "dbshift.models.SmallAutoField" }',
    )
    project.models("pages", MODELS)
    project.models("shop", MODELS)
    assert project.run("makemigrations").code == 0
    assert "models.SmallAutoField(" in project.migration_source("shop", "0001_initial")
    assert "models.AutoField(" in project.migration_source("pages", "0001_initial")
    assert project.run("migrate").code == 0
    types = _id_types(db_url, "pages_page_tags", "shop_page_tags", "shop_tag")
    vendor = vendor_of(db_url)
    # SQLite numbers rows in an INTEGER PRIMARY KEY whatever size was asked for.
    small = column_type("SmallIntegerField" if vendor != "sqlite" else "IntegerField", vendor)
    assert types == [column_type("IntegerField", vendor), small, small]


def test_join_tables_of_migration_files_follow_the_setting(
    make_project: Callable[..., ProjectDir], db_url: str
) -> None:
    project = make_project(database=db_url)
    _settings(project, 'default_auto_field = "dbshift.models.AutoField"')
    project.write(
        "pages/migrations/0001_initial.py",
        """
        from dbshift import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="Tag",
                    fields=[("id", models.AutoField(primary_key=True, serialize=False))],
                ),
                migrations.CreateModel(
                    name="Page",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("tags", models.ManyToManyField(to="pages.tag")),
                    ],
                ),
            ]
        """,
    )
    assert project.run("migrate").code == 0
    assert _id_types(db_url, "pages_page_tags") == [column_type("IntegerField", vendor_of(db_url))]


def test_a_field_that_is_not_an_auto_field_is_refused(
    make_project: Callable[..., ProjectDir],
) -> None:
    project = make_project()
    _settings(project, 'default_auto_field = "dbshift.models.CharField"')
    project.models("pages", MODELS)
    result = project.run("makemigrations")
    assert result.code != 0
    assert "default_auto_field 'dbshift.models.CharField' of app 'pages'" in result.output
    assert "Traceback" not in result.output
