"""What a historical queryset asks for, and the SQLAlchemy statements that do it.

Conditions are ``Q`` trees, turned into SQL by the same lookup code that writes
check constraints and partial indexes (:mod:`dbshift.backends.expressions`),
here with bound parameters typed by the column, so that values are converted to
their stored form on the way in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbshift.backends.expressions import condition
from dbshift.exceptions import BadMigrationError
from dbshift.historical.annotations import ExpressionCompiler, is_own_aggregate, typed_binder
from dbshift.models.functions import is_expression
from dbshift.models.query import Q

if TYPE_CHECKING:
    from dbshift.historical.options import HistoricalOptions

#: The ``order_by()`` name that asks for a random order.
RANDOM = "?"
#: The name of the primary key in queries.
PK_NAME = "pk"


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
    #: ``annotate()``: ``(name, expression)`` pairs, computed for each row.
    annotations: tuple[tuple[str, Any], ...] = ()
    #: Names whose values make a group when an annotation aggregates the model's own
    #: rows (``values("a").annotate(...)``); None: one group per row.
    group_by: tuple[str, ...] | None = None

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
        self.expressions = ExpressionCompiler(meta)
        self._bind = typed_binder(meta)

    # -- Parts ----------------------------------------------------------------------------

    def bind(self, name: str, raw: Any) -> sa.ColumnElement[Any]:
        """Return ``raw``, compared with field ``name``, as a parameter of its column type."""
        return self._bind(name, raw)

    def resolver(self, query: Query) -> Callable[[str], sa.ColumnElement[Any]]:
        """Return ``column(name)`` for ``query``: an annotation's SQL, or a field's column."""
        annotations = dict(query.annotations)

        def column(name: str) -> sa.ColumnElement[Any]:
            if name in annotations:
                return self.expressions.sql(annotations[name])
            return self.meta.column(name)

        return column

    def _binder(self, query: Query) -> Callable[[str, Any], sa.ColumnElement[Any]]:
        annotations = dict(query.annotations)

        def bind(name: str, raw: Any) -> sa.ColumnElement[Any]:
            return sa.bindparam(None, raw) if name in annotations else self._bind(name, raw)

        return bind

    def condition(self, query: Query, having: bool = False) -> sa.ColumnElement[bool] | None:
        """Return the WHERE condition of ``query`` (or its HAVING), or None when it has none.

        A condition on an aggregate of the model's own rows goes in HAVING.
        """
        if query.empty:
            return None if having else sa.false()
        grouped = {
            alias
            for alias, expression in query.annotations
            if is_own_aggregate(self.meta, expression)
        }
        names = {alias for alias, _expression in query.annotations}
        column, bind = self.resolver(query), self._binder(query)
        parts = [
            condition(self.meta.normalize(q, names), column, bind)
            for q in query.where
            if bool(q.referenced_fields() & grouped) == having
        ]
        return sa.and_(*parts) if parts else None

    def order_by(self, query: Query) -> list[sa.ColumnElement[Any]]:
        names = self.meta.ordering if query.ordering is None else query.ordering
        column = self.resolver(query)
        clauses: list[sa.ColumnElement[Any]] = []
        for name in names:
            if name == RANDOM:
                clauses.append(sa.func.random())
                continue
            expression = column(name.lstrip("-"))
            clauses.append(expression.desc() if name.startswith("-") else expression.asc())
        return clauses

    def group_by(self, query: Query) -> list[sa.ColumnElement[Any]]:
        """Return the GROUP BY of ``query``: needed once it aggregates its own rows."""
        if not any(is_own_aggregate(self.meta, item) for _alias, item in query.annotations):
            return []
        column = self.resolver(query)
        return [column(name) for name in query.group_by or (PK_NAME,)]

    # -- Statements ------------------------------------------------------------------------

    def select(
        self, query: Query, columns: Sequence[sa.ColumnElement[Any] | sa.Table]
    ) -> sa.Select[Any]:
        """Return the SELECT of ``columns`` from the rows of ``query``, in its order."""
        statement = sa.select(*columns).select_from(self.table)
        where = self.condition(query)
        if where is not None:
            statement = statement.where(where)
        group_by = self.group_by(query)
        if group_by:
            statement = statement.group_by(*group_by)
            having = self.condition(query, having=True)
            if having is not None:
                statement = statement.having(having)
        statement = statement.order_by(*self.order_by(query))
        if query.high is not None:
            statement = statement.limit(query.high - query.low)
        if query.low:
            statement = statement.offset(query.low)
        return statement

    def count(self, query: Query) -> sa.Select[Any]:
        if query.sliced or query.annotations:
            inner = self.select(query, [self.meta.column("pk")]).subquery()
            return sa.select(sa.func.count()).select_from(inner)
        statement = sa.select(sa.func.count()).select_from(self.table)
        where = self.condition(query)
        return statement if where is None else statement.where(where)

    def exists(self, query: Query) -> sa.Select[Any]:
        return self.select(dataclasses.replace(query, ordering=()), [sa.literal(1)]).limit(1)

    def aggregate(self, query: Query, aggregates: Mapping[str, Any]) -> sa.Select[Any]:
        """Return the SELECT of ``aggregates`` over the rows of ``query``."""
        columns = [
            self.expressions.sql(expression).label(alias)
            for alias, expression in aggregates.items()
        ]
        if query.sliced or query.annotations:
            inner = self.select(query, [self.table]).subquery()
            return sa.select(*columns).select_from(inner)
        statement = sa.select(*columns).select_from(self.table)
        where = self.condition(query)
        return statement if where is None else statement.where(where)

    def update(self, query: Query, values: Mapping[str, Any]) -> sa.Update:
        """Return the UPDATE of the rows of ``query``; an expression (``F("name")``,
        ``Lower("name")``) is computed from each row's own values."""
        assignments: dict[Any, Any] = {}
        for name, raw in values.items():
            field_name, _field = self.meta.resolve(name)
            column = self.table.c[field_name]
            assignments[column] = (
                self.expressions.sql(raw) if is_expression(raw) else self.bind(name, raw)
            )
        statement = sa.update(self.table).values(assignments)
        where = self.condition(query)
        return statement if where is None else statement.where(where)
