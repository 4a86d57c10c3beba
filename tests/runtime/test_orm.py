"""The model classes as ORM classes: defaults, dates, relations both ways, every type."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc, select
from sqlalchemy.orm import Session

import dbshift.sqlalchemy as dsa
from tests.data_migrations.test_values import VALUES as HISTORICAL_VALUES
from tests.helpers import ProjectDir

VALUES: dict[str, Any] = {
    **HISTORICAL_VALUES,
    "small": -7,
    "url": "https://example.com/a?b=c",
}


def test_defaults_and_dates_are_filled(mapped: ProjectDir) -> None:
    from pages.models import Article, Tag

    before = datetime.datetime.now(datetime.UTC)
    with Session(dsa.engine()) as session:
        article = Article(title="Hello", content="...")
        assert (article.status, article.views, article.extra) == ("d", 0, {})
        assert isinstance(article.key, uuid.UUID)
        session.add_all([article, Tag(slug="news")])
        session.commit()
        created, updated = article.created, article.updated
        assert before <= created <= updated
        assert session.get(Tag, "news").label == "untitled"

        article.title = "Hello again"
        session.commit()
        assert article.created == created
        assert article.updated > updated


def test_core_insert_applies_python_defaults(mapped: ProjectDir) -> None:
    from pages.models import Article

    with dsa.engine().begin() as connection:
        connection.execute(sa.insert(Article).values(title="Core", content=""))
    with Session(dsa.engine()) as session:
        article = session.scalars(select(Article)).one()
        assert article.status == "d" and article.created is not None and article.extra == {}


def test_foreign_keys_both_ways(mapped: ProjectDir) -> None:
    from pages.models import Article, Author, Profile

    with Session(dsa.engine()) as session:
        mentor = Author(name="Ann")
        author = Author(name="Bob", mentor=mentor)
        session.add_all([Article(title="One", content="", author=author), Profile(author=author)])
        session.commit()

        article = session.scalars(select(Article).where(Article.title.startswith("On"))).one()
        assert article.author.name == "Bob"
        assert article.author_id == author.id
        assert [a.title for a in author.articles] == ["One"]
        assert author.profile.author is author
        assert author.mentor is mentor and mentor.mentees == [author]
        assert not hasattr(Author, "article_set")  # related_name="+" on Article.editor


def test_many_to_many_through_its_table(mapped: ProjectDir) -> None:
    from pages.models import Article, Author, Book, Membership2, Tag

    with Session(dsa.engine()) as session:
        article = Article(title="Hello", content="")
        article.tags.append(Tag(slug="news"))
        book = Book(title="Tome")
        book.writers.append(Author(name="Cy"))
        session.add_all([article, book])
        session.commit()

        tag = session.get(Tag, "news")
        assert [a.title for a in tag.article_set] == ["Hello"]
        (writer,) = book.writers
        assert writer.books == [book]
        membership = session.scalars(select(Membership2)).one()
        assert membership.since == datetime.date.today()
        assert (membership.book, membership.author) == (book, writer)
        rows = session.execute(sa.text("SELECT article_id, tag_id FROM article_tags")).all()
        assert rows == [(article.id, "news")]


def test_on_delete_is_the_databases(mapped: ProjectDir) -> None:
    from pages.models import Article, Author, Profile

    with Session(dsa.engine()) as session:
        author = Author(name="Bob")
        session.add_all([Profile(author=author), Article(title="A", content="", author=author)])
        session.commit()
        session.delete(author)
        with pytest.raises(exc.IntegrityError):  # Article.author is PROTECT
            session.commit()
        session.rollback()
        session.execute(sa.delete(Article))
        session.delete(author)
        session.commit()
        assert session.scalars(select(Profile)).all() == []  # CASCADE


@pytest.mark.parametrize("filled", [True, False])
def test_every_type_round_trips(mapped: ProjectDir, filled: bool) -> None:
    from pages.models import Sample

    with Session(dsa.engine()) as session:
        session.add(Sample(**VALUES) if filled else Sample())
        session.commit()
    with Session(dsa.engine()) as session:
        sample = session.scalars(select(Sample)).one()
        read = {name: getattr(sample, name) for name in VALUES}
    assert read == (VALUES if filled else dict.fromkeys(VALUES))


@pytest.mark.parametrize("name", sorted(set(VALUES) - {"data", "blob"}))
def test_every_type_filters_by_its_value(mapped: ProjectDir, name: str) -> None:
    from pages.models import Sample

    with Session(dsa.engine()) as session:
        session.add_all([Sample(**VALUES), Sample()])
        session.commit()
        column = getattr(Sample, name)
        assert session.scalars(select(Sample.id).where(column == VALUES[name])).all() == [1]


def test_unknown_constructor_argument(mapped: ProjectDir) -> None:
    from pages.models import Tag

    with pytest.raises(TypeError, match="unexpected field"):
        Tag(slug="x", colour="red")
