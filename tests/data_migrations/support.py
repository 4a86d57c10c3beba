"""Running code as a data migration, and the models the tests migrate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbshift import migrations, models
from dbshift.historical import HistoricalApps
from tests.backends.support import Harness


def in_migration(h: Harness, code: Callable[[HistoricalApps], Any]) -> Any:
    """Run ``code(apps)`` in a RunPython migration on ``h``; return what it returned.

    The migration is not kept in ``h``'s history: ``h.unmigrate()`` undoes the
    migration before it.
    """
    results = []

    def run(apps: HistoricalApps, schema_editor: Any) -> None:
        results.append(code(apps))

    h.migrate(migrations.RunPython(run))
    h.history.pop()
    return results[0]


def create_blog(h: Harness) -> None:
    """Create pages.Author and pages.Article (which points at an author)."""
    h.migrate(
        migrations.CreateModel(
            "Author",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=50)),
            ],
        ),
        migrations.CreateModel(
            "Article",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("title", models.CharField(max_length=200)),
                ("views", models.IntegerField(default=0)),
                ("author", models.ForeignKey("pages.author", models.CASCADE, null=True)),
            ],
        ),
    )


def add_articles(h: Harness, *rows: tuple[str, int, int | None]) -> None:
    """Insert ``(title, views, author_id)`` rows as an application would (ids from 1)."""
    for title, views, author_id in rows:
        h.insert("pages_article", title=title, views=views, author_id=author_id)
