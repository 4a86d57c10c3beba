"""Fixtures of the schema editor tests: a harness on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backends.support import Harness, open_harness


@pytest.fixture
def h(db_url: str) -> Iterator[Harness]:
    """Return a harness on an empty database, once on SQLite and once on PostgreSQL."""
    yield from open_harness(db_url)


@pytest.fixture
def pg(pg_url: str) -> Iterator[Harness]:
    yield from open_harness(pg_url)


@pytest.fixture
def lite(sqlite_url: str) -> Iterator[Harness]:
    yield from open_harness(sqlite_url)


@pytest.fixture
def maria(mariadb_url: str) -> Iterator[Harness]:
    yield from open_harness(mariadb_url)
