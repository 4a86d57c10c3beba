"""examples/data_migration: a nullable column, a backfill, then a unique NOT NULL column."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import process_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "data_migration"

ROWS = [
    ("Hello, World!", "First post"),
    ("Hello world", "Same title, other words"),
    ("Ça va? Très bien", "Accents"),
    ("   ", "No words at all"),
]
SLUGS = ["hello-world", "hello-world-2", "ca-va-tres-bien", "article"]


class Example:
    """A copy of the example project, run with ``python manage.py`` on one database."""

    def __init__(self, root: Path, url: str) -> None:
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
        self.root = root
        self.url = url

    def manage(self, *argv: str) -> str:
        completed = subprocess.run(
            [sys.executable, "manage.py", *argv],
            cwd=self.root,
            capture_output=True,
            text=True,
            env=process_env({"DATABASE_URL": self.url}),
            timeout=120,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return completed.stdout

    def execute(self, sql: str, *rows: dict[str, object]) -> list[tuple[object, ...]]:
        engine = sa.create_engine(self.url)
        try:
            with engine.begin() as connection:
                result = connection.execute(sa.text(sql), list(rows) or None)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def columns(self) -> dict[str, dict[str, object]]:
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as connection:
                found = sa.inspect(connection).get_columns("pages_article")
                return {column["name"]: column for column in found}
        finally:
            engine.dispose()


@pytest.fixture
def example(tmp_path: Path, db_url: str) -> Example:
    return Example(tmp_path / "example", db_url)


def test_backfill_then_roll_back_keeping_the_rows(example: Example) -> None:
    example.manage("migrate", "pages", "0001")
    example.execute(
        "INSERT INTO pages_article (title, content) VALUES (:title, :content)",
        *({"title": title, "content": content} for title, content in ROWS),
    )

    output = example.manage("migrate")
    assert "Applying pages.0003_backfill_slugs... OK" in output
    assert "Applying pages.0004_alter_article_slug... OK" in output
    assert example.execute("SELECT title, slug FROM pages_article ORDER BY id") == [
        (title, slug) for (title, _content), slug in zip(ROWS, SLUGS, strict=True)
    ]
    assert example.columns()["slug"]["nullable"] is False
    with pytest.raises(sa.exc.IntegrityError):
        example.execute(
            "INSERT INTO pages_article (title, content, slug) VALUES ('x', 'y', 'hello-world')"
        )

    output = example.manage("migrate", "pages", "0001")
    assert "Unapplying pages.0003_backfill_slugs... OK" in output
    assert "slug" not in example.columns()
    assert example.execute("SELECT id, title, content FROM pages_article ORDER BY id") == [
        (number, title, content) for number, (title, content) in enumerate(ROWS, start=1)
    ]

    example.manage("migrate")
    assert [row[0] for row in example.execute("SELECT slug FROM pages_article ORDER BY id")] == (
        SLUGS
    )


def test_the_models_match_the_last_migration(example: Example) -> None:
    assert "No changes detected" in example.manage("makemigrations", "--check", "--dry-run")


def test_the_readme_shows_what_a_failing_backfill_prints(tmp_path: Path, sqlite_url: str) -> None:
    example = Example(tmp_path / "example", sqlite_url)
    example.manage("migrate", "pages", "0001")
    example.execute("INSERT INTO pages_article (title, content) VALUES ('Hello', 'x')")
    migration = example.root / "pages" / "migrations" / "0003_backfill_slugs.py"
    source = migration.read_text()
    typo = 're.sub(r"[^\\w\\s-]", "", text.lower())'
    assert typo in source
    migration.write_text(source.replace(typo, typo.replace("text.lower", "txt.lower")))

    failed = subprocess.run(
        [sys.executable, "manage.py", "migrate"],
        cwd=example.root,
        capture_output=True,
        text=True,
        env=process_env({"DATABASE_URL": example.url}),
        timeout=120,
    )

    readme = (EXAMPLE / "README.md").read_text()
    block = readme[readme.index("the error points into `0003`") :]
    block = block[block.index("```\n") + 4 :]
    block = block[: block.index("```")].removeprefix("$ python manage.py migrate\n")
    shown = (failed.stdout + failed.stderr).replace(str(example.root), "/tmp/data_migration")
    assert failed.returncode == 1
    assert shown == block
