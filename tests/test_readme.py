"""The README's examples are what dbshift prints and code that runs."""

from __future__ import annotations

from pathlib import Path

from tests.test_migrate import ARTICLE, SLUG


def readme_block(after: str) -> str:
    """Return the first fenced block of README.md after the line ``after``."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rest = text[text.index(after) :]
    block = rest[rest.index("```\n") + 4 :]
    return block[: block.index("```\n")]


def test_the_readme_shows_what_check_prints_for_a_deleted_migration(make_project):
    project = make_project()
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    (project.migrations_dir("pages") / "0002_article_slug.py").unlink()

    result = project.run("check")

    expected = readme_block("Deleting an applied migration:")
    assert expected.startswith("$ python manage.py check\n")
    expected = expected.removeprefix("$ python manage.py check\n")
    assert result.stdout == expected.replace("python manage.py", "dbshift")


def test_the_readme_data_migration_defines_what_it_uses():
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text[text.index("### 9. Data migrations") :]
    snippet = section[section.index("```python\n") + 10 :]
    snippet = snippet[: snippet.index("```\n")]
    namespace: dict[str, object] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    assert namespace["slugify"]("Hello, World!") == "hello-world"
    assert "null=True" in snippet


def test_the_readme_squashes_the_migrations_the_tutorial_made(make_project):
    project = make_project()
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations").code == 0

    result = project.run("squashmigrations", "pages", "0002", "--noinput")

    block = readme_block("### 7. Squashing migrations")
    command = "$ python manage.py squashmigrations pages 0002 --noinput\n"
    assert block.startswith(command)
    expected = block.removeprefix(command).replace("python manage.py", "dbshift")
    assert result.stdout == expected


def test_the_readme_shows_what_check_prints_at_its_point_of_the_tutorial(make_project):
    project = make_project()
    project.models("pages", ARTICLE)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    project.models("pages", ARTICLE + SLUG)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate", "pages").code == 0
    assert project.run("migrate", "pages", "0001").code == 0

    result = project.run("check")

    block = readme_block("### 5. Making model changes safely")
    expected = block.removeprefix("$ python manage.py check\n").replace(
        "python manage.py", "dbshift"
    )
    assert result.stdout == expected
