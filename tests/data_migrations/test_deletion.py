"""Deleting rows in a data migration follows on_delete alike on SQLite and PostgreSQL.

PostgreSQL applies the ``ON DELETE`` actions itself; SQLite migrations run with
foreign keys off, so the historical models apply them there. Either way the
migration must end with no row pointing at a deleted row.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from dbshift import migrations, models
from dbshift.exceptions import MigrationFailedError, RestrictedError
from tests.backends.support import Harness
from tests.data_migrations.support import in_migration

KEY = ("id", models.AutoField(primary_key=True))
#: How a comment's pinner is kept, by vendor: MySQL has no ON DELETE SET DEFAULT, which
#: dbshift refuses to create there.
PIN_RULES = {"mysql": models.DO_NOTHING}


@pytest.fixture
def shop(h: Harness) -> Harness:
    h.migrate(
        migrations.CreateModel("Tag", [KEY, ("name", models.CharField(max_length=10))]),
        migrations.CreateModel("Author", [KEY, ("name", models.CharField(max_length=10))]),
        migrations.CreateModel(
            "Article",
            [
                KEY,
                ("author", models.ForeignKey("pages.author", models.CASCADE)),
                ("editor", models.ForeignKey("pages.author", models.SET_NULL, null=True)),
                ("tags", models.ManyToManyField("pages.tag")),
            ],
        ),
        migrations.CreateModel(
            "Comment",
            [
                KEY,
                ("article", models.ForeignKey("pages.article", models.CASCADE)),
                (
                    "pinned_by",
                    models.ForeignKey(
                        "pages.author", PIN_RULES.get(h.vendor, models.SET_DEFAULT), db_default=1
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            "Payment",
            [KEY, ("author", models.ForeignKey("pages.author", models.PROTECT, null=True))],
        ),
    )
    for name in ("ann", "bob", "cy"):
        h.insert("pages_author", name=name)
    h.insert("pages_tag", name="news")
    h.insert("pages_article", author_id=2, editor_id=3)  # 1
    h.insert("pages_article", author_id=3, editor_id=2)  # 2
    h.insert("pages_article_tags", article_id=1, tag_id=1)
    h.insert("pages_article_tags", article_id=2, tag_id=1)
    h.insert("pages_comment", article_id=1, pinned_by_id=3)
    h.insert("pages_comment", article_id=2, pinned_by_id=2)
    return h


# SET_DEFAULT is the premise: MySQL has none.
@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_cascade_set_null_set_default_and_join_rows(shop: Harness) -> None:
    def code(apps: Any) -> Any:
        return apps.get_model("pages", "Author").objects.filter(name="bob").delete()

    assert in_migration(shop, code) == (1, {"pages.Author": 1})
    # Article 1 (by bob) went with its comment and tag row; article 2 lost its editor;
    # the comment bob pinned went to the default pinner.
    assert shop.rows("pages_article", "id", "author_id", "editor_id") == [(2, 3, None)]
    assert shop.rows("pages_comment", "id", "article_id", "pinned_by_id") == [(2, 2, 1)]
    assert shop.rows("pages_article_tags", "article_id", "tag_id") == [(2, 1)]


def test_deleting_the_other_side_of_a_many_to_many(shop: Harness) -> None:
    def code(apps: Any) -> Any:
        apps.get_model("pages", "Tag").objects.get().delete()
        return apps.get_model("pages", "Article").objects.count()

    assert in_migration(shop, code) == 2
    assert shop.rows("pages_article_tags") == []


def test_protect_refuses_and_rolls_back(shop: Harness) -> None:
    shop.insert("pages_payment", author_id=1)

    def code(apps: Any) -> None:
        apps.get_model("pages", "Author").objects.filter(name="ann").delete()

    expected = RestrictedError if shop.vendor == "sqlite" else sa.exc.IntegrityError
    with pytest.raises(expected):
        in_migration(shop, code)
    assert len(shop.rows("pages_author")) == 3


def test_do_nothing_fails_the_migration_at_its_end(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel("Author", [KEY]),
        migrations.CreateModel(
            "Note", [KEY, ("author", models.ForeignKey("pages.author", models.DO_NOTHING))]
        ),
    )
    h.insert("pages_author", id=1)
    h.insert("pages_note", author_id=1)
    with pytest.raises((MigrationFailedError, sa.exc.IntegrityError)):
        in_migration(h, lambda apps: apps.get_model("pages", "Author").objects.all().delete())
    assert h.rows("pages_author") == [(1,)]


def test_cascade_through_a_tree(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Node",
            [KEY, ("parent", models.ForeignKey("pages.node", models.CASCADE, null=True))],
        )
    )

    def code(apps: Any) -> Any:
        Node = apps.get_model("pages", "Node")
        root = Node.objects.create()
        other = Node.objects.create()
        level = [root]
        for _depth in range(5):
            level = [Node.objects.create(parent=parent) for parent in level for _ in range(2)]
        total = Node.objects.count()
        root.delete()
        return total, list(Node.objects.values_list("pk", flat=True)), other.pk

    total, left, other = in_migration(h, code)
    assert total == 2 + 2 + 4 + 8 + 16 + 32
    assert left == [other]
