"""``metadata().create_all()`` gives exactly the schema ``migrate`` gives."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import sqlalchemy as sa

import dbshift.sqlalchemy as dsa
from tests.helpers import ProjectDir
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


def create_all(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        dsa.metadata().create_all(engine)
    finally:
        engine.dispose()


AnotherDatabase = Callable[[str], AbstractContextManager[str]]


def test_create_all_gives_the_schema_migrate_gives(
    written: ProjectDir, db_url: str, another_database: AnotherDatabase
) -> None:
    assert written.run("migrate").code == 0
    with another_database(db_url) as other, mapped_models(written):
        create_all(other)
        migrated, created = read_schema(db_url), read_schema(other)
    assert set(migrated) == TABLES
    assert created == migrated


def test_create_all_skips_existing_tables(
    written: ProjectDir, db_url: str, another_database: AnotherDatabase
) -> None:
    with another_database(db_url) as other, mapped_models(written):
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
