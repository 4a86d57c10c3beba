"""An empty database built straight to its end state is the one the migrations build as written.

Models dbshift does not manage are where the two could part: making a model
managed creates no table, making it unmanaged drops none, and a change to an
unmanaged model leaves alone the keys that point at it. Each test builds a
history on an empty database with the fresh build allowed, and on a twin one
``--one-by-one``, and compares what ``sqlalchemy.inspect`` reads from both: a few
histories written by hand, then histories generated from seeds
(:mod:`tests.mixed_history`), a few short ones always and many long ones when
slow tests run.
"""

from __future__ import annotations

import pytest

from tests.helpers import ProjectDir
from tests.history import HEADER, inspected_schema
from tests.mixed_history import write_mixed_history
from tests.test_batches import applying_lines
from tests.test_fresh_build import recorded

ID = '("id", models.BigAutoField(primary_key=True))'


def write_chain(project: ProjectDir, migrations: list[tuple[str, str]], app: str = "pages"):
    """Write ``(name, operations source)`` migrations of ``app``, each after the one before."""
    previous = None
    for name, operations in migrations:
        dependencies = f'[("{app}", "{previous}")]' if previous else "[]"
        body = f"    dependencies = {dependencies}\n    operations = [\n{operations}    ]\n"
        project.write(f"{app}/migrations/{name}.py", HEADER + body)
        previous = name


def migrate_both(make_project, db_url, twin_url, migrations, models_source):
    """Migrate ``db_url`` as usual, ``twin_url`` one by one; return the first's -v 2 output."""
    outputs = []
    for url, options in ((db_url, ()), (twin_url, ("--one-by-one",))):
        project = make_project(database=url)
        write_chain(project, migrations)
        project.models("pages", models_source)
        # Indexed first, so that migrate reads what each migration does from the index.
        assert project.run("showmigrations").code == 0
        result = project.run("migrate", "-v", "2", *options)
        assert result.code == 0, result.output
        outputs.append(result.stdout)
    assert inspected_schema(db_url) == inspected_schema(twin_url)
    return outputs[0]


def test_a_model_made_managed_gets_no_table_on_an_empty_database_either(
    make_project, db_url, twin_url, fast_paths
):
    # The usual way to take over a legacy table: make the model managed, create the
    # table by hand once, then change it with ordinary migrations.
    migrations = [
        (
            "0001_initial",
            f'        migrations.CreateModel("Legacy", [{ID}, '
            '("name", models.CharField(max_length=20))], options={"managed": False}),\n',
        ),
        ("0002_managed", '        migrations.AlterModelOptions("Legacy", {}),\n'),
        (
            "0003_table",
            '        migrations.RunSQL("CREATE TABLE pages_legacy (id BIGINT PRIMARY KEY, '
            'name VARCHAR(20) NOT NULL)", migrations.RunSQL.noop),\n',
        ),
        (
            "0004_rank",
            '        migrations.AddField("legacy", "rank", models.IntegerField(default=0)),\n',
        ),
    ]
    models = (
        "class Legacy(models.Model):\n"
        "    name = models.CharField(max_length=20)\n"
        "    rank = models.IntegerField(default=0)\n"
    )

    output = migrate_both(make_project, db_url, twin_url, migrations, models)

    assert ("stops before pages.0002_managed" in output) == fast_paths
    columns = inspected_schema(db_url)["pages_legacy"]["columns"]
    assert [column[0] for column in columns] == ["id", "name", "rank"]


def test_a_model_made_unmanaged_keeps_its_table_on_an_empty_database(
    make_project, db_url, twin_url
):
    migrations = [
        (
            "0001_initial",
            f'        migrations.CreateModel("Article", [{ID}, '
            '("title", models.CharField(max_length=20))]),\n',
        ),
        (
            "0002_unmanaged",
            '        migrations.AlterModelOptions("Article", {"managed": False}),\n',
        ),
        ("0003_tag", f'        migrations.CreateModel("Tag", [{ID}]),\n'),
    ]
    models = (
        "class Article(models.Model):\n"
        "    title = models.CharField(max_length=20)\n\n"
        "    class Meta:\n"
        "        managed = False\n\n\n"
        "class Tag(models.Model):\n"
        "    pass\n"
    )

    migrate_both(make_project, db_url, twin_url, migrations, models)

    assert sorted(inspected_schema(db_url)) == ["pages_article", "pages_tag"]


def test_a_key_to_an_unmanaged_model_keeps_its_type_when_that_model_changes(
    make_project, db_url, twin_url
):
    migrations = [
        (
            "0001_initial",
            '        migrations.CreateModel("Author", '
            '[("id", models.IntegerField(primary_key=True))], '
            'options={"managed": False, "db_table": "legacy_author"}),\n'
            f'        migrations.CreateModel("Book", [{ID}, ("author", models.ForeignKey('
            '"pages.author", null=True, on_delete=models.DO_NOTHING, db_constraint=False))]),\n',
        ),
        (
            "0002_author_id",
            '        migrations.AlterField("author", "id", '
            "models.BigIntegerField(primary_key=True)),\n",
        ),
        ("0003_tag", f'        migrations.CreateModel("Tag", [{ID}]),\n'),
    ]
    models = (
        "class Author(models.Model):\n"
        "    id = models.BigIntegerField(primary_key=True)\n\n"
        "    class Meta:\n"
        "        managed = False\n"
        "        db_table = 'legacy_author'\n\n\n"
        "class Book(models.Model):\n"
        "    author = models.ForeignKey(\n"
        "        Author, null=True, on_delete=models.DO_NOTHING, db_constraint=False\n"
        "    )\n\n\n"
        "class Tag(models.Model):\n"
        "    pass\n"
    )

    migrate_both(make_project, db_url, twin_url, migrations, models)

    columns = inspected_schema(db_url)["pages_book"]["columns"]
    assert {name: type_ for name, type_, _null, _default in columns}["author_id"] == "integer"


def test_unmanaged_and_proxy_models_that_nothing_points_at_do_not_stop_the_fresh_build(
    make_project, db_url, twin_url, fast_paths
):
    migrations = [
        (
            "0001_initial",
            f'        migrations.CreateModel("Article", [{ID}, '
            '("title", models.CharField(max_length=20))]),\n'
            '        migrations.CreateModel("Featured", [], options={"proxy": True}, '
            'bases=("pages.article",)),\n'
            f'        migrations.CreateModel("Report", [{ID}], options={{"managed": False}}),\n',
        ),
        ("0002_report_table", '        migrations.AlterModelTable("Report", "report_view"),\n'),
        (
            "0003_report_options",
            '        migrations.AlterModelOptions("Report", '
            '{"managed": False, "ordering": ["id"]}),\n',
        ),
        (
            "0004_rank",
            '        migrations.AddField("article", "rank", models.IntegerField(default=0)),\n'
            # Proxies come from histories written for Django; models.py cannot declare one.
            '        migrations.DeleteModel("Featured"),\n',
        ),
    ]
    models = (
        "class Article(models.Model):\n"
        "    title = models.CharField(max_length=20)\n"
        "    rank = models.IntegerField(default=0)\n\n\n"
        "class Report(models.Model):\n"
        "    class Meta:\n"
        "        managed = False\n"
        "        db_table = 'report_view'\n"
        "        ordering = ['id']\n"
    )

    output = migrate_both(make_project, db_url, twin_url, migrations, models)

    lines = applying_lines(output)
    assert len(lines) == 4
    built = [line for line in lines.values() if "straight to their end state" in line]
    assert len(built) == (4 if fast_paths else 0), output
    assert sorted(inspected_schema(db_url)) == ["pages_article"]


# -- Generated histories ---------------------------------------------------------------------


def build_both_ways(make_project, db_url, twin_url, count, seed) -> int:
    """Migrate a generated history fresh and one by one; return how many were built fresh."""
    fast, slow = make_project(database=db_url), make_project(database=twin_url)
    write_mixed_history(fast, count, seed)
    write_mixed_history(slow, count, seed)

    built = fast.run("migrate", "-v", "2")
    one_by_one = slow.run("migrate", "--one-by-one", "-v", "2")

    assert built.code == 0, built.output
    assert one_by_one.code == 0, one_by_one.output
    assert "end state" not in one_by_one.stdout
    assert inspected_schema(db_url) == inspected_schema(twin_url)
    assert sorted(recorded(db_url)) == sorted(recorded(twin_url))
    return sum("end state" in line for line in applying_lines(built.stdout).values())


def check_generated_history(make_project, db_url, twin_url, count, seed, fast_paths):
    """Build a generated history both ways; expect the fresh build only where migrate takes it."""
    built = build_both_ways(make_project, db_url, twin_url, count, seed)

    assert built >= 2 if fast_paths else built == 0


@pytest.mark.parametrize("seed", range(6))
def test_generated_histories_build_the_same_database_fresh_and_one_by_one(
    make_project, db_url, twin_url, seed, fast_paths
):
    check_generated_history(make_project, db_url, twin_url, 25, seed, fast_paths)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 130))
def test_long_generated_histories_build_the_same_database_fresh_and_one_by_one(
    make_project, db_url, twin_url, seed, fast_paths
):
    if not fast_paths:
        # Both runs take the same path there; the short histories show that it works.
        pytest.skip("no fresh build where DDL commits by itself")
    check_generated_history(make_project, db_url, twin_url, 60, seed, fast_paths)
