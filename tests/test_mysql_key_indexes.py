"""The index each foreign key needs on MySQL and MariaDB, where InnoDB would make it.

InnoDB needs an index leading with a key's column; Django leaves it to InnoDB,
which makes one only where no other index serves the key. dbshift builds the
same indexes, and keeps a key indexed while a change drops or adds the index
that served it. Expected indexes are written by hand and read back with the
tests' own reader.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.helpers import ProjectDir, run_sql
from tests.structure import Index, read_structure

AUTHOR = """
class Author(models.Model):
    name = models.CharField(max_length=20)

"""

BOOK = """
class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    title = models.CharField(max_length=20)
"""

#: Meta options of Book that give it an index leading with ``author_id``.
SERVING_OPTIONS = {
    "unique_together": 'unique_together = [("author", "title")]',
    "index": 'indexes = [models.Index(fields=["author", "title"], name="book_author_title")]',
    "unique_constraint": (
        'constraints = [models.UniqueConstraint(fields=["author", "title"], name="book_once")]'
    ),
}

KEY_INDEX = Index(("author_id",))


def book_models(meta: str = "") -> str:
    source = AUTHOR + BOOK
    if meta:
        source += f"\n    class Meta:\n        {meta}\n"
    return source


def indexes_of(url: str, table_name: str) -> list[Index]:
    """Return the indexes of a table, its unique constraints as unique indexes."""
    table = read_structure(url)[table_name]
    uniques = [Index(columns, unique=True) for columns in table.unique_constraints]
    return sorted([*table.indexes, *uniques], key=lambda index: index.columns)


def book_indexes(url: str) -> list[Index]:
    return indexes_of(url, "shop_book")


def serving_index(option: str) -> Index:
    return Index(("author_id", "title"), unique=option != "index")


@pytest.fixture
def shop(make_project: Callable[..., ProjectDir], mariadb_url: str) -> ProjectDir:
    return make_project(apps=("shop",), database=mariadb_url)


def migrate_to(shop: ProjectDir, source: str) -> None:
    shop.models("shop", source)
    made = shop.run("makemigrations", "--noinput")
    assert made.code == 0, made.output
    applied = shop.run("migrate")
    assert applied.code == 0, applied.output


def assert_no_drift(shop: ProjectDir) -> None:
    checked = shop.run("check")
    assert checked.code == 0, checked.output


@pytest.mark.parametrize("option", sorted(SERVING_OPTIONS))
def test_a_key_an_index_serves_gets_no_index_of_its_own(shop, mariadb_url, option):
    migrate_to(shop, book_models(SERVING_OPTIONS[option]))
    assert book_indexes(mariadb_url) == [serving_index(option)]
    assert_no_drift(shop)


def test_a_join_tables_first_key_is_served_by_the_unique_pair(shop, mariadb_url):
    migrate_to(
        shop, AUTHOR + "class Shelf(models.Model):\n    authors = models.ManyToManyField(Author)\n"
    )
    assert indexes_of(mariadb_url, "shop_shelf_authors") == [
        Index(("author_id",)),
        Index(("shelf_id", "author_id"), unique=True),
    ]


def test_db_index_false_still_indexes_a_constrained_key(shop, mariadb_url):
    # MySQL needs the index; InnoDB would make it whatever db_index says.
    migrate_to(shop, book_models().replace("CASCADE)", "CASCADE, db_index=False)"))
    assert book_indexes(mariadb_url) == [KEY_INDEX]


@pytest.mark.parametrize("option", sorted(SERVING_OPTIONS))
def test_the_key_is_indexed_before_the_index_serving_it_goes(shop, mariadb_url, option):
    migrate_to(shop, book_models(SERVING_OPTIONS[option]))
    migrate_to(shop, book_models())
    assert book_indexes(mariadb_url) == [KEY_INDEX]
    assert_no_drift(shop)

    back = shop.run("migrate", "shop", "0001")
    assert back.code == 0, back.output
    assert book_indexes(mariadb_url) == [serving_index(option)]
    assert_no_drift(shop)


@pytest.mark.parametrize("option", sorted(SERVING_OPTIONS))
def test_the_keys_own_index_goes_once_another_serves_it(shop, mariadb_url, option):
    migrate_to(shop, book_models())
    migrate_to(shop, book_models(SERVING_OPTIONS[option]))
    assert book_indexes(mariadb_url) == [serving_index(option)]
    assert_no_drift(shop)


def test_an_index_innodb_made_for_a_key_may_already_be_gone(shop, mariadb_url):
    # A Django-built table: InnoDB made the key's index, and drops it by itself
    # when the unique rule that serves the key is created.
    migrate_to(shop, book_models())
    (key_name,) = run_sql(
        mariadb_url,
        "SELECT constraint_name FROM information_schema.referential_constraints "
        "WHERE constraint_schema = DATABASE() AND table_name = 'shop_book'",
    )[0]
    (index_name,) = run_sql(
        mariadb_url,
        "SELECT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() "
        "AND table_name = 'shop_book' AND index_name != 'PRIMARY'",
    )[0]
    run_sql(mariadb_url, f"ALTER TABLE shop_book DROP FOREIGN KEY {key_name}")
    run_sql(mariadb_url, f"ALTER TABLE shop_book DROP INDEX {index_name}")
    run_sql(
        mariadb_url,
        f"ALTER TABLE shop_book ADD CONSTRAINT {key_name} FOREIGN KEY (author_id) "
        "REFERENCES shop_author (id) ON DELETE CASCADE",
    )
    assert book_indexes(mariadb_url) == [KEY_INDEX]

    migrate_to(shop, book_models(SERVING_OPTIONS["unique_together"]))
    assert book_indexes(mariadb_url) == [serving_index("unique_together")]
    assert_no_drift(shop)
