"""Find the name an index or constraint really has in the database.

dbshift derives the names of the indexes and constraints a field or
``unique_together`` brings (:mod:`dbshift.backends.names`), and a database that
dbshift built holds them under those names. A database built by another tool
(Django's ``migrate``), or by an older dbshift, holds the same objects under
other names. Before dropping or renaming an object whose name the migration did
not give, the editors look the object up by what it is (its kind, columns,
target) and use the name found, as Django's schema editors do.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from dbshift.backends.backend import dialect_backend
from dbshift.backends.spec import CheckSpec, ForeignKeySpec, IndexSpec, PrimaryKeySpec, SchemaObject


@dataclasses.dataclass(frozen=True)
class ExistingObject:
    """An index or constraint as the database reports it."""

    kind: str
    #: None for a rule written inline in SQLite's ``CREATE TABLE``, which has no
    #: name of its own and goes only with the table.
    name: str | None
    columns: tuple[str, ...] = ()
    unique: bool = False
    target: str | None = None
    opclasses: tuple[str, ...] = ()
    partial: bool = False
    condition: str = ""


#: The prefix of the indexes SQLite makes for the UNIQUE rules of a ``CREATE TABLE``.
_SQLITE_AUTOINDEX = "sqlite_autoindex_"


def read_existing(
    connection: sa.Connection, table: str, index_options: Mapping[str, Any] | None = None
) -> list[ExistingObject]:
    """Return every index and constraint of ``table``, read from the database.

    ``index_options`` go to the dialect's index reflection (SQLite needs its
    automatic indexes, which stand for rules written inside ``CREATE TABLE``).
    """
    with warnings.catch_warnings():
        # Indexes on expressions are reported with a warning and skipped: no
        # derived name is ever looked up among them.
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        checks = dialect_backend(connection.dialect).check_constraints(connection, table)
        return _read_existing(sa.inspect(connection), table, index_options or {}, checks)


def _read_existing(
    inspector: sa.Inspector,
    table: str,
    index_options: Mapping[str, Any],
    checks: list[dict[str, Any]],
) -> list[ExistingObject]:
    found: list[ExistingObject] = []
    primary_key = inspector.get_pk_constraint(table)
    if primary_key.get("constrained_columns"):
        found.append(
            ExistingObject(
                "pk", primary_key.get("name"), _names(primary_key, "constrained_columns")
            )
        )
    for key in inspector.get_foreign_keys(table):
        found.append(
            ExistingObject(
                "fk",
                key.get("name"),
                _names(key, "constrained_columns"),
                target=key["referred_table"],
            )
        )
    for check in checks:
        found.append(ExistingObject("check", check.get("name"), condition=_plain(check["sqltext"])))
    for unique in inspector.get_unique_constraints(table):
        found.append(
            ExistingObject("unique", unique.get("name"), _names(unique, "column_names"), True)
        )
    for index in inspector.get_indexes(table, **index_options):
        if index.get("duplicates_constraint") or None in index["column_names"]:
            continue
        options = index.get("dialect_options", {})
        found.append(
            ExistingObject(
                "index",
                _index_name(index["name"]),
                _names(index, "column_names"),
                bool(index["unique"]),
                opclasses=_opclasses(options.get("postgresql_ops") or {}),
                partial=any(
                    options.get(option) is not None
                    for option in ("postgresql_where", "sqlite_where")
                ),
            )
        )
    return found


def find_existing(obj: SchemaObject, existing: Iterable[ExistingObject]) -> ExistingObject | None:
    """Return the object of the database that ``obj`` describes, preferring ``obj``'s name."""
    candidates = [item for item in existing if _describes(obj, item)]
    for item in candidates:
        if item.name == obj.name:
            return item
    return candidates[0] if candidates else None


def _describes(obj: SchemaObject, item: ExistingObject) -> bool:
    if isinstance(obj, PrimaryKeySpec):
        return item.kind == "pk" and item.columns == obj.columns
    if isinstance(obj, ForeignKeySpec):
        return item.kind == "fk" and item.columns == (obj.column,) and item.target == obj.to_table
    if isinstance(obj, CheckSpec):
        return item.kind == "check" and item.condition == _plain(obj.sql)
    return _describes_index(obj, item)


def _describes_index(obj: IndexSpec, item: ExistingObject) -> bool:
    if item.kind not in ("unique", "index") or item.columns != obj.columns:
        return False
    if item.unique != obj.unique or item.partial != bool(obj.where):
        return False
    # A unique rule may be a UNIQUE constraint or a unique index, by who made it.
    return _bare(item.opclasses) == _bare(obj.opclasses)


def _index_name(name: str | None) -> str | None:
    return None if name is None or name.startswith(_SQLITE_AUTOINDEX) else name


def _names(entry: Any, key: str) -> tuple[str, ...]:
    return tuple(entry.get(key) or ())


def _opclasses(ops: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(ops.values()))


def _bare(opclasses: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(item for item in opclasses if item))


def _plain(sql: str) -> str:
    """Return a condition without quotes, brackets, spaces and casts, for comparison."""
    text = re.sub(r"::\w+(\s+\w+)*", "", sql)
    return re.sub(r'[\s"()`\[\]]', "", text).lower()
