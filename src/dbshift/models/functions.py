"""Database functions for ``db_default``: ``Now()``, ``Lower()``, ``Concat()``...

Like Django's, each is a declaration: the backends turn it into SQL for their
database (:mod:`dbshift.backends.functions`). A plain string argument names a
field, as in Django; a ``db_default`` can refer to no column, so text goes in
``Value("...")``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dbshift.models.query import F
from dbshift.utils.deconstruct import deconstructible

__all__ = ["Coalesce", "Concat", "Func", "Lower", "Now", "Upper", "Value"]


class Func:
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
    if isinstance(value, Func | Value | F):
        return value
    return F(value) if isinstance(value, str) else Value(value)


class Value:
    """A constant, written as an SQL literal."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


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


for _cls in (Value, Now, Lower, Upper, Coalesce, Concat):
    deconstructible(_cls, path=f"dbshift.models.functions.{_cls.__name__}")
