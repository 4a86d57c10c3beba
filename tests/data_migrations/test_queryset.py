"""Querysets of historical models: each manager method and each lookup, on both databases."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from dbshift.exceptions import BadMigrationError, NotSupportedError
from dbshift.models import F, Q
from tests.backends.support import Harness
from tests.data_migrations.support import add_articles, create_blog, in_migration

ROWS = [
    ("Alpha", 10, 1),
    ("beta", 20, 1),
    ("Gamma 100%", 30, 2),
    ("alphabet_soup", 40, None),
]


def fill_blog(h: Harness) -> Harness:
    create_blog(h)
    h.insert("pages_author", name="Ann")
    h.insert("pages_author", name="Bob")
    add_articles(h, *ROWS)
    return h


@pytest.fixture
def blog(h: Harness) -> Harness:
    return fill_blog(h)


def titles(queryset: Any) -> list[str]:
    return sorted(queryset.values_list("title", flat=True))


@contextlib.contextmanager
def statements(connection: sa.Connection) -> Iterator[list[str]]:
    """Collect the SQL statements run on ``connection`` inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("lookups", "expected"),
    # Patterns are chosen to match alike on both databases; see the SQLite test below.
    [
        ({"title": "beta"}, ["beta"]),
        ({"title__exact": "Alpha"}, ["Alpha"]),
        ({"title__iexact": "ALPHA"}, ["Alpha"]),
        ({"title__contains": "lph"}, ["Alpha", "alphabet_soup"]),
        ({"title__contains": "100%"}, ["Gamma 100%"]),
        ({"title__contains": "_"}, ["alphabet_soup"]),
        ({"title__icontains": "ALPHA"}, ["Alpha", "alphabet_soup"]),
        ({"title__startswith": "alphab"}, ["alphabet_soup"]),
        ({"title__startswith": "Gam"}, ["Gamma 100%"]),
        ({"title__istartswith": "ALPHA"}, ["Alpha", "alphabet_soup"]),
        ({"title__endswith": "soup"}, ["alphabet_soup"]),
        ({"title__iendswith": "TA"}, ["beta"]),
        ({"title__in": ["beta", "Alpha", "nothing"]}, ["Alpha", "beta"]),
        ({"title__in": []}, []),
        ({"views__gt": 20}, ["Gamma 100%", "alphabet_soup"]),
        ({"views__gte": 20}, ["Gamma 100%", "alphabet_soup", "beta"]),
        ({"views__lt": 20}, ["Alpha"]),
        ({"views__lte": 20}, ["Alpha", "beta"]),
        ({"author__isnull": True}, ["alphabet_soup"]),
        ({"author__isnull": False, "views__gt": 10}, ["Gamma 100%", "beta"]),
        ({"author_id": 2}, ["Gamma 100%"]),
        ({"author_id__in": [2, 9]}, ["Gamma 100%"]),
        ({"author": 2}, ["Gamma 100%"]),
        ({"author__pk": 2}, ["Gamma 100%"]),
        ({"author__id": 2}, ["Gamma 100%"]),
        ({"author": None}, ["alphabet_soup"]),
        ({"pk": 2}, ["beta"]),
        ({"pk__in": [1, 4]}, ["Alpha", "alphabet_soup"]),
        ({"views__gt": F("id")}, ["Alpha", "Gamma 100%", "alphabet_soup", "beta"]),
    ],
)
def test_lookups(blog: Harness, lookups: dict[str, Any], expected: list[str]) -> None:
    found = in_migration(
        blog, lambda apps: titles(apps.get_model("pages", "Article").objects.filter(**lookups))
    )
    assert found == sorted(expected)


def test_sqlite_pattern_lookups_ignore_case_as_in_django(lite: Harness) -> None:
    # SQLite's LIKE folds ASCII case; Django documents contains/startswith as
    # case-insensitive there, and so are they here.
    fill_blog(lite)
    found = in_migration(
        lite,
        lambda apps: titles(
            apps.get_model("pages.Article").objects.filter(title__startswith="alp")
        ),
    )
    assert found == ["Alpha", "alphabet_soup"]


def test_q_objects_exclude_and_chaining(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        either = Article.objects.filter(Q(views=10) | Q(title__startswith="G"))
        return (
            titles(either),
            titles(Article.objects.exclude(author__isnull=True).exclude(views__gte=30)),
            titles(Article.objects.filter(~Q(title__icontains="a"))),
            titles(Article.objects.filter(views__gt=10).filter(author_id=1)),
        )

    assert in_migration(blog, code) == (["Alpha", "Gamma 100%"], ["Alpha", "beta"], [], ["beta"])


def test_a_related_object_filters_by_its_key(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Author, Article = apps.get_model("pages.Author"), apps.get_model("pages.Article")
        ann = Author.objects.get(name="Ann")
        return (
            titles(Article.objects.filter(author=ann)),
            titles(Article.objects.filter(author__in=Author.objects.filter(name="Bob"))),
        )

    assert in_migration(blog, code) == (["Alpha", "beta"], ["Gamma 100%"])


def test_querysets_are_lazy_and_cache_their_rows(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        with statements(blog.connection) as run:
            queryset = Article.objects.filter(views__gt=10).exclude(title="beta").order_by("-views")
            chained = queryset.filter(author__isnull=False)[:5]
            built = len(run)
            first = [article.title for article in chained]
            second = [article.title for article in chained]
        return built, first, second, len(run)

    built, first, second, total = in_migration(blog, code)
    assert built == 0
    assert first == second == ["Gamma 100%"]
    assert total == 1


def test_order_by_slices_first_last(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        by_views = Article.objects.order_by("-views")
        return (
            [article.views for article in by_views],
            [article.views for article in by_views[1:3]],
            by_views[0].title,
            list(
                Article.objects.filter(author__isnull=False)
                .order_by("author_id", "-views")
                .values_list("pk", flat=True)
            ),
            Article.objects.first().pk,
            Article.objects.last().pk,
            Article.objects.order_by("views").last().views,
            Article.objects.filter(views__gt=99).first(),
            len(list(Article.objects.order_by("?"))),
        )

    assert in_migration(blog, code) == (
        [40, 30, 20, 10],
        [30, 20],
        "alphabet_soup",
        [2, 1, 3],
        1,
        4,
        40,
        None,
        4,
    )


def test_index_out_of_range(blog: Harness) -> None:
    def code(apps: Any) -> None:
        apps.get_model("pages", "Article").objects.order_by("pk")[10]

    with pytest.raises(IndexError):
        in_migration(blog, code)


def test_get_and_its_exceptions(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        found = Article.objects.get(title="beta")
        with pytest.raises(Article.DoesNotExist, match="Article matching query does not exist"):
            Article.objects.get(title="nothing")
        with pytest.raises(Article.MultipleObjectsReturned):
            Article.objects.get(author_id=1)
        with pytest.raises(LookupError):
            Article.objects.filter(views=1).get()
        return found.pk, Article.objects.filter(author_id=1).get(views=20).pk

    assert in_migration(blog, code) == (2, 2)


def test_count_exists_none(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        return (
            Article.objects.count(),
            Article.objects.filter(author_id=1).count(),
            Article.objects.order_by("pk")[1:3].count(),
            Article.objects.exists(),
            Article.objects.filter(views=0).exists(),
            Article.objects.none().count(),
            list(Article.objects.none()),
            bool(Article.objects.filter(title="beta")),
        )

    assert in_migration(blog, code) == (4, 2, 2, True, False, 0, [], True)


def test_values_and_values_list(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        ordered = Article.objects.order_by("pk")
        return (
            list(ordered.values("title", "author")[:2]),
            ordered.values()[0],
            list(ordered.values_list("pk", "author_id")),
            list(ordered.filter(author__isnull=True).values_list("views", flat=True)),
        )

    assert in_migration(blog, code) == (
        [{"title": "Alpha", "author": 1}, {"title": "beta", "author": 1}],
        {"id": 1, "title": "Alpha", "views": 10, "author_id": 1},
        [(1, 1), (2, 1), (3, 2), (4, None)],
        [40],
    )


def test_create_update_delete(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        created = Article.objects.create(title="New", author_id=2)
        updated = Article.objects.filter(author_id=2).update(views=F("id"))
        renamed = Article.objects.filter(pk=1).update(title="First", author=None)
        deleted = Article.objects.filter(views__lt=15).delete()
        nothing = Article.objects.filter(views=-1).delete()
        return created.pk, created.views, updated, renamed, deleted, nothing

    # Articles 3 and 5 (author 2) now have 3 and 5 views: with article 1, under 15.
    assert in_migration(blog, code) == (5, 0, 2, 1, (3, {"pages.Article": 3}), (0, {}))
    assert blog.rows("pages_article") == [(2, "beta", 20, 1), (4, "alphabet_soup", 40, None)]


def test_get_or_create_and_update_or_create(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        found, created = Article.objects.get_or_create(title="beta", defaults={"views": 1})
        new, made = Article.objects.get_or_create(title__iexact="Delta", defaults={"title": "D"})
        changed, _ = Article.objects.update_or_create(title="beta", defaults={"views": 99})
        return found.views, created, new.title, made, changed.views

    assert in_migration(blog, code) == (20, False, "D", True, 99)
    assert blog.rows("pages_article", "views", order_by="id")[1] == (99,)


def test_iterator_streams_in_chunks(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        streamed = Article.objects.filter(views__gte=20).order_by("views").iterator(chunk_size=2)
        values = [(article.title, article.views) for article in streamed]
        return values, list(Article.objects.values_list("views", flat=True).iterator())

    values, flat = in_migration(blog, code)
    assert values == [("beta", 20), ("Gamma 100%", 30), ("alphabet_soup", 40)]
    assert sorted(flat) == [10, 20, 30, 40]


def test_using_is_accepted_for_django_code(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        return Article.objects.using("default").filter(views=10).using("other").count()

    assert in_migration(blog, code) == 1


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda A: A.objects.filter(slug="x"), BadMigrationError, "no field 'slug'"),
        (lambda A: A.objects.filter(author__name="Ann"), NotSupportedError, "author_id__in"),
        (lambda A: A.objects.filter(title__regex="x"), NotSupportedError, "unknown lookup"),
        (lambda A: A.objects.order_by("nothing"), BadMigrationError, "no field 'nothing'"),
        (lambda A: A.objects.values("nothing"), BadMigrationError, "fields: id, title"),
        (lambda A: A.objects.all()[:1].update(views=1), TypeError, "slice"),
        (lambda A: A.objects.values_list("id", "title", flat=True), TypeError, "one field"),
        (lambda A: A.objects.iterator(chunk_size=0), ValueError, "positive"),
        (lambda A: A(slug="x"), TypeError, "unexpected field"),
    ],
)
def test_mistakes_are_reported_where_they_are_made(
    blog: Harness, call: Any, error: type[Exception], message: str
) -> None:
    def code(apps: Any) -> None:
        with pytest.raises(error, match=message):
            call(apps.get_model("pages", "Article"))

    in_migration(blog, code)
