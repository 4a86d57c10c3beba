"""A command line for the notes service: ``python app.py write|publish|tagged|published``.

Run ``dbshift migrate`` first; the application checks at start-up that it was.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import dbshift.sqlalchemy as dsa
from dbshift.exceptions import DbShiftError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write", help="write a draft note")
    write.add_argument("author")
    write.add_argument("title")
    write.add_argument("--body", default="")
    write.add_argument("--tag", action="append", default=[])
    commands.add_parser("publish", help="publish a note").add_argument("id", type=int)
    commands.add_parser("tagged", help="list the notes with a tag").add_argument("tag")
    commands.add_parser("published", help="list the published notes (asyncio)")
    args = parser.parse_args(argv)
    try:
        dsa.setup()
        dsa.check_migrated()
    except DbShiftError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return run(args)


def run(args: argparse.Namespace) -> int:
    from notes import service
    from sqlalchemy.orm import Session

    if args.command == "published":
        for author, title, tags in asyncio.run(published()):
            print(f"{title} by {author} [{', '.join(tags)}]")
        return 0
    with Session(dsa.engine()) as session:
        if args.command == "write":
            note = service.write_note(session, args.author, args.title, args.body, args.tag)
            print(f"note {note.id} written")
        elif args.command == "publish":
            note = service.publish(session, args.id)
            print(f"note {note.id} published")
        else:
            for note in service.notes_tagged(session, args.tag):
                print(f"{note.id}: {note.title} ({note.status})")
    return 0


async def published() -> list[tuple[str, str, list[str]]]:
    from notes import service
    from sqlalchemy.ext.asyncio import AsyncSession

    try:
        async with AsyncSession(dsa.async_engine()) as session:
            return await service.published_titles(session)
    finally:
        await dsa.async_engine().dispose()


if __name__ == "__main__":
    sys.exit(main())
