"""Database functions: ``Now()``, ``Lower()``, ``Concat()``, ``Count()``...

Like Django's, each is a declaration: the backends turn it into SQL for their
database (:mod:`dbshift.backends.functions`), in a ``db_default``, an index or
constraint over expressions, or a data migration's ``update()``, ``filter()`` and
``annotate()``. A plain string argument names a field, as in Django; a
``db_default`` can refer to no column, so text goes in ``Value("...")``.
Expressions combine with ``+ - * /`` (``F("views") + 1``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from dbshift.models.query import Combinable, F
from dbshift.utils.deconstruct import deconstructible

__all__ = [
    "Abs",
    "Avg",
    "Coalesce",
    "CombinedExpression",
    "Concat",
    "Count",
    "Func",
    "Greatest",
    "Least",
    "Length",
    "Lower",
    "Max",
    "Min",
    "Now",
    "NullIf",
    "OrderBy",
    "RawSQL",
    "Replace",
    "Round",
    "Substr",
    "Sum",
    "Trim",
    "Upper",
    "Value",
]


class Func(Combinable):
    """A function of the database applied to expressions."""

    #: The SQL function, the same on every database (a backend may write others).
    function: ClassVar[str] = ""
    #: The fewest arguments the function takes.
    arity: ClassVar[int] = 0

    def __init__(self, *expressions: Any) -> None:
        if len(expressions) < self.arity:
            raise TypeError(
                f"{type(self).__name__}() takes at least {self.arity} argument(s), "
                f"got {len(expressions)}"
            )
        self.source_expressions = [_as_expression(value) for value in expressions]

    def __repr__(self) -> str:
        arguments = ", ".join(map(repr, self.source_expressions))
        return f"{type(self).__name__}({arguments})"


def _as_expression(value: Any) -> Any:
    """Return ``value`` as an expression: a string is a field, anything else a value."""
    if is_expression(value):
        return value
    return F(value) if isinstance(value, str) else Value(value)


def _as_operand(value: Any) -> Any:
    """Return ``value`` as the operand of arithmetic: an expression, or a constant."""
    return value if is_expression(value) else Value(value)


def is_expression(value: Any) -> bool:
    """Return whether ``value`` is an expression the database computes (not a constant)."""
    return isinstance(value, Func | Value | F | CombinedExpression | Star | OrderBy)


def referenced_fields(expression: Any) -> set[str]:
    """Return the names of the fields that ``expression`` reads."""
    if isinstance(expression, F):
        return {expression.name}
    if isinstance(expression, CombinedExpression):
        return referenced_fields(expression.lhs) | referenced_fields(expression.rhs)
    if isinstance(expression, OrderBy):
        return referenced_fields(expression.expression)
    if isinstance(expression, Func):
        return set().union(*(referenced_fields(item) for item in expression.source_expressions))
    return set()


def with_field_renamed(expression: Any, old: str, new: str) -> Any:
    """Return ``expression`` rebuilt with field ``old`` called ``new``.

    Every expression records the arguments it was built with; a bare string among
    them names a field, as it does when the expression is written.
    """
    if isinstance(expression, F):
        return F(new) if expression.name == old else expression
    if isinstance(expression, str):
        return new if expression == old else expression
    if isinstance(expression, Value) or not hasattr(expression, "_constructor_args"):
        return expression
    args, kwargs = expression._constructor_args
    if isinstance(expression, CombinedExpression):
        lhs, connector, rhs = args
        return CombinedExpression(
            with_field_renamed(lhs, old, new), connector, with_field_renamed(rhs, old, new)
        )
    return type(expression)(
        *(with_field_renamed(arg, old, new) for arg in args),
        **{key: with_field_renamed(value, old, new) for key, value in kwargs.items()},
    )


class OrderBy:
    """An expression in an index, ascending or descending: ``F("name").desc()``."""

    def __init__(self, expression: Any, descending: bool = False) -> None:
        self.expression = _as_expression(expression)
        self.descending = descending

    def __repr__(self) -> str:
        return f"OrderBy({self.expression!r}, descending={self.descending})"


class CombinedExpression(Combinable):
    """Two expressions joined by an arithmetic operator: ``F("views") + 1``."""

    OPERATORS = ("+", "-", "*", "/")

    def __init__(self, lhs: Any, connector: str, rhs: Any) -> None:
        if connector not in self.OPERATORS:
            raise TypeError(f"Unknown operator {connector!r}; use one of {self.OPERATORS}.")
        self.lhs = _as_operand(lhs)
        self.connector = connector
        self.rhs = _as_operand(rhs)

    def __repr__(self) -> str:
        return f"{self.lhs!r} {self.connector} {self.rhs!r}"


class Value(Combinable):
    """A constant, written as an SQL literal."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


class RawSQL:
    """SQL text the database evaluates as it is, such as the condition of a check constraint.

    Django's ``RawSQL``: the text names columns, not fields, so renaming a field
    leaves it as written. dbshift takes it where a condition is SQL text only (a
    ``CheckConstraint``), with no ``params``.
    """

    def __init__(self, sql: str, params: Any = (), output_field: Any = None) -> None:
        self.sql = sql
        self.params = params
        self.output_field = output_field

    def __repr__(self) -> str:
        return f"RawSQL({self.sql!r})"


class Now(Func):
    """The time the current transaction (PostgreSQL: statement) started."""


class Lower(Func):
    function = "LOWER"
    arity = 1


class Upper(Func):
    function = "UPPER"
    arity = 1


class Coalesce(Func):
    """The first of its arguments that is not NULL."""

    function = "COALESCE"
    arity = 2


class Concat(Func):
    """Its arguments joined as text; a NULL argument counts as the empty string."""

    arity = 2


class Length(Func):
    """The number of characters of a text."""

    function = "LENGTH"
    arity = 1


class Trim(Func):
    function = "TRIM"
    arity = 1


class Replace(Func):
    """A text with every ``text`` in it replaced by ``replacement`` (default: removed)."""

    function = "REPLACE"
    arity = 2

    def __init__(self, expression: Any, text: Any, replacement: Any = None) -> None:
        replacement = Value("") if replacement is None else replacement
        super().__init__(expression, text, replacement)


class Substr(Func):
    """``length`` characters (or the rest) of a text from position ``pos`` (1 is the first)."""

    function = "SUBSTR"
    arity = 2

    def __init__(self, expression: Any, pos: Any, length: Any = None) -> None:
        parts: tuple[Any, ...] = (expression, Value(pos) if isinstance(pos, int) else pos)
        if length is not None:
            parts += (Value(length) if isinstance(length, int) else length,)
        super().__init__(*parts)


class NullIf(Func):
    """NULL when both arguments are equal, else the first."""

    function = "NULLIF"
    arity = 2


class Greatest(Func):
    """The largest of its arguments (SQLite: ``MAX()`` with several arguments)."""

    function = "GREATEST"
    arity = 2


class Least(Func):
    """The smallest of its arguments (SQLite: ``MIN()`` with several arguments)."""

    function = "LEAST"
    arity = 2


class Abs(Func):
    function = "ABS"
    arity = 1


class Round(Func):
    function = "ROUND"
    arity = 1

    def __init__(self, expression: Any, precision: int = 0) -> None:
        super().__init__(expression, *([Value(precision)] if precision else []))


class Aggregate(Func):
    """A function over the rows of a group: in ``annotate()`` or ``aggregate()``."""

    arity = 1

    def __init__(self, expression: Any, distinct: bool = False, filter: Any = None) -> None:
        super().__init__(expression)
        self.distinct = distinct
        self.filter = filter

    @property
    def default_alias(self) -> str:
        """Return the name Django gives an unnamed aggregate: ``<field>__<function>``."""
        (source,) = self.source_expressions
        if not isinstance(source, F):
            raise TypeError(f"{self!r} needs a name: pass it as annotate(name={self!r}).")
        return f"{source.name}__{type(self).__name__.lower()}"


class Count(Aggregate):
    """The number of rows (``Count("*")``), or of values that are not NULL."""

    function = "COUNT"

    def __init__(self, expression: Any, distinct: bool = False, filter: Any = None) -> None:
        super().__init__(Star() if expression == "*" else expression, distinct, filter)


class Star:
    """``*`` in ``COUNT(*)``."""

    def __repr__(self) -> str:
        return "'*'"


class Max(Aggregate):
    function = "MAX"


class Min(Aggregate):
    function = "MIN"


class Sum(Aggregate):
    function = "SUM"


class Avg(Aggregate):
    function = "AVG"


deconstructible(OrderBy, path="dbshift.models.OrderBy")
deconstructible(RawSQL, path="dbshift.models.RawSQL")
for _cls in (
    Value,
    Now,
    Lower,
    Upper,
    Coalesce,
    Concat,
    CombinedExpression,
    Length,
    Trim,
    Replace,
    Substr,
    NullIf,
    Greatest,
    Least,
    Abs,
    Round,
    Count,
    Max,
    Min,
    Sum,
    Avg,
):
    deconstructible(_cls, path=f"dbshift.models.functions.{_cls.__name__}")
