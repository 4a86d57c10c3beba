"""What the application does with notes, on SQLAlchemy sessions over the dbshift models.

Import this module after ``dbshift.sqlalchemy.setup()``: it imports the models.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from notes.models import Author, Note, Tag


def author_named(session: Session, name: str) -> Author:
    """Return the author called ``name``, adding them if they are new."""
    author = session.scalars(select(Author).where(Author.name == name)).one_or_none()
    if author is None:
        author = Author(name=name)
        session.add(author)
    return author


def tags_named(session: Session, names: Iterable[str]) -> list[Tag]:
    """Return the tags called ``names``, adding the new ones."""
    wanted = sorted(set(names))
    found = {tag.name: tag for tag in session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    for name in wanted:
        if name not in found:
            found[name] = Tag(name=name)
            session.add(found[name])
    return [found[name] for name in wanted]


def write_note(
    session: Session, author: str, title: str, body: str = "", tags: Iterable[str] = ()
) -> Note:
    """Add a draft note by ``author`` with ``tags``, and commit."""
    # Authors and tags first: a query flushes what the session holds so far.
    writer, tagged = author_named(session, author), tags_named(session, tags)
    note = Note(author=writer, title=title, body=body, tags=tagged)
    session.add(note)
    session.commit()
    return note


def publish(session: Session, note_id: int) -> Note:
    """Publish a note; its ``updated`` time moves, its ``created`` time does not."""
    note = session.get_one(Note, note_id)
    note.status = Note.Status.PUBLISHED
    session.commit()
    return note


def notes_tagged(session: Session, tag: str) -> Sequence[Note]:
    """Return the notes with tag ``tag``, newest first."""
    statement = select(Note).join(Note.tags).where(Tag.name == tag).order_by(Note.created.desc())
    return session.scalars(statement).all()


async def published_titles(session: AsyncSession) -> list[tuple[str, str, list[str]]]:
    """Return ``(author, title, tags)`` of the published notes, newest first."""
    statement = (
        select(Note)
        .where(Note.status == Note.Status.PUBLISHED)
        .options(selectinload(Note.author), selectinload(Note.tags))
        .order_by(Note.created.desc())
    )
    notes = (await session.scalars(statement)).all()
    return [(note.author.name, note.title, sorted(tag.name for tag in note.tags)) for note in notes]
