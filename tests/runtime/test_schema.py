"""``metadata().create_all()`` gives exactly the schema ``migrate`` gives."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import dbshift.sqlalchemy as dsa
from tests.helpers import ProjectDir
from tests.postgres import fresh_database
from tests.runtime.conftest import mapped_models
from tests.runtime.schema import read_schema

TABLES = {
    "pages_author",
    "pages_profile",
    "pages_tag",
    "article",
    "article_tags",
    "pages_membership",
    "pages_book",
    "pages_membership2",
    "pages_sample",
}


@contextlib.contextmanager
def another_database(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a second empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'created.sqlite3'}"
    else:
        with fresh_database(request.getfixturevalue("postgres_server")) as url:
            yield url


def create_all(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        dsa.metadata().create_all(engine)
    finally:
        engine.dispose()


def test_create_all_gives_the_schema_migrate_gives(
    written: ProjectDir, db_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert written.run("migrate").code == 0
    with another_database(db_url, request, tmp_path) as other, mapped_models(written):
        create_all(other)
        migrated, created = read_schema(db_url), read_schema(other)
    assert set(migrated) == TABLES
    assert created == migrated


def test_create_all_skips_existing_tables(
    written: ProjectDir, db_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with another_database(db_url, request, tmp_path) as other, mapped_models(written):
        create_all(other)
        first = read_schema(other)
        create_all(other)
        assert read_schema(other) == first
    assert set(first) == TABLES


def test_metadata_has_one_table_per_model_and_join_table(written: ProjectDir) -> None:
    with mapped_models(written):
        tables = dsa.metadata().tables
        assert set(tables) == TABLES | {"legacy"}  # a table of its own, not created
        article = tables["article"]
        assert [column.name for column in article.primary_key] == ["id"]
        assert {fk.parent.name: fk.column.table.name for fk in article.foreign_keys} == {
            "author_id": "pages_author",
            "editor_id": "pages_author",
        }
        assert {fk.ondelete for fk in article.foreign_keys} == {"RESTRICT", "SET NULL"}
        assert str(tables["pages_tag"].c.label.server_default.arg) == "'untitled'"
