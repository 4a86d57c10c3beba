"""What a historical queryset asks for, and the SQLAlchemy statements that do it.

Conditions are ``Q`` trees, turned into SQL by the same lookup code that writes
check constraints and partial indexes (:mod:`dbshift.backends.expressions`),
here with bound parameters typed by the column, so that values are converted to
their stored form on the way in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbshift.backends.expressions import condition
from dbshift.exceptions import BadMigrationError
from dbshift.historical.model import HistoricalModel
from dbshift.models.query import F, Q

if TYPE_CHECKING:
    from dbshift.historical.options import HistoricalOptions

#: The ``order_by()`` name that asks for a random order.
RANDOM = "?"


@dataclasses.dataclass(frozen=True)
class Query:
    """The rows a queryset stands for: plain data, copied by each chained call."""

    #: Conditions, all of which a row must meet.
    where: tuple[Q, ...] = ()
    #: ``order_by()`` names; None means the model's ``Meta.ordering``.
    ordering: tuple[str, ...] | None = None
    low: int = 0
    high: int | None = None
    #: ``none()``: no row at all, without asking the database.
    empty: bool = False

    @property
    def sliced(self) -> bool:
        return self.low != 0 or self.high is not None

    def sliced_to(self, start: int | None, stop: int | None) -> Query:
        """Return this query limited to rows ``start:stop`` of its own result."""
        if (start is not None and start < 0) or (stop is not None and stop < 0):
            raise BadMigrationError(
                "Negative indexing is not supported on querysets; reverse the order instead."
            )
        low = self.low + (start or 0)
        high = self.high
        if stop is not None:
            high = self.low + stop if high is None else min(high, self.low + stop)
        if high is not None:
            low = min(low, high)
        return dataclasses.replace(self, low=low, high=high)


class QueryCompiler:
    """Build the statements of queries over one historical model's table."""

    def __init__(self, meta: HistoricalOptions) -> None:
        self.meta = meta
        self.table = meta.table

    # -- Parts ----------------------------------------------------------------------------

    def bind(self, name: str, raw: Any) -> sa.ColumnElement[Any]:
        """Return ``raw``, compared with field ``name``, as a parameter of its column type."""
        field_name, field = self.meta.resolve(name)
        if isinstance(raw, HistoricalModel):
            target = raw._meta
            key = getattr(field, "to_field", None) if field.is_relation else None
            raw = getattr(raw, target.attnames[key or target.pk_name])
        return sa.bindparam(None, raw, type_=self.table.c[field_name].type)

    def condition(self, query: Query) -> sa.ColumnElement[bool] | None:
        """Return the WHERE condition of ``query``, or None when it has none."""
        if query.empty:
            return sa.false()
        parts = [
            condition(self.meta.normalize(q), self.meta.column, self.bind) for q in query.where
        ]
        return sa.and_(*parts) if parts else None

    def order_by(self, query: Query) -> list[sa.ColumnElement[Any]]:
        names = self.meta.ordering if query.ordering is None else query.ordering
        clauses = []
        for name in names:
            if name == RANDOM:
                clauses.append(sa.func.random())
                continue
            column = self.meta.column(name.lstrip("-"))
            clauses.append(column.desc() if name.startswith("-") else column.asc())
        return clauses

    # -- Statements ------------------------------------------------------------------------

    def select(self, query: Query, columns: list[sa.ColumnElement[Any]]) -> sa.Select[Any]:
        """Return the SELECT of ``columns`` from the rows of ``query``, in its order."""
        statement = sa.select(*columns).select_from(self.table)
        where = self.condition(query)
        if where is not None:
            statement = statement.where(where)
        statement = statement.order_by(*self.order_by(query))
        if query.high is not None:
            statement = statement.limit(query.high - query.low)
        if query.low:
            statement = statement.offset(query.low)
        return statement

    def count(self, query: Query) -> sa.Select[Any]:
        if query.sliced:
            inner = self.select(query, [self.meta.column("pk")]).subquery()
            return sa.select(sa.func.count()).select_from(inner)
        statement = sa.select(sa.func.count()).select_from(self.table)
        where = self.condition(query)
        return statement if where is None else statement.where(where)

    def exists(self, query: Query) -> sa.Select[Any]:
        return self.select(dataclasses.replace(query, ordering=()), [sa.literal(1)]).limit(1)

    def update(self, query: Query, values: Mapping[str, Any]) -> sa.Update:
        """Return the UPDATE of the rows of ``query``; ``F("name")`` copies a column."""
        assignments: dict[Any, Any] = {}
        for name, raw in values.items():
            field_name, _field = self.meta.resolve(name)
            column = self.table.c[field_name]
            assignments[column] = (
                self.meta.column(raw.name) if isinstance(raw, F) else self.bind(name, raw)
            )
        statement = sa.update(self.table).values(assignments)
        where = self.condition(query)
        return statement if where is None else statement.where(where)
