"""Names dbshift gives to the tables, indexes and constraints it creates.

PostgreSQL cuts identifiers at 63 bytes without a word, so two long names that
share their first 63 bytes would silently become one; MySQL refuses names over 64
characters. Every name dbshift generates is therefore cut by this module,
deterministically, and ends in a hash of the whole uncut name, so that distinct
inputs keep distinct names. The limit is the backend's
(:attr:`~dbshift.backends.features.Features.max_name_length`, counted in bytes,
which never exceeds a count in characters); ``sqlmigrate`` shows the names the
database will really hold.

Names of indexes and unique rules follow Django's pattern
(:func:`django_index_name`), so that a database either tool built holds them
under one name. Names of indexes and constraints are derived from the current
table and column names; the editors rename them when a table or column is
renamed, so a name can always be computed from the state alone (which
``sqlmigrate`` without a connection depends on).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

#: The longest identifier PostgreSQL keeps, in bytes: the limit unless a backend sets its own.
MAX_NAME_BYTES = 63
HASH_LENGTH = 8


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:HASH_LENGTH]


def _cut(text: str, size: int) -> str:
    """Return the longest prefix of ``text`` that fits in ``size`` UTF-8 bytes."""
    return text.encode()[: max(size, 0)].decode("utf-8", "ignore")


def shorten(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """Return ``name``, or a cut copy ending in a hash of ``name`` when it is too long."""
    if len(name.encode()) <= limit:
        return name
    return f"{_cut(name, limit - HASH_LENGTH - 1)}_{_digest(name)}"


def derived_name(
    table: str, columns: Sequence[str], suffix: str, limit: int = MAX_NAME_BYTES
) -> str:
    """Return the name of an index or constraint dbshift derives from its columns.

    The hash covers the table, the columns and the suffix, so that ``("a_b",
    ["c"])`` and ``("a", ["b_c"])`` do not meet. ``table`` is empty for
    constraints whose names only need to be unique within their table (checks
    and foreign keys), which keeps those names unchanged when the table is renamed.
    """
    tail = f"_{_digest(table, *columns, suffix)}_{suffix}"
    head = "_".join(part for part in (table, *columns) if part)
    return _cut(head, limit - len(tail.encode())) + tail


def primary_key_name(table: str, limit: int = MAX_NAME_BYTES) -> str:
    """Return the name of a table's primary key constraint (PostgreSQL's own pattern)."""
    return shorten(f"{table}_pkey", limit)


def join_table_name(model_table: str, field_name: str, limit: int = MAX_NAME_BYTES) -> str:
    """Return the name of the automatic join table of a many-to-many field."""
    return shorten(f"{model_table}_{field_name}", limit)


def django_index_name(
    table: str, columns: Sequence[str], suffix: str, limit: int = MAX_NAME_BYTES
) -> str:
    """Return the name Django's schema editor gives an index it derives, such as ``_like``.

    The pattern is ``<table>_<columns>_<8 hex digits of MD5><suffix>``; a name
    over the limit keeps a third of the limit for the hash part and shares the
    rest between the table and the columns, so that a database Django built and
    one dbshift built hold these indexes under the same names. Django counts
    characters where PostgreSQL counts bytes: a name that is still too long (not
    ASCII) is cut as every other dbshift name is, so it stays whole and distinct.
    """
    name = _django_pattern(table, columns, suffix, limit)
    return name if len(name.encode()) <= limit else shorten(name, limit)


def _django_pattern(table: str, columns: Sequence[str], suffix: str, limit: int) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for part in (table, *columns):
        digest.update(part.encode())
    hashed = digest.hexdigest()[:HASH_LENGTH] + suffix
    joined = "_".join(columns)
    name = f"{table}_{joined}_{hashed}"
    if len(name) <= limit:
        return name
    hashed = hashed[: limit // 3] if len(hashed) > limit / 3 else hashed
    share = (limit - len(hashed)) // 2 - 1
    name = f"{table[:share]}_{joined[:share]}_{hashed}"
    if name[0] == "_" or name[0].isdigit():
        name = f"D{name[:-1]}"
    return name
