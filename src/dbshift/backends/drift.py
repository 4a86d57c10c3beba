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
from typing import Any

import sqlalchemy as sa

from dbshift.backends import names
from dbshift.backends.backend import Backend, dialect_backend
from dbshift.backends.introspection import (
    ColumnInfo,
    Schema,
    TableInfo,
    expected_schema,
    introspect,
)
from dbshift.migrations.state import ProjectState
from dbshift.models.functions import RawSQL
from dbshift.models.indexes import CheckConstraint
from dbshift.utils.sqltext import normalized_condition

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
    inspector = sa.inspect(connection)
    texts = {
        table: TextChecks(declared, inspector.get_check_constraints(table))
        for table, declared in _sql_text_checks(state).items()
        if table in actual
    }
    return compare_schemas(connection, actual, expected_schema(state, connection.dialect), texts)


def compare_schemas(
    connection: sa.Connection,
    actual: Schema,
    expected: Schema,
    texts: dict[str, TextChecks] | None = None,
) -> list[Drift]:
    """Return every difference between tables read from ``connection`` and expected ones.

    ``texts`` has the checks written as SQL text, by table, compared by their text.
    """
    backend = dialect_backend(connection.dialect)
    if backend.canonical_defaults:
        expected = {
            name: _canonical_defaults(connection, backend, info) for name, info in expected.items()
        }
    return list(_schema_drift(actual, expected, backend, texts or {}))


@dataclasses.dataclass(frozen=True)
class TextChecks:
    """The checks of a table written as SQL text, and every check the database has."""

    #: SQL text by constraint name.
    declared: dict[str, str]
    #: The inspector's ``get_check_constraints()``.
    found: list[Any]


def _sql_text_checks(state: ProjectState) -> dict[str, dict[str, str]]:
    """Return the SQL text of each check written as text (``RawSQL``), by table and name.

    Checks built from ``Q`` are compared by name only: their text is dbshift's own,
    which PostgreSQL rewrites beyond what :func:`normalized_condition` undoes.
    """
    texts: dict[str, dict[str, str]] = {}
    for model in state.models.values():
        for constraint in model.options.get("constraints", ()):
            condition = getattr(constraint, "condition", None)
            if isinstance(constraint, CheckConstraint) and isinstance(condition, RawSQL):
                name = names.shorten(constraint.name)
                texts.setdefault(model.db_table, {})[name] = condition.sql
    return texts


def _check_text_drift(table: str, checks: TextChecks) -> Iterator[Drift]:
    """Compare the conditions of the checks written as SQL text with the database's.

    A check the database holds without a name (SQLite's ``CHECK (...)`` from
    ``create_all``) stands for the declared check of the same condition.
    """
    found = checks.found
    named = {item["name"]: normalized_condition(item["sqltext"]) for item in found if item["name"]}
    unnamed = {normalized_condition(item["sqltext"]) for item in found if not item["name"]}
    for name, sql in sorted(checks.declared.items()):
        want = normalized_condition(sql)
        if name not in named:
            if want not in unnamed:
                yield _drift("check", table, f"The database lacks check constraint {name}.")
        elif named[name] != want:
            yield _drift(
                "check",
                table,
                f"Check constraint {name} is {named[name]} in the database; the migrations "
                f"build {want}.",
            )


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


def _schema_drift(
    actual: Schema, expected: Schema, backend: Backend, texts: dict[str, TextChecks]
) -> Iterator[Drift]:
    for name in sorted(set(expected) - set(actual)):
        yield _drift("missing_table", name, f"Table {name} is missing from the database.")
    for name in sorted(set(actual) - set(expected)):
        yield _drift("extra_table", name, f"Table {name} is in the database but in no model.")
    for name in sorted(set(actual) & set(expected)):
        yield from _table_drift(actual[name], expected[name], backend, texts.get(name))


def _table_drift(
    got: TableInfo, want: TableInfo, backend: Backend, texts: TextChecks | None
) -> Iterator[Drift]:
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
    by_text = set(texts.declared) if texts else set()
    got_checks, want_checks = set(got.checks) - {""}, set(want.checks) - {""}
    yield from _set_drift("check", table, got_checks - by_text, want_checks - by_text)
    if texts:
        yield from _check_text_drift(table, texts)


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
