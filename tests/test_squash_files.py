"""squashmigrations, optimizemigration and makemigrations --merge, on the files they write."""

from __future__ import annotations

import pytest

from dbshift.exceptions import BadMigrationError
from dbshift.migrations.squash import squash_range, verify_squash

INITIAL = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Article",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True))],
        ),
    ]
"""

FIELD_STEP = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "{previous}")]
    operations = [
        migrations.AddField("article", "f{number}", models.IntegerField(default={number})),
    ]
"""

PYTHON_STEP = '''
import string

from dbshift import migrations

PREFIX = "row-"


def label(number):
    return PREFIX + string.digits[number % 10]


def forwards(apps, schema_editor):
    """Fill labels."""
    return label(3)


class Migration(migrations.Migration):
    dependencies = [("pages", "{previous}")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
'''


def build_history(project, length=10, python_at=(5,)):
    """Write 0001_initial and steps up to ``length``, RunPython at the given numbers."""
    project.write("pages/migrations/0001_initial.py", INITIAL)
    previous = "0001_initial"
    for number in range(2, length + 1):
        template = PYTHON_STEP if number in python_at else FIELD_STEP
        name = f"{number:04d}_step"
        project.write(
            f"pages/migrations/{name}.py", template.format(previous=previous, number=number)
        )
        previous = name
    fields = "".join(
        f"    f{n} = models.IntegerField(default={n})\n"
        for n in range(2, length + 1)
        if n not in python_at
    )
    project.models("pages", f"class Article(models.Model):\n{fields or '    pass'}\n")


def test_squash_of_ten_migrations_with_a_runpython_runs_without_the_old_files(project):
    build_history(project, 10, python_at=(5,))

    result = project.run("squashmigrations", "pages", "0010", "--noinput")

    assert result.code == 0, result.output
    name = "0001_squashed_0010_step"
    assert f"pages/migrations/{name}.py" in result.stdout
    assert "Optimized from 10 operations to" in result.stdout
    source = project.migration_source("pages", name)
    assert "def forwards(apps, schema_editor):" in source
    assert 'PREFIX = "row-"' in source
    assert "import string" in source
    assert "code=forwards" in source
    for number in range(2, 11):
        step = "0001_initial" if number == 1 else f"{number:04d}_step"
        assert f'("pages", "{step}")' in source

    before = project.project().loader().project_state()
    for old in ["0001_initial", *(f"{number:04d}_step" for number in range(2, 11))]:
        (project.migrations_dir("pages") / f"{old}.py").unlink()

    loader = project.project().loader()
    assert list(loader.disk_migrations) == [("pages", name)]
    assert loader.project_state() == before
    squash = loader.graph.node(("pages", name))
    runpython = [op for op in squash.operations if type(op).__name__ == "RunPython"]
    assert runpython[0].code(None, None) == "row-3"
    assert project.run("makemigrations", "--check").code == 0


def test_squash_keeps_a_one_off_default_one_off(project):
    project.write("pages/migrations/0001_initial.py", INITIAL)
    project.write(
        "pages/migrations/0002_slug.py",
        """
        from dbshift import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [
                migrations.AddField(
                    "article", "slug", models.SlugField(default="x"), preserve_default=False
                ),
            ]
        """,
    )
    project.models("pages", "class Article(models.Model):\n    slug = models.SlugField()\n")

    result = project.run("squashmigrations", "pages", "0002", "--noinput")

    assert result.code == 0, result.output
    source = project.migration_source("pages", "0001_squashed_0002_slug")
    assert '("slug", models.SlugField())' in source
    assert "default" not in source


def test_a_squash_that_builds_another_state_is_refused(project):
    build_history(project, 4, python_at=())
    loader = project.project().loader()
    chain = squash_range(loader, "pages", None, "0004")
    wrong = chain[0].__class__("0001_squashed_0004_step", "pages")
    wrong.operations = chain[0].operations + chain[1].operations

    with pytest.raises(BadMigrationError) as caught:
        verify_squash(loader, chain, wrong)

    assert "pages.article.f3" in str(caught.value)
    assert "pages.article.f4" in str(caught.value)


def test_a_squash_that_would_create_a_cycle_is_refused(make_project):
    project = make_project(apps=("a", "b"))
    project.write("a/migrations/0001_initial.py", INITIAL.replace("Article", "One"))
    project.write(
        "a/migrations/0002_after_b.py",
        """
        from dbshift import migrations

        class Migration(migrations.Migration):
            dependencies = [("a", "0001_initial"), ("b", "0001_initial")]
            operations = []
        """,
    )
    project.write(
        "b/migrations/0001_initial.py",
        """
        from dbshift import migrations

        class Migration(migrations.Migration):
            dependencies = [("a", "0001_initial")]
            operations = []
        """,
    )
    project.models("a", "class One(models.Model):\n    pass\n")

    result = project.run("squashmigrations", "a", "0002", "--noinput")

    assert result.code == 1
    assert "cycle" in result.stderr
    assert project.migration_names("a") == ["0001_initial", "0002_after_b"]


def test_squash_asks_and_writes_nothing_on_no(project):
    build_history(project, 3, python_at=())

    result = project.run("squashmigrations", "pages", "0003", stdin="n\n")

    assert "Do you wish to proceed? [y/N]" in result.stdout
    assert project.migration_names("pages") == ["0001_initial", "0002_step", "0003_step"]


def test_squash_from_a_start_migration_is_named_after_both_ends(project):
    build_history(project, 5, python_at=())

    result = project.run("squashmigrations", "pages", "0003", "0005", "--noinput")

    assert result.code == 0, result.output
    source = project.migration_source("pages", "0003_step_squashed_0005_step")
    assert '("pages", "0002_step")' in source.split("dependencies")[1].split("operations")[0]
    assert "initial = True" not in source


def test_optimizemigration_folds_and_check_reports(project):
    project.write(
        "pages/migrations/0001_initial.py",
        INITIAL.replace(
            "    ]\n",
            '        migrations.AddField("article", "title", models.CharField(max_length=5)),\n'
            '        migrations.AlterField("article", "title", models.CharField(max_length=9)),\n'
            "    ]\n",
        ),
    )

    check = project.run("optimizemigration", "pages", "0001", "--check")
    assert check.code == 1
    assert "Optimizing from 3 operations to 1 operations." in check.stdout

    assert project.run("optimizemigration", "pages", "0001").code == 0
    source = project.migration_source("pages", "0001_initial")
    assert "AddField" not in source and "max_length=9" in source
    assert project.run("optimizemigration", "pages", "0001", "--check").code == 0


def write_branches(project):
    project.write("pages/migrations/0001_initial.py", INITIAL)
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
    project.models(
        "pages",
        "class Article(models.Model):\n"
        "    a = models.IntegerField(null=True)\n"
        "    b = models.IntegerField(null=True)\n",
    )


def test_conflicting_leaves_stop_makemigrations_and_merge_joins_them(project):
    write_branches(project)

    stopped = project.run("makemigrations")
    assert stopped.code == 1
    assert "0002_a, 0002_b in pages" in stopped.stderr
    assert "makemigrations --merge" in stopped.stderr

    declined = project.run("makemigrations", "--merge", stdin="n\n")
    assert "Branch 0002_a" in declined.stdout and "+ Add field a to article" in declined.stdout
    assert project.migration_names("pages") == ["0001_initial", "0002_a", "0002_b"]

    merged = project.run("makemigrations", "--merge", "--noinput")
    assert merged.code == 0, merged.output
    source = project.migration_source("pages", "0003_merge_0002_a_0002_b")
    assert '("pages", "0002_a"),' in source and '("pages", "0002_b"),' in source
    assert project.run("makemigrations", "--check").code == 0


def test_the_closing_advice_of_a_squash_can_be_followed_as_written(project):
    build_history(project, 3, python_at=())
    assert project.run("migrate").code == 0
    result = project.run("squashmigrations", "pages", "0003", "--noinput")
    assert result.code == 0, result.output
    advice = " ".join(result.stdout.split())
    assert "delete them, remove 'replaces' from the squash, and run" in advice
    command = advice.split("and run '")[1].split("'")[0]
    assert command == "dbshift migrate pages --prune"

    name = "0001_squashed_0003_step"
    for old in ("0001_initial", "0002_step", "0003_step"):
        (project.migrations_dir("pages") / f"{old}.py").unlink()
    path = project.migrations_dir("pages") / f"{name}.py"
    source = path.read_text()
    start = source.index("    replaces = [")
    path.write_text(source[:start] + source[source.index("]\n", start) + 2 :])
    pruned = project.run(*command.split()[1:])

    assert pruned.code == 0, pruned.output
    assert "Pruning pages.0002_step OK" in pruned.stdout
