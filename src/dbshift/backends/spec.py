"""A table as the database should hold it: plain, comparable data.

The schema editors build a :class:`TableSpec` for a model (or a join table) at a
point of the history, compare the specs before and after a change, and turn the
difference into SQL. Every object has a ``signature``: what it is, independent
of the names it carries, so that a change of names alone is a rename and not a
drop and a re-creation.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

    from dbshift.models.fields import Field


@dataclasses.dataclass(frozen=True)
class ColumnSpec:
    """One column: its definition and the field whose values it holds."""

    #: What the column is, stable across renames: the field name, or a role
    #: (``"from"``, ``"to"``) in a join table.
    key: str
    name: str
    type: sa.types.TypeEngine[Any] = dataclasses.field(compare=False)
    type_sql: str
    nullable: bool
    primary_key: bool = False
    #: The database numbers new rows (identity on PostgreSQL, AUTOINCREMENT on SQLite).
    identity: bool = False
    #: ``db_default`` as an SQL literal; it stays in the table definition.
    default_sql: str | None = None
    comment: str | None = None
    #: The field that gives the column's values their storage format: the
    #: column's own field, or the target field of a foreign key.
    value_field: Field | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class PrimaryKeySpec:
    name: str | None
    columns: tuple[str, ...]
    keys: tuple[str, ...]

    @property
    def signature(self) -> tuple[Any, ...]:
        return ("pk", self.keys)


@dataclasses.dataclass(frozen=True)
class ForeignKeySpec:
    name: str | None
    column: str
    key: str
    to_table: str
    to_column: str
    #: The model label and field name pointed at. Both databases follow a renamed
    #: target table or column by themselves (SQLite through ``RENAME TO`` and
    #: ``RENAME COLUMN``, which the editor always uses for referenced columns),
    #: so only a different target makes a different key.
    target: tuple[str, str]
    on_delete: str | None
    #: The column type; a type change re-creates the constraint, as the target's
    #: type changes with it.
    type_sql: str = ""

    @property
    def signature(self) -> tuple[Any, ...]:
        return ("fk", self.key, self.target, self.on_delete, self.type_sql)


@dataclasses.dataclass(frozen=True)
class CheckSpec:
    name: str
    sql: str
    #: The column a field's own check belongs to (written inline with the column),
    #: or None for a table check from ``Meta.constraints``.
    column: str | None = None
    #: What the check tests, independent of column names.
    identity: Any = None
    #: The migration gave the name (``Meta.constraints``); otherwise dbshift derived it,
    #: and a database built by another tool may hold the check under another name.
    given_name: bool = dataclasses.field(default=False, compare=False)

    @property
    def signature(self) -> tuple[Any, ...]:
        return ("check", self.identity)


@dataclasses.dataclass(frozen=True)
class IndexSpec:
    """An index, or a unique rule (a unique index, or a UNIQUE constraint)."""

    name: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    descending: tuple[bool, ...] = ()
    unique: bool = False
    #: A ``UNIQUE`` constraint of the table rather than a ``CREATE INDEX``.
    constraint: bool = False
    where: str | None = None
    where_identity: Any = None
    deferrable: str | None = None
    nulls_distinct: bool | None = None
    include: tuple[str, ...] = ()
    include_keys: tuple[str, ...] = ()
    opclasses: tuple[str, ...] = ()
    #: SQL of each indexed expression, in place of ``columns``: ``(UPPER(email)) DESC``.
    expressions: tuple[str, ...] = ()
    #: The migration gave the name (``Meta.indexes``, ``Meta.constraints``).
    given_name: bool = dataclasses.field(default=False, compare=False)

    @property
    def signature(self) -> tuple[Any, ...]:
        return (
            "index",
            self.keys,
            self.expressions,
            self.descending,
            self.unique,
            self.constraint,
            self.where_identity,
            self.deferrable,
            self.nulls_distinct,
            self.include_keys,
            self.opclasses,
        )


SchemaObject = PrimaryKeySpec | ForeignKeySpec | CheckSpec | IndexSpec


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """A table: its columns and every index and constraint on it."""

    name: str
    columns: tuple[ColumnSpec, ...]
    primary_key: PrimaryKeySpec | None = None
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    checks: tuple[CheckSpec, ...] = ()
    indexes: tuple[IndexSpec, ...] = ()
    comment: str | None = None

    def column(self, key: str) -> ColumnSpec:
        """Return the column whose key is ``key``."""
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def objects(self) -> tuple[SchemaObject, ...]:
        """Return every index and constraint, primary key first."""
        head: tuple[SchemaObject, ...] = (self.primary_key,) if self.primary_key else ()
        return (*head, *self.checks, *self.indexes, *self.foreign_keys)

    def renamed(self, name: str) -> TableSpec:
        return dataclasses.replace(self, name=name)
