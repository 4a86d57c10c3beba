"""The tutorial's makemigrations steps, end to end through the command line."""

from __future__ import annotations

ARTICLE = """
class Article(models.Model):
    title = models.CharField(max_length=200)
    content = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
"""

TUTORIAL_OPERATIONS = """    operations = [
        migrations.CreateModel(
            name="Article",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                ("title", models.CharField(max_length=200)),
                ("content", models.TextField()),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("updated", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
"""


def test_initial_migration_matches_the_tutorial(project):
    project.models("pages", ARTICLE)

    result = project.run("makemigrations")

    assert result.code == 0, result.output
    assert result.stdout.splitlines() == [
        "Migrations for 'pages':",
        "  pages/migrations/0001_initial.py",
        "    + Create model Article",
    ]
    source = project.migration_source("pages", "0001_initial")
    assert "from dbshift import migrations, models\n" in source
    assert "    initial = True\n" in source
    assert "    dependencies = []\n" in source
    assert source.endswith(TUTORIAL_OPERATIONS)


def test_adding_a_field_writes_0002_and_check_agrees(project):
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.models("pages", ARTICLE + '    slug = models.SlugField(max_length=200, default="")\n')

    assert project.run("makemigrations", "--check").code == 1
    assert project.migration_names("pages") == ["0001_initial"]

    result = project.run("makemigrations")
    assert result.code == 0, result.output
    assert "    + Add field slug to article" in result.stdout
    assert project.migration_names("pages") == ["0001_initial", "0002_article_slug"]
    assert '        ("pages", "0001_initial"),\n' in project.migration_source(
        "pages", "0002_article_slug"
    )

    check = project.run("makemigrations", "--check")
    assert check.code == 0
    assert check.stdout.strip() == "No changes detected"
