"""Conditions (``Q`` trees of field lookups) as SQLAlchemy expressions.

Check constraints and partial indexes use them with inlined literals; a data
migration ORM can use them with bound parameters. The caller decides how a field
becomes a column and how a value becomes SQL, through two small callbacks, so the
same lookups serve both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from dbshift.backends.functions import expression_sql
from dbshift.exceptions import NotSupportedError
from dbshift.models.functions import is_expression
from dbshift.models.query import LOOKUP_SEP, F, Q

#: Return the column of a field name (or attribute name such as ``author_id``).
ColumnResolver = Callable[[str], sa.ColumnElement[Any]]
#: Return the SQL element for a Python value compared with field ``name``.
ValueRenderer = Callable[[str, Any], sa.ColumnElement[Any]]

LIKE_ESCAPE = "\\"


def condition(q: Q, column: ColumnResolver, value: ValueRenderer) -> sa.ColumnElement[bool]:
    """Return the SQL condition that ``q`` describes."""
    parts = [
        condition(child, column, value) if isinstance(child, Q) else _lookup(child, column, value)
        for child in q.children
    ]
    joined = sa.and_(*parts) if q.connector == Q.AND else sa.or_(*parts)
    return sa.not_(joined) if q.negated else joined


def _lookup(
    child: tuple[str, Any], column: ColumnResolver, value: ValueRenderer
) -> sa.ColumnElement[bool]:
    path, raw = child
    name, _, lookup = path.partition(LOOKUP_SEP)
    lookup = lookup or "exact"
    build = LOOKUPS.get(lookup)
    if build is None:
        raise NotSupportedError(
            f"Lookup {path!r} is not supported in conditions; use one of "
            f"{', '.join(sorted(LOOKUPS))} on a field of the same model."
        )
    return build(column(name), name, raw, column, value)


def _operand(name: str, raw: Any, column: ColumnResolver, value: ValueRenderer) -> Any:
    if isinstance(raw, F):
        if LOOKUP_SEP in raw.name:
            raise NotSupportedError(
                f"F({raw.name!r}): references across relations are not supported."
            )
        return column(raw.name)
    if is_expression(raw):
        # F("start") + 1, Lower("name"): its constants are typed like the compared field.
        return expression_sql(raw, lambda constant: value(name, constant), column)
    return value(name, raw)


def _exact(col: Any, name: str, raw: Any, column: ColumnResolver, value: ValueRenderer) -> Any:
    if raw is None:
        return col.is_(None)
    return col == _operand(name, raw, column, value)


def _iexact(col: Any, name: str, raw: Any, column: ColumnResolver, value: ValueRenderer) -> Any:
    if raw is None:
        return col.is_(None)
    return sa.func.upper(col) == sa.func.upper(_operand(name, raw, column, value))


def _comparison(operator: str) -> Callable[..., Any]:
    def build(col: Any, name: str, raw: Any, column: ColumnResolver, value: ValueRenderer) -> Any:
        return col.operate(OPERATORS[operator], _operand(name, raw, column, value))

    return build


OPERATORS = {
    "gt": sa.sql.operators.gt,
    "gte": sa.sql.operators.ge,
    "lt": sa.sql.operators.lt,
    "lte": sa.sql.operators.le,
}


def _in(col: Any, name: str, raw: Any, column: ColumnResolver, value: ValueRenderer) -> Any:
    items = [item for item in raw if item is not None]
    if not items:
        # Django: ``field__in=[]`` matches nothing.
        return sa.false()
    return col.in_([_operand(name, item, column, value) for item in items])


def _isnull(col: Any, name: str, raw: Any, column: ColumnResolver, value: ValueRenderer) -> Any:
    return col.is_(None) if raw else col.is_not(None)


def _pattern(prefix: str, suffix: str, insensitive: bool) -> Callable[..., Any]:
    def build(col: Any, name: str, raw: Any, column: ColumnResolver, value: ValueRenderer) -> Any:
        if isinstance(raw, F):
            raise NotSupportedError(
                "Pattern lookups (contains, startswith) cannot compare with F()."
            )
        escaped = (
            str(raw)
            .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
            .replace("%", LIKE_ESCAPE + "%")
            .replace("_", LIKE_ESCAPE + "_")
        )
        pattern = value(name, f"{prefix}{escaped}{suffix}")
        if insensitive:
            return col.ilike(pattern, escape=LIKE_ESCAPE)
        return col.like(pattern, escape=LIKE_ESCAPE)

    return build


LOOKUPS: dict[str, Callable[..., Any]] = {
    "exact": _exact,
    "iexact": _iexact,
    "gt": _comparison("gt"),
    "gte": _comparison("gte"),
    "lt": _comparison("lt"),
    "lte": _comparison("lte"),
    "in": _in,
    "isnull": _isnull,
    "contains": _pattern("%", "%", insensitive=False),
    "icontains": _pattern("%", "%", insensitive=True),
    "startswith": _pattern("", "%", insensitive=False),
    "istartswith": _pattern("", "%", insensitive=True),
    "endswith": _pattern("%", "", insensitive=False),
    "iendswith": _pattern("%", "", insensitive=True),
}
