"""Collect mode: the SQL a migration would run, for ``sqlmigrate``, without a database."""

from __future__ import annotations

import pytest

from dbshift import migrations, models
from dbshift.backends import Database
from dbshift.migrations.state import ProjectState
from tests.backends.support import make_migration

URLS = {"sqlite": "sqlite://", "postgresql": "postgresql+psycopg://nobody@127.0.0.1:1/none"}

ARTICLE = migrations.CreateModel(
    "Article",
    [
        ("id", models.BigAutoField(primary_key=True)),
        ("title", models.CharField(max_length=200, default="it's; DROP TABLE x")),
        ("slug", models.SlugField(unique=True)),
    ],
)


@pytest.fixture(params=sorted(URLS))
def database(request: pytest.FixtureRequest) -> Database:
    return Database(URLS[request.param])


def collect(database: Database, *operations: object, backwards: bool = False) -> list[str]:
    editor = database.schema_editor(None)
    assert editor.collect
    migration = make_migration(operations)  # type: ignore[arg-type]
    state = migration.apply(ProjectState(), editor)
    if backwards:
        editor.collected_sql.clear()
        migration.unapply(ProjectState(), editor)
    editor.finish()
    assert state.has_model("pages", "article")
    return editor.collected_sql


def test_collect_create_model(database: Database) -> None:
    sql = collect(database, ARTICLE)
    assert sql[0].startswith("CREATE TABLE pages_article (")
    assert not any(statement.upper().startswith(("BEGIN", "COMMIT")) for statement in sql)
    assert all(statement.endswith(";") for statement in sql)
    assert any(statement.startswith("CREATE UNIQUE INDEX") for statement in sql) or (
        "UNIQUE (slug)" in sql[0]
    )
    # The Python default never reaches the database.
    assert "DROP TABLE x" not in "\n".join(sql)


def test_collect_backwards_and_data_statements(database: Database) -> None:
    sql = collect(
        database,
        ARTICLE,
        migrations.AddField(
            "Article", "note", models.CharField(max_length=30, default="O'Hara; DROP TABLE x")
        ),
        migrations.RunSQL(
            [("INSERT INTO pages_article (title, slug) VALUES (%s, %s)", ["it's", "s"])],
            reverse_sql="DELETE FROM pages_article",
        ),
        backwards=True,
    )
    assert sql[0] == "DELETE FROM pages_article;"
    assert sql[-1] == "DROP TABLE pages_article;" or sql[-1] == "DROP TABLE pages_article CASCADE;"


def test_collected_values_are_quoted_literals(database: Database) -> None:
    editor = database.schema_editor(None)
    migration = make_migration(
        [
            ARTICLE,
            migrations.AddField(
                "Article", "note", models.CharField(max_length=30, default="O'Hara; DROP TABLE x")
            ),
            migrations.RunSQL(
                [("INSERT INTO pages_article (title, slug) VALUES (%s, %s)", ["it's", "s%"])]
            ),
        ]
    )
    migration.apply(ProjectState(), editor)
    text = "\n".join(editor.collected_sql)
    assert "'O''Hara; DROP TABLE x'" in text
    assert "VALUES ('it''s', 's%');" in text
