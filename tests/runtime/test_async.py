"""The mapped classes through asyncio sessions (aiosqlite, psycopg's asyncio mode, aiomysql)."""

from __future__ import annotations

import asyncio
import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

import dbshift.sqlalchemy as dsa
from tests.helpers import ProjectDir
from tests.runtime.test_orm import VALUES


async def write_and_read() -> tuple[str, list[str], datetime.datetime, list[str]]:
    from pages.models import Article, Author, Tag

    async with AsyncSession(dsa.async_engine(), expire_on_commit=False) as session:
        article = Article(title="Hello", content="...", author=Author(name="Ann"))
        article.tags.append(Tag(slug="news"))
        session.add(article)
        await session.commit()

    async with AsyncSession(dsa.async_engine()) as session:
        statement = (
            select(Article)
            .where(Article.title.startswith("He"))
            .options(selectinload(Article.tags), selectinload(Article.author))
        )
        found = (await session.scalars(statement)).one()
        author = found.author
        # Lazy loads need I/O, which asyncio sessions do only when awaited.
        await session.refresh(author, attribute_names=["articles"])
        return (
            found.author.name,
            [tag.slug for tag in found.tags],
            found.created,
            [a.title for a in author.articles],
        )


async def sample_round_trip() -> dict[str, object]:
    from pages.models import Sample

    async with AsyncSession(dsa.async_engine()) as session:
        session.add(Sample(**VALUES))
        await session.commit()
        sample = (await session.scalars(select(Sample))).one()
        values = {name: getattr(sample, name) for name in VALUES}
    await dsa.async_engine().dispose()
    return values


def test_async_session_writes_and_navigates(mapped: ProjectDir) -> None:
    name, tags, created, titles = asyncio.run(write_and_read())
    assert (name, tags, titles) == ("Ann", ["news"], ["Hello"])
    assert created.tzinfo is not None


def test_async_session_round_trips_every_type(mapped: ProjectDir) -> None:
    assert asyncio.run(sample_round_trip()) == VALUES
