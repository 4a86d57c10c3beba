"""What a RunPython function runs, as text that changes only when that changes.

A function is taken as its syntax tree without its name and docstrings, plus what
it uses from outside: each global name (and ``module.attribute`` path) it reads,
resolved in its module. A function or class of the project is followed into its
own source, recursively; a constant is taken by value; a module, or anything from
the standard library or an installed package, by its name, so that upgrading a
library is not an edit. A function that does nothing is ``noop``, whatever it is
called.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from typing import Any

from dbshift.utils.imports import is_project_module

#: The fingerprint of every function whose body does nothing.
NOOP = "noop"

_LITERALS = (str, bytes, int, float, complex, bool, type(None))


def function_fingerprint(function: types.FunctionType) -> str:
    """Return the fingerprint of ``function`` and of what it uses."""
    return _Fingerprinter().function(function)


class _Fingerprinter:
    """Fingerprint functions, following each project function or class once."""

    def __init__(self) -> None:
        self.done: dict[int, str] = {}

    def function(self, function: types.FunctionType) -> str:
        if id(function) in self.done:
            return self.done[id(function)]
        # A recursive call refers to itself by name, which its caller's tree holds.
        self.done[id(function)] = f"recursion {function.__qualname__}"
        tree = _function_tree(function)
        if tree is None:
            text = f"bytecode {function.__code__.co_code.hex()}"
        elif _does_nothing(tree):
            text = NOOP
        else:
            text = ast.dump(tree) + self._uses(tree, function.__globals__)
        self.done[id(function)] = text
        return text

    def _uses(self, tree: ast.AST, namespace: dict[str, Any]) -> str:
        parts = []
        for path in sorted(_global_paths(tree, namespace)):
            value = _resolve(path, namespace)
            parts.append(f"|{'.'.join(path)}={self.value(value)}")
        return "".join(parts)

    def value(self, value: Any) -> str:
        if isinstance(value, types.ModuleType):
            return f"module {value.__name__}"
        if isinstance(value, types.FunctionType | type):
            if not is_project_module(value.__module__):
                return f"{value.__module__}.{value.__qualname__}"
            if isinstance(value, types.FunctionType):
                return self.function(value)
            return self._class(value)
        if callable(value) and hasattr(value, "__qualname__"):  # a builtin function, say
            return f"{getattr(value, '__module__', None)}.{value.__qualname__}"
        return _constant(value)

    def _class(self, cls: type) -> str:
        try:
            tree = _without_docstrings(ast.parse(textwrap.dedent(inspect.getsource(cls))))
        except (OSError, TypeError, SyntaxError):
            return f"class {cls.__module__}.{cls.__qualname__}"
        return ast.dump(tree)


def _function_tree(function: types.FunctionType) -> ast.AST | None:
    """Return the tree of ``function`` without its name and docstrings, if it has source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None
    node: ast.AST = tree
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef | ast.AsyncFunctionDef):
        node = tree.body[0]
        node.name = ""
        node.decorator_list = []
        node.returns = None
    return _without_docstrings(node)


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if node.body and _is_docstring(node.body[0]):
            node.body = node.body[1:] or [ast.Pass()]
    return tree


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _does_nothing(tree: ast.AST) -> bool:
    if not isinstance(tree, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return all(_is_empty_statement(statement) for statement in tree.body)


def _is_empty_statement(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Return):
        return statement.value is None or (
            isinstance(statement.value, ast.Constant) and statement.value.value is None
        )
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _global_paths(tree: ast.AST, namespace: dict[str, Any]) -> set[tuple[str, ...]]:
    """Return the global names ``tree`` reads, each with the attributes read from a module."""
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return {
        _attribute_path(node, parents, namespace)
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id in namespace
    }


def _attribute_path(
    name: ast.Name, parents: dict[int, ast.AST], namespace: dict[str, Any]
) -> tuple[str, ...]:
    """Return ``name`` followed by the attributes read from it while it is a module."""
    path = [name.id]
    value = namespace[name.id]
    node: ast.AST = name
    while isinstance(value, types.ModuleType):
        parent = parents.get(id(node))
        if not (isinstance(parent, ast.Attribute) and parent.value is node):
            break
        path.append(parent.attr)
        value = getattr(value, parent.attr, None)
        node = parent
    return tuple(path)


def _resolve(path: tuple[str, ...], namespace: dict[str, Any]) -> Any:
    value = namespace[path[0]]
    for attribute in path[1:]:
        value = getattr(value, attribute, None)
    return value


def _constant(value: Any) -> str:
    """Return a constant by value; any other object by its type, never by its address."""
    if isinstance(value, _LITERALS):
        return repr(value)
    if isinstance(value, list | tuple):
        return f"{type(value).__name__}({', '.join(map(_constant, value))})"
    if isinstance(value, set | frozenset):
        return f"{type(value).__name__}({', '.join(sorted(map(_constant, value)))})"
    if isinstance(value, dict):
        items = sorted(f"{_constant(key)}: {_constant(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    kind = type(value)
    return f"instance of {kind.__module__}.{kind.__qualname__}"
