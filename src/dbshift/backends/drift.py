"""Drift: how a live database differs from the schema its applied migrations build.

The comparison is by structure, not by the exact DDL text, so that a database
built by another tool (``metadata.create_all()``, Alembic, hand-written SQL) and
taken over with ``migrate --fake-initial`` shows no drift when it holds the same
tables. Treated as alike, because the application cannot tell them apart:

- a key the database numbers itself, whether an identity column, a ``serial``
  (a ``nextval()`` default) or SQLite's ``INTEGER PRIMARY KEY`` with or without
  ``AUTOINCREMENT``;
- a unique rule as a ``UNIQUE`` constraint or as a unique index;
- the names of foreign keys, and whether they are deferred;
- on SQLite, declared types of the same affinity (``bool`` and ``BOOLEAN``).

Index and constraint names are compared otherwise: later migrations drop them by name.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from dbshift.backends.backend import Backend, dialect_backend
from dbshift.backends.introspection import (
    ColumnInfo,
    Schema,
    TableInfo,
    expected_schema,
    introspect,
)
from dbshift.migrations.state import ProjectState

#: Tables other tools keep their bookkeeping in; never drift.
FOREIGN_BOOKKEEPING = frozenset({"alembic_version", "django_migrations"})

#: A default that is a literal value, not an expression.
_CONSTANT = re.compile(r"'(?:[^']|'')*'|-?[\d.]+|true|false", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Drift:
    """One difference: its kind (a check id suffix), the object, and what differs."""

    code: str
    obj: str
    message: str


#: Check ids by kind of difference.
CODES = {
    "missing_table": "W010",
    "extra_table": "W011",
    "missing_column": "W012",
    "extra_column": "W013",
    "type": "W014",
    "nullable": "W015",
    "default": "W016",
    "index": "W017",
    "unique": "W018",
    "foreign_key": "W019",
    "check": "W020",
    "primary_key": "W021",
}


def find_drift(
    connection: sa.Connection, state: ProjectState, ignore: Iterable[str] = ()
) -> list[Drift]:
    """Return every difference between the database and the tables ``state`` declares."""
    skipped = set(ignore) | FOREIGN_BOOKKEEPING
    actual = introspect(connection, ignore=skipped)
    expected = expected_schema(state, connection.dialect)
    backend = dialect_backend(connection.dialect)
    if backend.canonical_defaults:
        expected = {
            name: _canonical_defaults(connection, backend, info) for name, info in expected.items()
        }
    return list(_schema_drift(actual, expected, backend))


def _canonical_defaults(connection: sa.Connection, backend: Backend, table: TableInfo) -> TableInfo:
    """Return ``table`` with defaults in the words the database reports them in.

    PostgreSQL reports a constant default as the text of its value
    ('paper'::character varying as paper); an expression such as
    statement_timestamp() is compared as text rather than evaluated.
    """
    columns = []
    for column in table.columns:
        if column.default is not None and _CONSTANT.fullmatch(column.default):
            value = backend.canonical_default(
                connection, f"CAST({column.default} AS {column.type})"
            )
            column = dataclasses.replace(column, default=value)
        elif (default := _default(column)) is not None:
            # The database keeps an expression with lowercase names and no outer parentheses.
            column = dataclasses.replace(column, default=default.lower())
        columns.append(column)
    return dataclasses.replace(table, columns=tuple(columns))


def _schema_drift(actual: Schema, expected: Schema, backend: Backend) -> Iterator[Drift]:
    for name in sorted(set(expected) - set(actual)):
        yield _drift("missing_table", name, f"Table {name} is missing from the database.")
    for name in sorted(set(actual) - set(expected)):
        yield _drift("extra_table", name, f"Table {name} is in the database but in no model.")
    for name in sorted(set(actual) & set(expected)):
        yield from _table_drift(actual[name], expected[name], backend)


def _table_drift(got: TableInfo, want: TableInfo, backend: Backend) -> Iterator[Drift]:
    table = want.name
    got_columns = {column.name: column for column in got.columns}
    want_columns = {column.name: column for column in want.columns}
    for name in sorted(set(want_columns) - set(got_columns)):
        yield _drift("missing_column", f"{table}.{name}", "Column is missing from the database.")
    for name in sorted(set(got_columns) - set(want_columns)):
        yield _drift("extra_column", f"{table}.{name}", "Column is in the database but no model.")
    for name in sorted(set(got_columns) & set(want_columns)):
        yield from _column_drift(f"{table}.{name}", got_columns[name], want_columns[name], backend)
    if got.primary_key != want.primary_key:
        yield _drift(
            "primary_key",
            table,
            f"Primary key is {got.primary_key or 'none'}, the migrations build "
            f"{want.primary_key or 'none'}.",
        )
    yield from _set_drift("index", table, _indexes(got), _indexes(want))
    yield from _set_drift("unique", table, _uniques(got), _uniques(want))
    yield from _set_drift("foreign_key", table, _foreign_keys(got), _foreign_keys(want))
    yield from _set_drift("check", table, set(got.checks) - {""}, set(want.checks) - {""})


def _column_drift(
    where: str, got: ColumnInfo, want: ColumnInfo, backend: Backend
) -> Iterator[Drift]:
    if backend.comparable_type(got.type) != backend.comparable_type(want.type):
        yield _drift("type", where, f"Type is {got.type}, the migrations build {want.type}.")
    if got.nullable != want.nullable:
        state = "allows NULL" if got.nullable else "is NOT NULL"
        yield _drift("nullable", where, f"Column {state} in the database, not in the migrations.")
    if backend.is_auto_numbered(got) != backend.is_auto_numbered(want):
        yield _drift("default", where, "Only one of database and migrations numbers new rows.")
    elif _default(got) != _default(want) and not backend.is_auto_numbered(want):
        yield _drift(
            "default", where, f"Default is {got.default}, the migrations build {want.default}."
        )


def _default(column: ColumnInfo) -> str | None:
    text = column.default
    if text is None:
        return None
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text.strip("'")


def _indexes(table: TableInfo) -> set[str]:
    return {
        f"index {index.name} on ({', '.join(index.columns)})"
        + (" (partial)" if index.partial else "")
        for index in table.indexes
        if (not index.unique or index.partial) and _on_columns(index.columns)
    }


def _uniques(table: TableInfo) -> set[str]:
    rules = {rule.columns for rule in table.unique_constraints}
    rules |= {index.columns for index in table.indexes if index.unique and not index.partial}
    return {f"unique ({', '.join(columns)})" for columns in rules if _on_columns(columns)}


def _on_columns(columns: tuple[str | None, ...]) -> bool:
    """Return whether an index is over plain columns.

    Indexes over expressions (``Upper("title")``) are left out of the comparison:
    SQLAlchemy reflects none on SQLite and only ``None`` columns on PostgreSQL, and
    the expected side has no columns for them either.
    """
    return bool(columns) and None not in columns


def _foreign_keys(table: TableInfo) -> set[str]:
    return {
        f"foreign key ({', '.join(key.columns)}) to {key.target_table}"
        f"({', '.join(key.target_columns)}) on delete {key.on_delete or 'NO ACTION'}"
        for key in table.foreign_keys
    }


def _set_drift(kind: str, table: str, got: set[str], want: set[str]) -> Iterator[Drift]:
    for item in sorted(want - got):
        yield _drift(kind, table, f"The database lacks {_described(kind, item)}.")
    for item in sorted(got - want):
        yield _drift(kind, table, f"The database has {_described(kind, item)} no migration builds.")


def _described(kind: str, item: str) -> str:
    return f"check constraint {item}" if kind == "check" else item


def _drift(kind: str, obj: str, message: str) -> Drift:
    return Drift(CODES[kind], obj, message)
