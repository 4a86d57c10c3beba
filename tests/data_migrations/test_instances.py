"""Historical model instances: save, delete, refresh, keys and the ``_meta`` API."""

from __future__ import annotations

from typing import Any

import pytest

from dbshift import migrations, models
from dbshift.exceptions import ObjectDoesNotExist
from tests.backends.support import Harness
from tests.data_migrations.support import add_articles, create_blog, in_migration


@pytest.fixture
def blog(h: Harness) -> Harness:
    create_blog(h)
    h.insert("pages_author", name="Ann")
    add_articles(h, ("Alpha", 10, 1), ("Beta", 20, None))
    return h


def test_save_inserts_then_updates(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        article = Article(title="New", views=3)
        assert article.pk is None and article.author_id is None
        article.save()
        inserted = article.pk
        article.title = "Renamed"
        article.save()
        article.views = 99
        article.title = "Not saved"
        article.save(update_fields=["views"])
        explicit = Article(id=50, title="Fifty")
        explicit.save()
        return inserted, article.pk, explicit.pk

    assert in_migration(blog, code) == (3, 3, 50)
    assert blog.rows("pages_article", "id", "title", "views") == [
        (1, "Alpha", 10),
        (2, "Beta", 20),
        (3, "Renamed", 99),
        (50, "Fifty", 0),
    ]


def test_forced_saves(blog: Harness) -> None:
    def code(apps: Any) -> None:
        Article = apps.get_model("pages", "Article")
        with pytest.raises(Article.DoesNotExist, match="force_update"):
            Article(id=77, title="x").save(force_update=True)
        with pytest.raises(Article.DoesNotExist, match="update_fields"):
            Article(id=77, title="x").save(update_fields=["title"])
        with pytest.raises(ValueError, match="force both"):
            Article(title="x").save(force_insert=True, force_update=True)

    in_migration(blog, code)


def test_delete_and_refresh(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        alpha, beta = Article.objects.order_by("pk")
        deleted = beta.delete()
        Article.objects.filter(pk=alpha.pk).update(title="Changed", views=1)
        stale = alpha.title
        alpha.refresh_from_db()
        with pytest.raises(ValueError, match="primary key is None"):
            beta.delete()
        return deleted, beta.pk, beta.title, stale, alpha.title, alpha.views

    assert in_migration(blog, code) == (
        (1, {"pages.Article": 1}),
        None,
        "Beta",
        "Alpha",
        "Changed",
        1,
    )


def test_foreign_key_attributes(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Author, Article = apps.get_model("pages", "Author"), apps.get_model("pages", "Article")
        alpha, beta = Article.objects.order_by("pk")
        ann = alpha.author
        same = alpha.author is ann
        bob = Author.objects.create(name="Bob")
        beta.author = bob
        beta.save()
        alpha.author_id = bob.pk
        switched = alpha.author.name
        created = Article.objects.create(title="By Ann", author=ann)
        with pytest.raises(ValueError, match='must be a "Author" instance'):
            beta.author = 1
        return (
            ann.name,
            same,
            Article.objects.get(pk=beta.pk).author_id,
            switched,
            created.author_id,
            Article.objects.get(title="Beta").author.name,
            Article(title="none").author,
        )

    assert in_migration(blog, code) == ("Ann", True, 2, "Bob", 1, "Bob", None)


def test_identity_equality_and_text(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        one, again = Article.objects.get(pk=1), Article.objects.filter(title="Alpha")[0]
        with pytest.raises(TypeError, match="unhashable"):
            hash(Article(title="new"))
        return (
            one == again,
            one != Article.objects.get(pk=2),
            Article(title="a") == Article(title="a"),
            len({one, again}),
            str(one),
            repr(one),
            one.pk == one.id,
        )

    assert in_migration(blog, code) == (
        True,
        True,
        False,
        1,
        "Article object (1)",
        "<Article: Article object (1)>",
        True,
    )


def test_class_api(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        Article = apps.get_model("pages", "Article")
        meta = Article._meta
        with pytest.raises(AttributeError):
            Article.objects.delete_everything  # noqa: B018
        return (
            Article.__name__,
            issubclass(Article.DoesNotExist, ObjectDoesNotExist),
            issubclass(Article.DoesNotExist, LookupError),
            Article.DoesNotExist.__qualname__,
            Article.DoesNotExist is not apps.get_model("pages", "Author").DoesNotExist,
            Article.MultipleObjectsReturned.__qualname__,
            (meta.app_label, meta.model_name, meta.label, meta.db_table),
            [field.name for field in meta.fields],
            meta.pk.name,
            meta.get_field("author_id").name,
            type(meta.get_field("title")).__name__,
            Article._default_manager.count(),
            apps.get_model("pages", "article") is Article,
            apps.get_model("pages.ARTICLE") is Article,
        )

    assert in_migration(blog, code) == (
        "Article",
        True,
        True,
        "Article.DoesNotExist",
        True,
        "Article.MultipleObjectsReturned",
        ("pages", "article", "pages.Article", "pages_article"),
        ["id", "title", "views", "author"],
        "id",
        "author",
        "CharField",
        2,
        True,
        True,
    )


def test_models_are_rendered_one_at_a_time_and_kept(blog: Harness) -> None:
    def code(apps: Any) -> Any:
        untouched = set(apps.metadata.tables)
        Article = apps.get_model("pages", "Article")
        alone = set(apps.metadata.tables)
        article = Article.objects.get(pk=1)
        before_following_the_key = set(apps.metadata.tables)
        article.author  # noqa: B018
        return untouched, alone, before_following_the_key, set(apps.metadata.tables)

    assert in_migration(blog, code) == (
        set(),
        {"pages_article"},
        {"pages_article"},
        {"pages_article", "pages_author"},
    )


def test_unknown_model(h: Harness) -> None:
    create_blog(h)

    def code(apps: Any) -> None:
        with pytest.raises(LookupError, match=r"'pages.Comment' does not exist .*Article, Author"):
            apps.get_model("pages", "Comment")

    in_migration(h, code)


def test_custom_keys_and_columns(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Country",
            [
                ("code", models.CharField(max_length=2, primary_key=True)),
                ("name", models.CharField(max_length=30, db_column="label")),
            ],
            options={"db_table": "countries"},
        ),
        migrations.CreateModel(
            "City",
            [
                ("id", models.AutoField(primary_key=True)),
                ("country", models.ForeignKey("pages.country", models.CASCADE, db_column="cc")),
            ],
        ),
    )

    def code(apps: Any) -> Any:
        Country, City = apps.get_model("pages", "Country"), apps.get_model("pages", "City")
        Country.objects.bulk_create([Country(code="FR", name="France"), Country("DE", "Germany")])
        paris = City.objects.create(country=Country.objects.get(name="France"))
        paris.save()
        City(None, "DE").save()
        return (
            paris.country_id,
            City.objects.get(pk=paris.pk).country.name,
            list(Country.objects.order_by("-pk").values_list("pk", "name")),
        )

    assert in_migration(h, code) == ("FR", "France", [("FR", "France"), ("DE", "Germany")])
    assert h.rows("countries", "code", "label", order_by="code") == [
        ("DE", "Germany"),
        ("FR", "France"),
    ]
    assert h.rows("pages_city", "cc") == [("FR",), ("DE",)]
