"""Reading a MySQL or MariaDB table in the shape :mod:`dbshift.backends.introspection` gives.

What the server reports differs from what dbshift's DDL says in ways that mean
nothing, and both sides are brought to one text before they are compared:

- types: read as the server declares them (``information_schema``, which also
  knows MariaDB's ``uuid``), ``int(11)`` is ``int`` (a display width changes no
  value; MySQL 8 stopped reporting it), ``bool`` is ``tinyint(1)``, ``integer`` is
  ``int``, ``numeric`` is ``decimal``, ``double precision`` and ``real`` are
  ``double``, ``decimal(5, 2)`` is ``decimal(5,2)``; a column's character set goes
  with its collation, which is compared on its own. MariaDB stores ``json`` as
  ``longtext`` with a ``json_valid`` check, read back as ``json``;
- defaults: the server prints a constant in its own way (``1.50`` for ``1.5`` in a
  ``decimal(5, 2)``), so a constant is compared by the value the server makes of
  it in the column's type; the current time is ``current_timestamp``, whatever
  precision the server adds to it (``current_timestamp(6)`` in a ``datetime(6)``);
- indexes: MySQL creates an index for a foreign key that has none and names it
  after the key; it belongs to the key and is not reported. The direction of an
  index's columns is read from ``information_schema``, which SQLAlchemy skips.
  Unique rules are unique indexes only: MySQL has no ``UNIQUE`` constraint apart;
- ``ON DELETE``: InnoDB's ``RESTRICT`` is ``NO ACTION`` (both check at once), and
  ``SHOW CREATE TABLE`` leaves it out, so both sides report neither.
"""

from __future__ import annotations

import dataclasses
import re

import sqlalchemy as sa

from dbshift.backends.introspection import (
    _CONSTANT,
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    TableInfo,
    TableReader,
)

#: What InnoDB does on delete when a key says nothing, RESTRICT or NO ACTION.
NO_ACTION = frozenset({"RESTRICT", "NO ACTION"})

#: Integer types, whose display width is dropped (all but ``tinyint(1)``, a boolean).
_DISPLAY_WIDTH = re.compile(r"\b(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)")
#: Other spellings of one type, as (pattern, canonical text).
_ALIASES = (
    (re.compile(r"\bbool(ean)?\b"), "tinyint(1)"),
    (re.compile(r"\binteger\b"), "int"),
    (re.compile(r"\bnumeric\b"), "decimal"),
    (re.compile(r"\b(double precision|real)\b"), "double"),
    (re.compile(r"\s+character set \w+"), ""),
    (re.compile(r",\s+"), ","),
)
#: The current time as the server prints it: the column's precision is implied.
_NOW = re.compile(r"^\(*(current_timestamp|now)\(\d*\)\)*$", re.IGNORECASE)
#: A binary constant as ``information_schema`` prints it (SQLAlchemy reads none).
_BINARY_CONSTANT = re.compile(r"^\(*(X'[0-9a-f]*'|0x[0-9a-f]+)\)*$", re.IGNORECASE)
#: The CAST target that gives a constant default its value, by the start of the type.
_CAST_TARGETS = (
    (re.compile(r"^(tinyint|smallint|mediumint|int|bigint)\b.*\bunsigned\b"), "UNSIGNED"),
    (re.compile(r"^(tinyint|smallint|mediumint|int|bigint)\b"), "SIGNED"),
    (re.compile(r"^decimal\(\d+,\d+\)"), None),  # the type itself
    (re.compile(r"^(double|float)\b"), "DOUBLE"),
    (re.compile(r"^(datetime|date|time)(\(\d\))?$"), None),
)


def canonical_type(text: str) -> str:
    """Return the one spelling of a MySQL column type (lowercase) that both sides compare by."""
    text = text.lower()
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    return _DISPLAY_WIDTH.sub(
        lambda match: match[0] if match[0] == "tinyint(1)" else match[1], text
    )


def constant_value(connection: sa.Connection, value_sql: str, type_text: str) -> str:
    """Return the text of a constant's value in a column of ``type_text`` (canonical)."""
    target = "CHAR"
    for pattern, cast in _CAST_TARGETS:
        match = pattern.match(type_text)
        if match:
            target = cast or match[0].upper()
            break
    value = connection.exec_driver_sql(
        f"SELECT CAST({value_sql} AS {target})", execution_options={"no_parameters": True}
    ).scalar()
    return "NULL" if value is None else str(value)


def canonical_on_delete(action: str | None) -> str | None:
    """Return an ``ON DELETE`` action as MySQL tells it apart (RESTRICT is no action)."""
    return None if action is None or action.upper() in NO_ACTION else action.upper()


def _now_as_one(default: str | None) -> str | None:
    """Return ``current_timestamp`` for the current time at any precision."""
    return "current_timestamp" if default is not None and _NOW.match(default) else default


def as_reported(table: TableInfo) -> TableInfo:
    """Return a table made from migrations as :class:`MySQLTableReader` reads it back."""
    return dataclasses.replace(
        table,
        columns=tuple(
            dataclasses.replace(
                column, type=canonical_type(column.type), default=_now_as_one(column.default)
            )
            for column in table.columns
        ),
        foreign_keys=frozenset(
            dataclasses.replace(key, on_delete=canonical_on_delete(key.on_delete))
            for key in table.foreign_keys
        ),
    )


_TYPES = (
    "SELECT column_name, column_type, 0, column_default FROM information_schema.columns "
    "WHERE table_schema = DATABASE() AND table_name = %s"
)
_MARIADB_TYPES = (
    "SELECT c.column_name, c.column_type, k.check_clause IS NOT NULL, c.column_default "
    "FROM information_schema.columns c "
    "LEFT JOIN information_schema.check_constraints k "
    "ON k.constraint_schema = c.table_schema AND k.table_name = c.table_name "
    "AND k.constraint_name = c.column_name "
    "AND k.check_clause = CONCAT('json_valid(`', c.column_name, '`)') "
    "WHERE c.table_schema = DATABASE() AND c.table_name = %s"
)


class MySQLTableReader(TableReader):
    """Read a MySQL or MariaDB table; ``information_schema`` adds what the inspector skips."""

    def table(self, name: str) -> TableInfo:
        return dataclasses.replace(super().table(name), unique_constraints=frozenset())

    def foreign_keys(self, name: str) -> list[ForeignKeyInfo]:
        return [
            dataclasses.replace(key, on_delete=canonical_on_delete(key.on_delete))
            for key in super().foreign_keys(name)
        ]

    def columns(self, name: str, primary_key: tuple[str, ...]) -> list[ColumnInfo]:
        declared = self._declared_types(name)
        result = []
        for column in self.inspector.get_columns(name):
            collation = getattr(column["type"], "collation", None)
            type_text, schema_default = declared[column["name"]]
            if type_text == "json":
                collation = None  # MariaDB's json is longtext in utf8mb4_bin
            result.append(
                ColumnInfo(
                    column["name"],
                    type_text,
                    bool(column["nullable"]),
                    self._default(column.get("default") or schema_default, type_text),
                    column["name"] in primary_key,
                    column.get("autoincrement") is True,
                    column.get("comment"),
                    collation,
                )
            )
        return result

    def _default(self, text: str | None, type_text: str) -> str | None:
        if text is None or _NOW.match(text):
            return _now_as_one(text)
        if not (_CONSTANT.match(text) or _BINARY_CONSTANT.match(text)):
            return text
        return constant_value(self.connection, text, type_text)

    def _declared_types(self, table: str) -> dict[str, tuple[str, str | None]]:
        """Return each column's type as declared, MariaDB's ``json`` included (a
        ``longtext`` with a ``json_valid`` check of its own, named after the column),
        and its binary constant default, which SQLAlchemy's reflection drops."""
        query = _MARIADB_TYPES if getattr(self.dialect, "is_mariadb", False) else _TYPES
        rows = self.connection.exec_driver_sql(query, (table,))
        return {
            name: (
                "json" if is_json else canonical_type(str(type_text)),
                default if default and _BINARY_CONSTANT.match(default) else None,
            )
            for name, type_text, is_json, default in rows
        }

    def indexes(self, name: str) -> list[IndexInfo]:
        foreign_keys = {
            (key["name"], tuple(key["constrained_columns"]))
            for key in self.inspector.get_foreign_keys(name)
        }
        directions = self._directions(name)
        return [
            dataclasses.replace(index, descending=directions.get(index.name, index.descending))
            for index in super().indexes(name)
            if (index.name, index.columns) not in foreign_keys
        ]

    def _directions(self, table: str) -> dict[str, tuple[bool, ...]]:
        rows = self.connection.exec_driver_sql(
            "SELECT index_name, collation FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND table_name = %s ORDER BY index_name, seq_in_index",
            (table,),
        )
        directions: dict[str, tuple[bool, ...]] = {}
        for index, collation in rows:
            directions[index] = (*directions.get(index, ()), collation == "D")
        return directions
