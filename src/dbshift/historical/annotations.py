"""Expressions in historical querysets: ``annotate()``, ``aggregate()`` and ``update()``.

An expression over the model's own fields (``Lower("name")``, ``F("views") + 1``)
becomes SQL through the backends' function compiler, with constants bound as
parameters. An aggregate over a reverse relation (``Count("books")``,
``Max("books__published")``) becomes a correlated subquery over the related
table, which gives each row its own value without joining the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbshift.backends.expressions import condition
from dbshift.backends.functions import expression_sql
from dbshift.exceptions import NotSupportedError
from dbshift.historical.model import HistoricalModel
from dbshift.models.functions import Aggregate, Func
from dbshift.models.query import LOOKUP_SEP, F, Q
from dbshift.models.related import ForeignKey

if TYPE_CHECKING:
    from dbshift.historical.options import HistoricalOptions


def bind_constant(value: Any) -> sa.ColumnElement[Any]:
    """Return a constant of an expression as a parameter typed by its Python value."""
    return sa.bindparam(None, value)


def is_own_aggregate(meta: HistoricalOptions, expression: Any) -> bool:
    """Return whether ``expression`` aggregates rows of the model's own table."""
    if isinstance(expression, Aggregate):
        return _relation_of(meta, expression) is None
    if isinstance(expression, Func):
        return any(is_own_aggregate(meta, item) for item in expression.source_expressions)
    return False


def reverse_relation(meta: HistoricalOptions, name: str) -> tuple[Any, str, ForeignKey] | None:
    """Return ``(model state, field name, field)`` of the foreign key queried as ``name``."""
    for state, field_name, field in meta.apps.state.related_fields_to(meta.label_lower):
        if not isinstance(field, ForeignKey) or field.to != meta.label_lower:
            continue
        query_name = field.related_query_name or field.related_name or state.name_lower
        if query_name == name:
            return state, field_name, field
    return None


class ExpressionCompiler:
    """Turn expressions over one historical model into SQL for its queries."""

    def __init__(self, meta: HistoricalOptions) -> None:
        self.meta = meta

    def sql(self, expression: Any, column: Any = None) -> sa.ColumnElement[Any]:
        """Return ``expression`` as SQL; ``column`` resolves names (default: the fields)."""
        column = column or self.meta.column
        if isinstance(expression, Aggregate):
            return self.aggregate(expression, column)
        return expression_sql(expression, bind_constant, column)

    def aggregate(self, aggregate: Aggregate, column: Any) -> sa.ColumnElement[Any]:
        relation = _relation_of(self.meta, aggregate)
        if relation is not None:
            head, _, rest = aggregate.source_expressions[0].name.partition(LOOKUP_SEP)
            return self._related_aggregate(aggregate, relation, head, rest)
        sql = expression_sql(aggregate, bind_constant, column)
        if aggregate.filter is not None:
            where = condition(
                self.meta.normalize(aggregate.filter), column, typed_binder(self.meta)
            )
            sql = sql.filter(where)  # type: ignore[attr-defined]
        return sql

    def _related_aggregate(
        self,
        aggregate: Aggregate,
        relation: tuple[Any, str, ForeignKey],
        query_name: str,
        rest: str,
    ) -> sa.ColumnElement[Any]:
        """Return ``aggregate`` over the rows of ``relation`` that point at the outer row."""
        state, key_name, field = relation
        related = self.meta.apps.get_model(state.app_label, state.name)._meta
        inner = related.table.alias()

        def inner_column(name: str) -> sa.ColumnElement[Any]:
            return inner.c[related.resolve(name)[0]]

        counted = rest or related.pk_name
        target = type(aggregate)(counted, distinct=aggregate.distinct)
        outer = self.meta.column(field.to_field or self.meta.pk_name)
        statement = sa.select(expression_sql(target, bind_constant, inner_column)).where(
            inner_column(key_name) == outer
        )
        if aggregate.filter is not None:
            local = related.normalize(_strip_prefix(aggregate.filter, query_name))
            statement = statement.where(condition(local, inner_column, typed_binder(related)))
        return statement.scalar_subquery()


def _relation_of(
    meta: HistoricalOptions, aggregate: Aggregate
) -> tuple[Any, str, ForeignKey] | None:
    """Return the reverse relation ``aggregate`` runs over, or None for the own rows."""
    (source,) = aggregate.source_expressions
    if not isinstance(source, F):
        return None
    return reverse_relation(meta, source.name.split(LOOKUP_SEP)[0])


def _strip_prefix(q: Q, relation: str) -> Q:
    """Return ``q`` with its lookups' leading relation name (``books__``) removed."""
    prefix = relation + LOOKUP_SEP
    stripped = Q(_connector=q.connector, _negated=q.negated)
    for child in q.children:
        if isinstance(child, Q):
            stripped.children.append(_strip_prefix(child, relation))
            continue
        lookup, value = child
        if not lookup.startswith(prefix):
            raise NotSupportedError(
                f"The filter of an aggregate over {prefix[:-2]!r} must look up its fields "
                f"through it ({prefix}<field>=...), not {lookup!r}."
            )
        stripped.children.append((lookup[len(prefix) :], value))
    return stripped


def typed_binder(meta: HistoricalOptions) -> Any:
    """Return ``bind(name, raw)``: ``raw`` compared with field ``name``, typed by its column."""

    def bind(name: str, raw: Any) -> sa.ColumnElement[Any]:
        field_name, field = meta.resolve(name)
        if isinstance(raw, HistoricalModel):
            target = raw._meta
            key = getattr(field, "to_field", None) if field.is_relation else None
            raw = getattr(raw, target.attnames[key or target.pk_name])
        return sa.bindparam(None, raw, type_=meta.table.c[field_name].type)

    return bind
