"""Turning values into Python source for migration files.

Every value a field, index, constraint or operation can hold must come back
identical when the file is imported. :func:`serialize` returns an expression tree
(see :mod:`dbshift.migrations.source`) and the imports it needs, or raises
:class:`SerializationError` for values that cannot be written, such as lambdas.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import importlib
import math
import pathlib
import re
import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbshift.exceptions import SerializationError
from dbshift.migrations.source import Atom, Bracketed, Node, Prefixed, call

#: Packages whose public names migration files reach through a short import.
SHORT_IMPORTS = {
    "dbshift.models": ("models", "from dbshift import models"),
    "dbshift.migrations": ("migrations", "from dbshift import migrations"),
}


@dataclass
class Serialized:
    """An expression and the import lines it needs."""

    node: Node
    imports: set[str] = field(default_factory=set)


class Serializer:
    """Collect imports while turning values into expression nodes."""

    def __init__(self, local_names: dict[int, str] | None = None) -> None:
        self.imports: set[str] = set()
        #: Functions defined in the file being written, by ``id``, with their names there.
        self.local_names = local_names or {}

    def serialize(self, value: Any) -> Node:
        """Return the expression that rebuilds ``value``."""
        for kind, method in _DISPATCH:
            if isinstance(value, kind):
                return method(self, value)
        if isinstance(value, type):
            return self.reference(value, f"class {value!r}")
        if callable(value) and _is_function_like(value):
            return self.function(value)
        if _is_module_constant(value):
            return self.reference(value, repr(value))
        deconstruct = getattr(value, "deconstruct", None)
        if callable(deconstruct):
            return self.deconstructed(value)
        raise SerializationError(
            f"Cannot write {value!r} (of type {type(value).__qualname__}) into a migration "
            "file. Use a literal, a function defined at module level, or an object with "
            "a deconstruct() method."
        )

    # -- Names and imports -------------------------------------------------------------

    def path(self, dotted: str, module: str | None = None) -> str:
        """Return how a file names the object at import path ``dotted``, adding its import.

        ``module`` says where the path's module ends when it is known; names that
        ``dbshift.models`` or ``dbshift.migrations`` export get their short form.
        """
        module = module or dotted.rpartition(".")[0]
        qualname = dotted[len(module) + 1 :] if module else dotted
        for package, (alias, line) in SHORT_IMPORTS.items():
            if module == package or module.startswith(package + "."):
                top = qualname.split(".", 1)[0]
                exported = getattr(importlib.import_module(package), top, None)
                if exported is not None and exported is getattr(
                    importlib.import_module(module), top, None
                ):
                    self.imports.add(line)
                    return f"{alias}.{qualname}"
        if not module or module == "builtins":
            return qualname
        importable = _importable_prefix(dotted)
        self.imports.add(f"import {importable}")
        return dotted

    def reference(self, value: Any, what: str) -> Node:
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if not module or not qualname or "<locals>" in qualname or "<lambda>" in qualname:
            raise SerializationError(
                f"Cannot write {what} into a migration file: it is not defined at "
                "module level. Move it to the top level of a module."
            )
        if module == "__main__":
            raise SerializationError(
                f"Cannot write {what} into a migration file: it is defined in __main__, "
                "which a migration cannot import. Move it into a module."
            )
        return Atom(self.path(f"{module}.{qualname}", module))

    # -- Kinds of values ------------------------------------------------------------------

    def scalar(self, value: Any) -> Node:
        if isinstance(value, float) and not math.isfinite(value):
            return Atom(f'float("{value}")')
        return Atom(repr(value))

    def string(self, value: str) -> Node:
        return Atom(quote_string(value))

    def bytes_(self, value: bytes) -> Node:
        return Atom("b" + quote_string(value.decode("latin-1"), bytes_literal=True))

    def decimal_(self, value: decimal.Decimal) -> Node:
        self.imports.add("import decimal")
        return call("decimal.Decimal", [Atom(quote_string(str(value)))])

    def datetime_(self, value: datetime.datetime) -> Node:
        self.imports.add("import datetime")
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(datetime.UTC)
            text = repr(value.replace(tzinfo=None))[:-1] + ", tzinfo=datetime.timezone.utc)"
            return Atom(text)
        return Atom(repr(value))

    def date_or_time(self, value: Any) -> Node:
        self.imports.add("import datetime")
        return Atom(repr(value))

    def uuid_(self, value: uuid.UUID) -> Node:
        self.imports.add("import uuid")
        return call("uuid.UUID", [Atom(quote_string(str(value)))])

    def enum_(self, value: enum.Enum) -> Node:
        from dbshift.models.enums import Choices

        if isinstance(value, Choices):
            return self.serialize(value.value)
        cls = type(value)
        name = self.reference(cls, f"enum {cls.__qualname__}").flat()
        return Atom(f"{name}[{quote_string(value.name)}]")

    def sequence(self, value: list[Any] | tuple[Any, ...]) -> Node:
        items = [self.serialize(item) for item in value]
        if isinstance(value, list):
            return Bracketed("[", "]", items)
        return Bracketed("(", ")", items, one_tuple=len(items) == 1)

    def set_(self, value: set[Any] | frozenset[Any]) -> Node:
        items = sorted((self.serialize(item) for item in value), key=lambda node: node.flat())
        if not items:
            return Atom("set()" if isinstance(value, set) else "frozenset()")
        node = Bracketed("{", "}", items)
        return node if isinstance(value, set) else call("frozenset", [node])

    def mapping(self, value: dict[Any, Any]) -> Node:
        entries = sorted(
            ((self.serialize(key), item) for key, item in value.items()),
            key=lambda entry: entry[0].flat(),
        )
        return Bracketed(
            "{",
            "}",
            [Prefixed(key.flat() + ": ", self.serialize(item)) for key, item in entries],
        )

    def partial(self, value: functools.partial[Any]) -> Node:
        self.imports.add("import functools")
        args = [
            self.serialize(value.func),
            *(self.serialize(arg) for arg in value.args),
        ]
        kwargs = [(key, self.serialize(item)) for key, item in sorted(value.keywords.items())]
        return call("functools.partial", args, kwargs)

    def range_(self, value: range) -> Node:
        return Atom(repr(value))

    def pattern(self, value: re.Pattern[Any]) -> Node:
        self.imports.add("import re")
        args = [self.serialize(value.pattern)]
        flags = value.flags & ~re.UNICODE if isinstance(value.pattern, str) else value.flags
        if flags:
            args.append(Atom(str(int(flags))))
        return call("re.compile", args)

    def path_(self, value: pathlib.PurePath) -> Node:
        self.imports.add("import pathlib")
        cls = "PurePosixPath" if isinstance(value, pathlib.PurePosixPath) else "PureWindowsPath"
        return call(f"pathlib.{cls}", [self.serialize(str(value))])

    def function(self, value: Callable[..., Any]) -> Node:
        if id(value) in self.local_names:
            return Atom(self.local_names[id(value)])
        owner = getattr(value, "__self__", None)
        if isinstance(owner, type):
            owner_name = self.reference(owner, f"class {owner.__qualname__}").flat()
            return Atom(f"{owner_name}.{value.__name__}")
        if getattr(value, "__name__", None) == "<lambda>":
            raise SerializationError(
                "Cannot write a lambda into a migration file. Define the function at "
                "module level and refer to it by name."
            )
        return self.reference(value, f"function {getattr(value, '__qualname__', value)!r}")

    def deconstructed(self, value: Any) -> Node:
        parts = value.deconstruct()
        path, args, kwargs = parts[-3:]
        return call(
            self.path(path),
            [self.serialize(arg) for arg in args],
            [(key, self.serialize(item)) for key, item in sorted(kwargs.items())],
        )


def serialize(value: Any) -> Serialized:
    """Return the expression that rebuilds ``value`` and the imports it needs."""
    serializer = Serializer()
    node = serializer.serialize(value)
    return Serialized(node, serializer.imports)


def quote_string(value: str, bytes_literal: bool = False) -> str:
    """Return ``value`` as a string literal in the quotes ``ruff format`` prefers."""
    quote = "'" if value.count('"') > value.count("'") else '"'
    escaped = []
    for char in value:
        if char == "\\":
            escaped.append("\\\\")
        elif char == quote:
            escaped.append("\\" + char)
        elif char in "\n\r\t":
            escaped.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif bytes_literal and not (" " <= char <= "~"):
            escaped.append(f"\\x{ord(char):02x}")
        elif char.isprintable():
            escaped.append(char)
        else:
            escaped.append(repr(char)[1:-1])
    return quote + "".join(escaped) + quote


def _is_function_like(value: Any) -> bool:
    return isinstance(
        value,
        types.FunctionType
        | types.BuiltinFunctionType
        | types.MethodType
        | staticmethod
        | classmethod,
    )


def _is_module_constant(value: Any) -> bool:
    """Return whether ``value`` is a module-level object that its module exports by name."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "." in qualname:
        return False
    try:
        return getattr(importlib.import_module(module), qualname, None) is value
    except ImportError:
        return False


def _importable_prefix(dotted: str) -> str:
    """Return the longest module path at the start of ``dotted``."""
    parts = dotted.split(".")
    for end in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:end])
        try:
            importlib.import_module(candidate)
        except ImportError:
            continue
        return candidate
    return parts[0]


_DISPATCH: list[tuple[type | tuple[type, ...], Callable[[Serializer, Any], Node]]] = [
    (bool, Serializer.scalar),
    (enum.Enum, Serializer.enum_),
    (str, Serializer.string),
    (bytes, Serializer.bytes_),
    ((int, float, type(None)), Serializer.scalar),
    (decimal.Decimal, Serializer.decimal_),
    (datetime.datetime, Serializer.datetime_),
    ((datetime.date, datetime.time, datetime.timedelta), Serializer.date_or_time),
    (uuid.UUID, Serializer.uuid_),
    ((list, tuple), Serializer.sequence),
    ((set, frozenset), Serializer.set_),
    (dict, Serializer.mapping),
    (functools.partial, Serializer.partial),
    (range, Serializer.range_),
    (re.Pattern, Serializer.pattern),
    (pathlib.PurePath, Serializer.path_),
]
