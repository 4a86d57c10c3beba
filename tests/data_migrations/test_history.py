"""RunPython sees the models as the history has them where it runs, both ways."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.data_migrations.test_failures import run_sql
from tests.helpers import ProjectDir

# Each RunPython writes what it sees into pages_log, with the historical Log model.
RECORD = """
from dbshift import migrations, models


def describe(apps, name):
    try:
        model = apps.get_model("pages", name)
    except LookupError:
        return f"{{name}}: -"
    return f"{{name}}: " + ",".join(field.name for field in model._meta.fields)


def record(apps, schema_editor, when):
    seen = "; ".join(describe(apps, name) for name in ("Article", "Author", "Writer"))
    apps.get_model("pages", "Log").objects.create(note=f"{{when}} {{seen}}")


def forwards(apps, schema_editor):
    record(apps, schema_editor, "{name}")


def backwards(apps, schema_editor):
    record(apps, schema_editor, "undo {name}")


class Migration(migrations.Migration):
    dependencies = [("pages", "{previous}")]
    operations = [
        {operations}
    ]
"""

INITIAL = """
from dbshift import migrations, models

KEY = ("id", models.AutoField(primary_key=True))


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel("Log", [KEY, ("note", models.TextField())]),
        migrations.CreateModel("Author", [KEY, ("name", models.CharField(max_length=20))]),
        migrations.CreateModel("Article", [KEY, ("title", models.CharField(max_length=20))]),
    ]
"""

RUN = "migrations.RunPython(forwards, backwards)"

STEPS = [
    ("0002_before_body", RUN),
    ("0003_body", 'migrations.AddField("Article", "body", models.TextField(default="")),\n' + RUN),
    (
        "0004_headline",
        RUN + ',\nmigrations.RenameField("Article", "title", "headline"),\n' + RUN,
    ),
    ("0005_writer", 'migrations.RenameModel("Author", "Writer"),\n' + RUN),
]


@pytest.fixture
def history(make_project: Callable[..., ProjectDir], db_url: str) -> ProjectDir:
    project = make_project(database=db_url)
    project.write("pages/migrations/0001_initial.py", INITIAL)
    previous = "0001_initial"
    for name, operations in STEPS:
        source = RECORD.format(name=name[:4], previous=previous, operations=operations)
        project.write(f"pages/migrations/{name}.py", source)
        previous = name
    return project


def notes(project: ProjectDir) -> list[str]:
    return [row[0] for row in run_sql(project, "SELECT note FROM pages_log ORDER BY id")]


def test_each_point_of_the_history_has_its_own_models(history: ProjectDir) -> None:
    assert history.run("migrate").code == 0
    assert notes(history) == [
        "0002 Article: id,title; Author: id,name; Writer: -",
        "0003 Article: id,title,body; Author: id,name; Writer: -",
        "0004 Article: id,title,body; Author: id,name; Writer: -",
        "0004 Article: id,headline,body; Author: id,name; Writer: -",
        "0005 Article: id,headline,body; Author: -; Writer: id,name",
    ]

    assert history.run("migrate", "pages", "0001").code == 0
    assert notes(history)[5:] == [
        "undo 0005 Article: id,headline,body; Author: -; Writer: id,name",
        "undo 0004 Article: id,headline,body; Author: id,name; Writer: -",
        "undo 0004 Article: id,title,body; Author: id,name; Writer: -",
        "undo 0003 Article: id,title,body; Author: id,name; Writer: -",
        "undo 0002 Article: id,title; Author: id,name; Writer: -",
    ]


def test_historical_models_never_come_from_models_py(history: ProjectDir) -> None:
    history.models(
        "pages",
        """
        class Article(models.Model):
            headline = models.CharField(max_length=20)
            summary = models.TextField()
        """,
    )
    assert history.run("migrate", "pages", "0002").code == 0
    assert notes(history) == ["0002 Article: id,title; Author: id,name; Writer: -"]
