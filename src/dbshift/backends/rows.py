"""SQLAlchemy tables for reading and writing the rows of a model state.

Data migrations query tables as they are at one point of the history. The table
is built from the same :class:`TableSpec` the schema editor created it from, so
column names and types always match the database, and each column converts
values through the backend's :class:`ValueAdapter`, so values are stored in
the formats Django uses (on SQLite: UUIDs as hex, durations as microseconds,
datetimes as naive UTC text) and read back as Python values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbshift.backends.values import ValueAdapter

if TYPE_CHECKING:
    from dbshift.backends.build import SpecBuilder
    from dbshift.backends.spec import ColumnSpec
    from dbshift.migrations.state import ModelState, ProjectState
    from dbshift.models.fields import Field


class StoredValue(sa.types.TypeDecorator[Any]):
    """A column type that converts one field's values to and from their stored form.

    The column keeps its real type for SQL (PostgreSQL's bound parameters are cast
    to it), but the value conversion is entirely the adapter's: SQLAlchemy's own
    conversions assume its own storage formats, which differ from Django's.
    """

    impl: sa.types.TypeEngine[Any] | type[sa.types.TypeEngine[Any]] = sa.types.NullType
    # Fields and adapters are compared by identity, which is what a cache key needs:
    # the same historical column compiles to the same statement.
    cache_ok = True

    def __init__(
        self, stored: sa.types.TypeEngine[Any], field: Field | None, adapter: ValueAdapter
    ) -> None:
        super().__init__()
        # The real type, so that SQLAlchemy compiles, casts and compares as for it.
        self.impl = stored
        self.stored = stored
        self.field = field
        self.adapter = adapter

    def bind_processor(self, dialect: sa.Dialect) -> Callable[[Any], Any]:
        field, to_param = self.field, self.adapter.to_param
        return lambda value: None if value is None else to_param(field, value)

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Callable[[Any], Any]:
        field, from_db = self.field, self.adapter.from_db
        return lambda value: None if value is None else from_db(field, value)

    def literal_processor(self, dialect: sa.Dialect) -> Callable[[Any], str]:
        field, literal = self.field, self.adapter.literal
        return lambda value: literal(field, value)


def model_table(
    builder: SpecBuilder, state: ProjectState, model: ModelState, metadata: sa.MetaData
) -> sa.Table:
    """Return the table of ``model`` in ``state``, its columns keyed by field name."""
    spec = builder.table(state, model)
    columns = [_column(column, builder.adapter) for column in spec.columns]
    return sa.Table(spec.name, metadata, *columns)


def _column(column: ColumnSpec, adapter: ValueAdapter) -> sa.Column[Any]:
    default = sa.DefaultClause(sa.text(column.default_sql)) if column.default_sql else None
    return sa.Column(
        column.name,
        StoredValue(column.type, column.value_field, adapter),
        key=column.key,
        primary_key=column.primary_key,
        nullable=column.nullable,
        autoincrement=column.identity,
        server_default=default,
    )
