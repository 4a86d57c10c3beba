"""Tests of the notes service, on the database of DATABASE_URL or a SQLite file.

Run with ``python -m pytest`` in this directory (the test suite of dbshift runs them on
SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

import dbshift.sqlalchemy as dsa

HERE = Path(__file__).resolve().parent


def command(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv], cwd=HERE, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="session", autouse=True)
def migrated() -> Iterator[None]:
    """Migrate the database, map the models, and empty the tables after each test."""
    result = command("-m", "dbshift", "migrate")
    assert result.returncode == 0, result.stdout + result.stderr
    dsa.setup(HERE / "pyproject.toml")
    dsa.check_migrated()
    yield
    dsa.reset()


@pytest.fixture
def session() -> Iterator[Session]:
    with Session(dsa.engine()) as session:
        yield session
    with dsa.engine().begin() as connection:
        for table in reversed(dsa.metadata().sorted_tables):
            connection.execute(table.delete())


def test_writing_a_note_fills_its_dates_and_tags(session: Session) -> None:
    from notes import service
    from notes.models import Author, Note

    note = service.write_note(session, "Ann", "Hello", tags=["news", "intro"])

    assert note.status == Note.Status.DRAFT
    assert note.created is not None and note.created <= note.updated
    assert sorted(tag.name for tag in note.tags) == ["intro", "news"]
    ann = session.scalars(select(Author)).one()
    assert ann.notes == [note] and ann.joined is not None


def test_publishing_moves_updated_only(session: Session) -> None:
    from notes import service

    note = service.write_note(session, "Ann", "Hello")
    created, updated = note.created, note.updated

    service.publish(session, note.id)

    assert note.created == created and note.updated > updated


def test_notes_by_tag_and_tags_reused(session: Session) -> None:
    from notes import service
    from notes.models import Tag

    service.write_note(session, "Ann", "First", tags=["news"])
    service.write_note(session, "Bob", "Second", tags=["news", "misc"])

    assert [note.title for note in service.notes_tagged(session, "news")] == ["Second", "First"]
    assert session.scalars(select(Tag.name).order_by(Tag.name)).all() == ["misc", "news"]


def test_deleting_an_author_deletes_their_notes(session: Session) -> None:
    from notes import service
    from notes.models import Note

    note = service.write_note(session, "Ann", "Hello", tags=["news"])
    session.delete(note.author)
    session.commit()

    assert session.scalars(select(Note)).all() == []


def test_published_notes_through_asyncio(session: Session) -> None:
    from notes import service

    service.publish(session, service.write_note(session, "Ann", "Out", tags=["news"]).id)
    service.write_note(session, "Ann", "Draft")

    async def published() -> list[tuple[str, str, list[str]]]:
        async with AsyncSession(dsa.async_engine()) as async_session:
            titles = await service.published_titles(async_session)
        await dsa.async_engine().dispose()
        return titles

    assert asyncio.run(published()) == [("Ann", "Out", ["news"])]


def test_the_command_line(session: Session) -> None:
    written = command("app.py", "write", "Ann", "Hello", "--tag", "news")
    assert written.returncode == 0, written.stderr
    note_id = written.stdout.split()[1]  # "note 1 written"

    assert command("app.py", "publish", note_id).stdout == f"note {note_id} published\n"
    assert command("app.py", "published").stdout == "Hello by Ann [news]\n"
    assert command("app.py", "tagged", "news").stdout == f"{note_id}: Hello (published)\n"
