"""What a database holds, and what a project state says it should hold, alike.

:func:`introspect` reads tables through SQLAlchemy's inspector, with small
dialect queries where the inspector loses something (SQLite's declared column
types, AUTOINCREMENT and ``ON DELETE`` actions; PostgreSQL's default values in
canonical form). :func:`expected_schema` gives the same shape from a
:class:`ProjectState`, so that "the database matches the models" is one ``==``
(``migrate --fake-initial`` and the schema round-trip tests rely on it).
"""

from __future__ import annotations

import copy
import dataclasses
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, cast

import sqlalchemy as sa

from dbshift.backends.backend import dialect_backend
from dbshift.backends.base import SchemaEditor
from dbshift.backends.spec import TableSpec
from dbshift.migrations.state import ProjectState


@dataclasses.dataclass(frozen=True)
class ColumnInfo:
    name: str
    #: The declared type, lowercase, as the database reports it.
    type: str
    nullable: bool
    #: The default, as text; on PostgreSQL the canonical text of its value.
    default: str | None
    primary_key: bool
    #: The database numbers new rows (identity, or SQLite's AUTOINCREMENT).
    identity: bool
    comment: str | None = None
    #: The column's collation (None on SQLite, whose pragmas do not report it).
    collation: str | None = None


@dataclasses.dataclass(frozen=True)
class IndexInfo:
    name: str
    columns: tuple[str, ...]
    unique: bool
    partial: bool
    descending: tuple[bool, ...]


@dataclasses.dataclass(frozen=True)
class UniqueInfo:
    """A ``UNIQUE`` constraint (unique indexes are :class:`IndexInfo`)."""

    #: None for an unnamed constraint (SQLite's inline ``UNIQUE``).
    name: str | None
    columns: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ForeignKeyInfo:
    name: str | None
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    on_delete: str | None


@dataclasses.dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...]
    indexes: frozenset[IndexInfo]
    unique_constraints: frozenset[UniqueInfo]
    foreign_keys: frozenset[ForeignKeyInfo]
    #: Names of the check constraints, sorted ("" for an unnamed one).
    checks: tuple[str, ...]
    comment: str | None = None

    def column(self, name: str) -> ColumnInfo:
        return next(column for column in self.columns if column.name == name)


Schema = dict[str, TableInfo]


def introspect(connection: sa.Connection, ignore: Iterable[str] = ()) -> Schema:
    """Return every table of the database, except those named in ``ignore``."""
    inspector = sa.inspect(connection)
    backend = dialect_backend(connection.dialect)
    skipped = backend.system_tables | set(ignore)
    reader = backend.table_reader_class()
    tables = {}
    with warnings.catch_warnings():
        # Indexes over expressions are read without their expressions (see drift).
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based", sa.exc.SAWarning
        )
        for name in inspector.get_table_names():
            if name not in skipped:
                tables[name] = reader(connection, inspector).table(name)
    return tables


def expected_schema(
    state: ProjectState, dialect: sa.Dialect, connection: sa.Connection | None = None
) -> Schema:
    """Return the tables ``state`` declares, as :func:`introspect` would report them.

    With a PostgreSQL ``connection``, defaults are put in the database's canonical
    text so that they compare with introspected ones.
    """
    editor = dialect_backend(dialect).editor_class()(None, dialect, collect=True)
    tables = {}
    for model in state.models.values():
        if not model.managed:
            continue
        specs = [editor.builder.table(state, model)]
        specs += [spec for _name, spec in editor.builder.join_tables(state, model)]
        for spec in specs:
            tables[spec.name] = table_info(spec, editor, connection)
    return tables


def table_info(
    spec: TableSpec, editor: SchemaEditor, connection: sa.Connection | None = None
) -> TableInfo:
    """Return what introspection reports for a table made from ``spec``."""
    backend = dialect_backend(editor.dialect)
    columns = []
    for column in spec.columns:
        default = column.default_sql
        if default is not None and connection is not None and backend.canonical_defaults:
            default = backend.canonical_default(connection, f"CAST({default} AS {column.type_sql})")
        comment = column.comment if editor.features.supports_comments else None
        type_, collation = _split_collation(column.type)
        columns.append(
            ColumnInfo(
                column.name,
                editor.builder.type_sql(type_).lower(),
                column.nullable,
                default,
                column.primary_key,
                column.identity,
                comment,
                collation if backend.reports_collations else None,
            )
        )
    info = TableInfo(
        name=spec.name,
        columns=tuple(sorted(columns, key=lambda column: column.name)),
        primary_key=spec.primary_key.columns if spec.primary_key else (),
        indexes=frozenset(
            IndexInfo(
                index.name,
                index.columns,
                index.unique,
                index.where is not None,
                tuple(index.descending) or (False,) * len(index.columns),
            )
            for index in spec.indexes
            if not index.constraint
        ),
        unique_constraints=frozenset(
            UniqueInfo(index.name, index.columns) for index in spec.indexes if index.constraint
        ),
        foreign_keys=frozenset(
            ForeignKeyInfo(fk.name, (fk.column,), fk.to_table, (fk.to_column,), fk.on_delete)
            for fk in spec.foreign_keys
        ),
        checks=tuple(sorted(check.name or "" for check in spec.checks)),
        comment=spec.comment if editor.features.supports_comments else None,
    )
    return backend.as_reported(info)


# -- Reading a database ------------------------------------------------------------------

_CONSTANT = re.compile(r"^\(*('(?:[^']|'')*'|-?[\d.]+|true|false)\)*(::[\w \"\[\]().,]+)*$")


class TableReader:
    """Read one table through the inspector.

    A backend names the class that reads its tables (``Backend.table_reader``),
    overriding what the inspector loses on its database.
    """

    def __init__(self, connection: sa.Connection, inspector: sa.Inspector) -> None:
        self.connection = connection
        self.inspector = inspector
        self.dialect = connection.dialect

    def table(self, name: str) -> TableInfo:
        inspector = self.inspector
        primary_key = tuple(inspector.get_pk_constraint(name)["constrained_columns"])
        return TableInfo(
            name=name,
            columns=tuple(sorted(self.columns(name, primary_key), key=lambda column: column.name)),
            primary_key=primary_key,
            indexes=frozenset(self.indexes(name)),
            unique_constraints=frozenset(
                UniqueInfo(item["name"], tuple(item["column_names"]))
                for item in inspector.get_unique_constraints(name)
            ),
            foreign_keys=frozenset(self.foreign_keys(name)),
            checks=tuple(sorted(self.check_names(name))),
            comment=self.comment(name),
        )

    def check_names(self, name: str) -> list[str]:
        return [item["name"] or "" for item in self.inspector.get_check_constraints(name)]

    def columns(self, name: str, primary_key: tuple[str, ...]) -> list[ColumnInfo]:
        result = []
        for column in self.inspector.get_columns(name):
            type_, collation = _split_collation(column["type"])
            result.append(
                ColumnInfo(
                    column["name"],
                    self.dialect.type_compiler_instance.process(type_).lower(),
                    bool(column["nullable"]),
                    self.default(column.get("default")),
                    column["name"] in primary_key,
                    bool(column.get("identity")),
                    column.get("comment"),
                    collation,
                )
            )
        return result

    def default(self, text: str | None) -> str | None:
        """Return a column's default as introspection reports it: as the database has it."""
        return text

    def indexes(self, name: str) -> list[IndexInfo]:
        result = []
        for item in self.inspector.get_indexes(name):
            if item.get("duplicates_constraint"):
                continue
            # Indexes always have a name. Columns are typed as dbshift's indexes have them;
            # SQLAlchemy reports None for an expression, which these infos do not model.
            assert item["name"] is not None
            columns = cast(tuple[str, ...], tuple(item["column_names"]))
            sorting: Mapping[str, tuple[str, ...]] = item.get("column_sorting", {})
            result.append(
                IndexInfo(
                    item["name"],
                    columns,
                    bool(item["unique"]),
                    self.where(item) is not None,
                    tuple("desc" in sorting.get(column, ()) for column in columns),
                )
            )
        return result

    def where(self, item: Mapping[str, Any]) -> Any:
        return item.get("dialect_options", {}).get(f"{self.dialect.name}_where")

    def foreign_keys(self, name: str) -> list[ForeignKeyInfo]:
        return [
            ForeignKeyInfo(
                item["name"],
                tuple(item["constrained_columns"]),
                item["referred_table"],
                tuple(item["referred_columns"]),
                _on_delete(item.get("options", {}).get("ondelete")),
            )
            for item in self.inspector.get_foreign_keys(name)
        ]

    def comment(self, name: str) -> str | None:
        try:
            return self.inspector.get_table_comment(name).get("text")
        except NotImplementedError:
            return None


class PostgreSQLTableReader(TableReader):
    """Read a PostgreSQL table, with constant defaults in the text of their value."""

    def default(self, text: str | None) -> str | None:
        if text is None or not _CONSTANT.match(text):
            return text
        return dialect_backend(self.dialect).canonical_default(self.connection, text)


class SQLiteTableReader(TableReader):
    """Read a SQLite table; the pragmas keep what the inspector normalises away."""

    def pragma(self, pragma: str, name: str) -> list[Any]:
        quoted = self.dialect.identifier_preparer.quote(name)
        return list(
            self.connection.exec_driver_sql(
                f"PRAGMA {pragma}({quoted})", execution_options={"no_parameters": True}
            )
        )

    def check_names(self, name: str) -> list[str]:
        """Return the names of the checks, with quotes doubled inside them made single.

        SQLAlchemy's SQLite dialect reads the names from the CREATE TABLE text and
        strips the surrounding quotes, but leaves an escaped ``""`` inside as it is.
        dbshift quotes names with double quotes only.
        """
        return [check.replace('""', '"') for check in super().check_names(name)]

    def columns(self, name: str, primary_key: tuple[str, ...]) -> list[ColumnInfo]:
        sql = self.connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).scalar()
        autoincrement = bool(re.search(r"\bAUTOINCREMENT\b", sql or "", re.IGNORECASE))
        return [
            ColumnInfo(
                row[1],
                row[2].lower(),
                not row[3] and row[1] not in primary_key,
                row[4],
                row[1] in primary_key,
                autoincrement and row[1] in primary_key,
            )
            for row in self.pragma("table_xinfo", name)
        ]

    def indexes(self, name: str) -> list[IndexInfo]:
        result = []
        for item in super().indexes(name):
            rows = [row for row in self.pragma("index_xinfo", item.name) if row[5]]
            descending = tuple(bool(row[3]) for row in sorted(rows, key=lambda row: row[0]))
            result.append(dataclasses.replace(item, descending=descending))
        return result

    def foreign_keys(self, name: str) -> list[ForeignKeyInfo]:
        keys: dict[int, list[Any]] = {}
        for row in self.pragma("foreign_key_list", name):
            keys.setdefault(row[0], []).append(row)
        return [
            ForeignKeyInfo(
                None,
                tuple(row[3] for row in rows),
                rows[0][2],
                tuple(row[4] for row in rows),
                _on_delete(rows[0][6]),
            )
            for rows in keys.values()
        ]


def _split_collation(type_: Any) -> tuple[Any, str | None]:
    """Return a type without its collation, and the collation."""
    collation = getattr(type_, "collation", None)
    if collation is None:
        return type_, None
    plain = copy.copy(type_)
    plain.collation = None
    return plain, collation


def _on_delete(action: str | None) -> str | None:
    if action is None or action.upper() == "NO ACTION":
        return None
    return action.upper()
