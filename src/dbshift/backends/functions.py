"""Database functions (:mod:`dbshift.models.functions`) as SQLAlchemy expressions.

A ``db_default`` stays in the table definition, so a function there is compiled
with its constants inlined, by the same :class:`ValueAdapter` that writes
literal defaults; indexes and constraints over expressions do the same, with
their fields as columns, and data migrations bind constants as parameters.
Where databases spell a function differently, a ``@compiles`` function per
dialect says how.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from dbshift.exceptions import NotSupportedError
from dbshift.models.functions import (
    Aggregate,
    CombinedExpression,
    Concat,
    Func,
    Greatest,
    Least,
    Now,
    Star,
    Value,
)
from dbshift.models.query import F


class CurrentTime(FunctionElement[Any]):
    """The current time, in the form the database stores datetimes in."""

    inherit_cache = True


@compiles(CurrentTime)
def _current_time(element: CurrentTime, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(CurrentTime, "postgresql")
def _pg_current_time(element: CurrentTime, compiler: SQLCompiler, **kw: Any) -> str:
    # Django's Now(): the statement's time rather than the transaction's.
    return "STATEMENT_TIMESTAMP()"


@compiles(CurrentTime, "sqlite")
def _sqlite_current_time(element: CurrentTime, compiler: SQLCompiler, **kw: Any) -> str:
    # Text in UTC with fractions of a second, as datetimes are stored on SQLite.
    return "STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')"


class Extreme(FunctionElement[Any]):
    """``GREATEST()`` or ``LEAST()`` of several values; ``name`` says which."""

    inherit_cache = True

    def __init__(self, name: str, *arguments: Any) -> None:
        self.name = name
        super().__init__(*arguments)


@compiles(Extreme)
def _extreme(element: Extreme, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.name}({compiler.process(element.clauses, **kw)})"


@compiles(Extreme, "sqlite")
def _sqlite_extreme(element: Extreme, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's MAX() and MIN() with two or more arguments are scalar functions.
    name = "MAX" if element.name == "GREATEST" else "MIN"
    return f"{name}({compiler.process(element.clauses, **kw)})"


#: Return the column of a field name.
ColumnResolver = Callable[[str], sa.ColumnElement[Any]]
#: Return a constant as SQL.
ConstantRenderer = Callable[[Any], sa.ColumnElement[Any]]


def function_expression(
    function: Func | Value, literal: Callable[[Any], str]
) -> sa.ColumnElement[Any]:
    """Return ``function`` (a ``db_default``) as an expression; ``literal`` writes constants."""
    return expression_sql(function, lambda value: sa.literal_column(literal(value)))


def expression_sql(
    expression: Any, constant: ConstantRenderer, column: ColumnResolver | None = None
) -> sa.ColumnElement[Any]:
    """Return ``expression`` as SQL; ``column`` resolves fields (None: it may name none)."""
    if isinstance(expression, Value):
        return constant(expression.value)
    if isinstance(expression, F):
        if column is None:
            raise NotSupportedError(
                f"{expression!r} refers to field {expression.name!r}; a db_default can refer "
                f'to no column. Write text as Value("{expression.name}").'
            )
        return column(expression.name)
    if isinstance(expression, Star):
        return sa.literal_column("*")
    if isinstance(expression, CombinedExpression):
        lhs = expression_sql(expression.lhs, constant, column)
        rhs = expression_sql(expression.rhs, constant, column)
        return sa.Grouping(lhs.op(expression.connector)(rhs))
    arguments = [expression_sql(item, constant, column) for item in expression.source_expressions]
    return _function(expression, arguments)


def _function(function: Func, arguments: list[sa.ColumnElement[Any]]) -> sa.ColumnElement[Any]:
    if isinstance(function, Now):
        return CurrentTime()
    if isinstance(function, Concat):
        parts = [sa.func.coalesce(argument, sa.literal_column("''")) for argument in arguments]
        joined: sa.ColumnElement[Any] = parts[0]
        for part in parts[1:]:
            joined = joined.concat(part)
        return joined
    if isinstance(function, Greatest | Least):
        return Extreme(function.function, *arguments)
    if isinstance(function, Aggregate) and function.distinct:
        arguments = [sa.distinct(argument) for argument in arguments]
    return getattr(sa.func, function.function.lower())(*arguments)
