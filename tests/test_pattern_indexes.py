"""PostgreSQL gets Django's LIKE-friendly ``*_like`` indexes beside indexed text columns.

Django 5.2 adds a ``varchar_pattern_ops`` (``text_pattern_ops``) index to every
indexed, unique or primary key ``varchar`` (``text``) column, and to foreign keys
pointing at one, and drops or changes it with the column's index. dbshift does
the same, under the same names, so that a database either tool built continues
under the other. The expectations are Django's own: the same history is migrated
by Django 5.2 on a second database, and the indexes are read back from
``pg_indexes``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.django_oracle import DJANGO_INSTALLED, run_django_migrate, write_django_project
from tests.helpers import ProjectDir, run_sql

pytestmark = pytest.mark.skipif(not DJANGO_INSTALLED, reason="needs Django (bench extras)")

INITIAL = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Code",
            fields=[("key", models.CharField(max_length=10, primary_key=True, serialize=False))],
        ),
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=50, unique=True)),
                ("slug", models.SlugField()),
                ("title", models.CharField(max_length=80, db_index=True)),
                ("body", models.TextField(db_index=True)),
                ("plain", models.CharField(max_length=20)),
                ("rank", models.IntegerField(db_index=True)),
                ("code", models.ForeignKey(on_delete=models.CASCADE, to="pages.code")),
                ("codes", models.ManyToManyField(related_name="tags", to="pages.code")),
            ],
        ),
    ]
"""

CHANGED = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="tag", name="name", field=models.CharField(max_length=50)
        ),
        migrations.AlterField(
            model_name="tag", name="title", field=models.TextField(db_index=True)
        ),
        migrations.AlterField(
            model_name="tag", name="plain", field=models.CharField(max_length=20, unique=True)
        ),
        migrations.AlterField(
            model_name="tag", name="slug", field=models.SlugField(max_length=80)
        ),
        migrations.AlterField(model_name="tag", name="body", field=models.TextField()),
    ]
"""


def like_indexes(url: str) -> dict[str, str]:
    """Return the definition of every ``*_pattern_ops`` index, by name."""
    rows = run_sql(
        url,
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = 'public' AND indexdef LIKE '%%pattern_ops%%'",
    )
    return dict(rows)


def django_twin(project: ProjectDir, url: str, workdir: Path) -> dict[str, str]:
    write_django_project(project.root, ["pages"], workdir, url)
    run_django_migrate(workdir)
    return like_indexes(url)


@pytest.mark.parametrize("length", [1, 2])
def test_like_indexes_are_those_django_builds(
    make_project: Callable[..., ProjectDir],
    pg_url: str,
    postgres_server: str,
    tmp_path: Path,
    length: int,
) -> None:
    from tests.postgres import fresh_database

    project = make_project(database=pg_url)
    history = {"0001_initial": INITIAL, "0002_changed": CHANGED}
    for name in list(history)[:length]:
        project.write(f"pages/migrations/{name}.py", history[name])
    result = project.run("migrate", "--one-by-one")
    assert result.code == 0, result.output
    with fresh_database(postgres_server) as twin:
        expected = django_twin(project, twin, tmp_path / "django")
    assert like_indexes(pg_url) == expected
    assert len(expected) == (7 if length == 1 else 6)


def test_like_index_is_dropped_with_the_column_index(
    make_project: Callable[..., ProjectDir], pg_url: str
) -> None:
    project = make_project(database=pg_url)
    project.write("pages/migrations/0001_initial.py", INITIAL)
    project.write("pages/migrations/0002_changed.py", CHANGED)
    assert project.run("migrate").code == 0
    columns = sorted(
        definition.partition("(")[2].split()[0] for definition in like_indexes(pg_url).values()
    )
    assert columns == ["code_id", "code_id", "key", "plain", "slug", "title"]
    assert project.run("migrate", "pages", "0001").code == 0
    columns = sorted(
        definition.partition("(")[2].split()[0] for definition in like_indexes(pg_url).values()
    )
    assert columns == ["body", "code_id", "code_id", "key", "name", "slug", "title"]
