"""bulk_create, bulk_update and iterator(): batches, keys, and streaming while writing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.backends.support import Harness
from tests.data_migrations.support import create_blog, in_migration
from tests.data_migrations.test_queryset import statements


@pytest.fixture
def blog(h: Harness) -> Harness:
    create_blog(h)
    return h


def test_bulk_create_sets_keys_in_order(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        Article.objects.create(title="first")
        objects = [Article(title=f"t{number}", views=number) for number in range(5)]
        objects.insert(2, Article(id=100, title="own key"))
        created = Article.objects.bulk_create(objects, batch_size=2)
        return [(item.pk, item.title) for item in created], created == objects

    created, same = in_migration(blog, code)
    assert [title for _pk, title in created] == ["t0", "t1", "own key", "t2", "t3", "t4"]
    assert created[:3] == [(2, "t0"), (3, "t1"), (100, "own key")]
    # Each object got the key of its own row (later numbers depend on the database).
    assert sorted(created) == blog.rows("pages_article", "id", "title")[1:]
    assert same


def test_bulk_create_consumes_a_generator_a_batch_at_a_time(blog: Harness) -> None:
    consumed: list[int] = []

    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")

        def articles() -> Iterator[Any]:
            for number in range(10):
                consumed.append(number)
                yield Article(title=f"t{number}")

        with statements(blog.connection) as run:
            result = Article.objects.bulk_create(articles(), batch_size=4)
            # Each batch is inserted before the next is taken from the generator.
            inserted_when_taken = [len(run)]
        return result, inserted_when_taken[0], Article.objects.count()

    assert in_migration(blog, code) == (None, 3, 10)
    assert consumed == list(range(10))


def test_bulk_update_in_batches(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        Article.objects.bulk_create([Article(title=f"t{number}") for number in range(7)])
        objects = list(Article.objects.order_by("pk"))
        for item in objects:
            item.title = item.title.upper()
            item.views = item.pk * 10
        ghost = Article(id=999, title="gone")
        with statements(blog.connection) as run:
            matched = Article.objects.bulk_update([*objects, ghost], ["title", "views"], 3)
        return matched, len(run)

    assert in_migration(blog, code) == (7, 3)
    assert blog.rows("pages_article", "title", "views")[:2] == [("T0", 10), ("T1", 20)]


def test_bulk_update_mistakes(blog: Harness) -> None:
    def code(apps: Any) -> None:
        Article, Author = apps.get_model("pages", "Article"), apps.get_model("pages", "Author")
        article = Article.objects.create(title="x")
        with pytest.raises(ValueError, match="primary key fields"):
            Article.objects.bulk_update([article], ["id"])
        with pytest.raises(ValueError, match="list of field names"):
            Article.objects.bulk_update([article], "title")
        with pytest.raises(ValueError, match="must have a primary key"):
            Article.objects.bulk_update([Article(title="new")], ["title"])
        with pytest.raises(TypeError, match="another model"):
            Article.objects.bulk_update([Author(id=1, name="Ann")], ["title"])
        with pytest.raises(TypeError, match="another model"):
            Article.objects.bulk_create([Author(name="Ann")])
        with pytest.raises(ValueError, match="positive"):
            Article.objects.bulk_create([Article(title="x")], batch_size=0)

    in_migration(blog, code)


def test_iterate_and_write_back_the_same_table(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        Article.objects.bulk_create(Article(title=f"title {n}") for n in range(250))
        batch = []
        for article in Article.objects.order_by("pk").iterator(chunk_size=40):
            article.title = article.title.replace(" ", "-")
            batch.append(article)
            if len(batch) == 30:
                Article.objects.bulk_update(batch, ["title"])
                batch.clear()
        Article.objects.bulk_update(batch, ["title"])
        return Article.objects.filter(title__contains=" ").count()

    assert in_migration(blog, code) == 0
    assert blog.rows("pages_article", "title")[249] == ("title-249",)
