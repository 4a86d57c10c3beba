"""Objects that can be written into a migration file and read back.

Anything the writer cannot represent as a literal must say how to rebuild itself:
``deconstruct()`` returns the importable path of its class and the arguments to
call it with. :func:`deep_deconstruct` turns a whole value into plain, comparable
data, which is how states, fields and operations are compared.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def deconstructible(cls: T, *, path: str | None = None) -> T:
    """Record constructor arguments so that instances can deconstruct themselves.

    Use it on classes whose instances appear in models or migrations (validators,
    custom defaults). ``path`` is the import path written into migration files.
    """

    original_new = cls.__new__

    def __new__(klass: type, *args: Any, **kwargs: Any) -> Any:
        if original_new is object.__new__:
            obj: Any = object.__new__(klass)
        else:
            obj = original_new(klass, *args, **kwargs)
        obj._constructor_args = (args, kwargs)
        return obj

    def deconstruct(self: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        args, kwargs = self._constructor_args
        return (path or f"{cls.__module__}.{cls.__qualname__}", args, kwargs)

    def __eq__(self: Any, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return deep_deconstruct(self) == deep_deconstruct(other)

    cls.__new__ = staticmethod(__new__)  # type: ignore[assignment]
    cls.deconstruct = deconstruct  # type: ignore[attr-defined]
    if "__eq__" not in cls.__dict__:
        cls.__eq__ = __eq__  # type: ignore[assignment]
        cls.__hash__ = None  # type: ignore[assignment]
    return cls


def deep_deconstruct(value: Any) -> Any:
    """Return ``value`` as nested tuples of plain data, equal when values are equal."""
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(deep_deconstruct(item) for item in value))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(deep_deconstruct(item) for item in value))
    if isinstance(value, dict):
        return ("dict", _sorted_items(value))
    if isinstance(value, functools.partial):
        return (
            "partial",
            deep_deconstruct(value.func),
            deep_deconstruct(value.args),
            deep_deconstruct(value.keywords),
        )
    deconstruct: Callable[[], Any] | None = getattr(value, "deconstruct", None)
    if deconstruct is not None and not isinstance(value, type):
        parts = deconstruct()
        path, args, kwargs = parts[-3:]
        return (
            "object",
            path,
            tuple(deep_deconstruct(arg) for arg in args),
            _sorted_items(kwargs),
        )
    return value


def _sorted_items(mapping: dict[Any, Any]) -> tuple[tuple[Any, Any], ...]:
    items = [(key, deep_deconstruct(item)) for key, item in mapping.items()]
    try:
        return tuple(sorted(items, key=operator.itemgetter(0)))
    except TypeError:
        return tuple(sorted(items, key=lambda item: repr(item[0])))
