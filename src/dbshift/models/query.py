"""Conditions over field lookups: ``Q`` objects and ``F`` references.

They appear in check constraints, partial indexes and, for data migrations, in
queries. Here they are only a tree of ``(lookup, value)`` pairs; the backends turn
them into SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dbshift.utils.deconstruct import deep_deconstruct

if TYPE_CHECKING:
    from dbshift.models.functions import CombinedExpression, OrderBy

LOOKUP_SEP = "__"


class Combinable:
    """Arithmetic on expressions, which builds a :class:`CombinedExpression`."""

    def _combine(self, operator: str, other: Any, reversed_: bool = False) -> CombinedExpression:
        from dbshift.models.functions import CombinedExpression, Value, is_expression

        # A constant is written Value(2), as Django writes it into migration files.
        other = other if is_expression(other) else Value(other)
        if reversed_:
            return CombinedExpression(other, operator, self)
        return CombinedExpression(self, operator, other)

    def __add__(self, other: Any) -> CombinedExpression:
        return self._combine("+", other)

    def __sub__(self, other: Any) -> CombinedExpression:
        return self._combine("-", other)

    def __mul__(self, other: Any) -> CombinedExpression:
        return self._combine("*", other)

    def __truediv__(self, other: Any) -> CombinedExpression:
        return self._combine("/", other)

    def __radd__(self, other: Any) -> CombinedExpression:
        return self._combine("+", other, reversed_=True)

    def __rsub__(self, other: Any) -> CombinedExpression:
        return self._combine("-", other, reversed_=True)

    def __rmul__(self, other: Any) -> CombinedExpression:
        return self._combine("*", other, reversed_=True)

    def __rtruediv__(self, other: Any) -> CombinedExpression:
        return self._combine("/", other, reversed_=True)

    def asc(self) -> OrderBy:
        """Return this expression in ascending order, for an index."""
        from dbshift.models.functions import OrderBy

        return OrderBy(self)

    def desc(self) -> OrderBy:
        """Return this expression in descending order, for an index."""
        from dbshift.models.functions import OrderBy

        return OrderBy(self, descending=True)


class F(Combinable):
    """A reference to another column of the same row, e.g. ``Q(end__gt=F("start"))``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return ("dbshift.models.F", (self.name,), {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, F) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("F", self.name))

    def __repr__(self) -> str:
        return f"F({self.name!r})"


class Q:
    """A condition: lookups joined by AND or OR, possibly negated."""

    AND = "AND"
    OR = "OR"
    default = AND

    def __init__(
        self,
        *args: Any,
        _connector: str | None = None,
        _negated: bool = False,
        **kwargs: Any,
    ) -> None:
        self.children: list[Any] = [*args, *sorted(kwargs.items())]
        self.connector = _connector or self.default
        if self.connector not in (self.AND, self.OR):
            raise ValueError(f"Q connector must be 'AND' or 'OR', not {self.connector!r}.")
        self.negated = _negated

    def _combine(self, other: object, connector: str) -> Q:
        if not isinstance(other, Q):
            raise TypeError(f"Cannot combine Q with {type(other).__name__}.")
        if not other.children:
            return self.copy()
        if not self.children:
            return other.copy()
        combined = Q(_connector=connector)
        for part in (self, other):
            if not part.negated and (part.connector == connector or len(part.children) == 1):
                combined.children.extend(part.children)
            else:
                combined.children.append(part)
        return combined

    def __and__(self, other: object) -> Q:
        return self._combine(other, self.AND)

    def __or__(self, other: object) -> Q:
        return self._combine(other, self.OR)

    def __invert__(self) -> Q:
        inverted = self.copy()
        inverted.negated = not self.negated
        return inverted

    def copy(self) -> Q:
        """Return a shallow copy with its own list of children."""
        clone = Q(_connector=self.connector, _negated=self.negated)
        clone.children = list(self.children)
        return clone

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self.connector != self.default:
            kwargs["_connector"] = self.connector
        if self.negated:
            kwargs["_negated"] = True
        return ("dbshift.models.Q", tuple(self.children), kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Q) and deep_deconstruct(self) == deep_deconstruct(other)

    def __hash__(self) -> int:
        return hash(repr(deep_deconstruct(self)))

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(repr(child) for child in self.children)
        return f"<Q{' NOT' if self.negated else ''} ({inner})>"

    def lookups(self) -> Iterator[tuple[str, Any]]:
        """Yield every ``(lookup, value)`` pair of the tree."""
        for child in self.children:
            if isinstance(child, Q):
                yield from child.lookups()
            else:
                yield child

    def referenced_fields(self) -> set[str]:
        """Return the names of fields that the condition reads."""
        names = set()
        for lookup, value in self.lookups():
            names.add(lookup.split(LOOKUP_SEP, 1)[0])
            if isinstance(value, F):
                names.add(value.name.split(LOOKUP_SEP, 1)[0])
        return names

    def with_field_renamed(self, old: str, new: str) -> Q:
        """Return this condition with references to field ``old`` made to ``new``."""

        def rename(name: str) -> str:
            head, sep, tail = name.partition(LOOKUP_SEP)
            return new + sep + tail if head == old else name

        renamed = Q(_connector=self.connector, _negated=self.negated)
        for child in self.children:
            if isinstance(child, Q):
                renamed.children.append(child.with_field_renamed(old, new))
            else:
                lookup, value = child
                if isinstance(value, F):
                    value = F(rename(value.name))
                renamed.children.append((rename(lookup), value))
        return renamed
