"""Database functions (:mod:`dbshift.models.functions`) as SQLAlchemy expressions.

A ``db_default`` stays in the table definition, so a function there is compiled
with its constants inlined, by the same :class:`ValueAdapter` that writes
literal defaults. Where databases spell a function differently, a ``@compiles``
function per dialect says how.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from dbshift.exceptions import NotSupportedError
from dbshift.models.functions import Concat, Func, Now, Value
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


def function_expression(
    function: Func | Value, literal: Callable[[Any], str]
) -> sa.ColumnElement[Any]:
    """Return ``function`` as an expression; ``literal`` writes constants as SQL."""
    if isinstance(function, Value):
        return sa.literal_column(literal(function.value))
    arguments = [_argument(function, item, literal) for item in function.source_expressions]
    if isinstance(function, Now):
        return CurrentTime()
    if isinstance(function, Concat):
        parts = [sa.func.coalesce(argument, sa.literal_column("''")) for argument in arguments]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined.concat(part)
        return joined
    return getattr(sa.func, function.function.lower())(*arguments)


def _argument(function: Func, item: Any, literal: Callable[[Any], str]) -> sa.ColumnElement[Any]:
    if isinstance(item, F):
        raise NotSupportedError(
            f"{function!r} refers to field {item.name!r}; a db_default can refer to no "
            f'column. Write text as Value("{item.name}").'
        )
    return function_expression(item, literal)
