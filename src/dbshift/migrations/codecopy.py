"""Copying RunPython functions out of migration files into a new one.

A squash (or an optimized migration) that keeps a RunPython must still run once
the files it replaces are deleted, so functions defined in those files are copied
into the new file together with what they use from their module: the imports and
the top-level functions, classes and constants they name, recursively. A name
already taken in the new file gets the source migration's number as a suffix.
"""

from __future__ import annotations

import ast
import inspect
import io
import sys
import tokenize
import types
from collections.abc import Iterable
from dataclasses import dataclass, field

from dbshift.exceptions import SerializationError
from dbshift.migrations.operations.base import Operation

#: Names the written file defines itself.
RESERVED = frozenset({"migrations", "models", "Migration"})


@dataclass
class CopiedCode:
    """Module-level code for a new migration file and the names functions got there."""

    imports: set[str] = field(default_factory=set)
    blocks: list[str] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def is_migration_function(value: object) -> bool:
    """Return whether ``value`` is a top-level function of a migration module."""
    return (
        isinstance(value, types.FunctionType)
        and ".migrations." in value.__module__
        and "." not in value.__qualname__
    )


def copy_functions(functions: Iterable[types.FunctionType]) -> CopiedCode:
    """Return the code that defines ``functions`` (and what they need) in a new file."""
    copied = CopiedCode()
    taken: set[str] = set(RESERVED)
    by_module: dict[str, list[types.FunctionType]] = {}
    for function in functions:
        if id(function) not in {id(f) for f in by_module.get(function.__module__, [])}:
            by_module.setdefault(function.__module__, []).append(function)
    for module_name, module_functions in by_module.items():
        _copy_module(module_name, module_functions, copied, taken)
    return copied


def _copy_module(
    module_name: str, functions: list[types.FunctionType], copied: CopiedCode, taken: set[str]
) -> None:
    module = sys.modules[module_name]
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError) as err:
        raise SerializationError(
            f"Cannot copy functions from {module_name}: its source is not available."
        ) from err
    tree = ast.parse(source)
    definitions, imports = _top_level(tree)
    needed = _closure({function.__name__ for function in functions}, definitions, imports)
    suffix = module_name.rpartition(".")[2].split("_", 1)[0]
    renames = {name: f"{name}_{suffix}" for name in needed if name in definitions and name in taken}
    lines = source.splitlines()
    for node in tree.body:
        names = _defined_names(node)
        if names & needed and not isinstance(node, ast.Import | ast.ImportFrom):
            copied.blocks.append(_rename(_node_source(lines, node), renames))
            taken.update(renames.get(name, name) for name in names)
        elif isinstance(node, ast.Import | ast.ImportFrom) and names & needed:
            text = ast.unparse(node)
            if not text.startswith("from dbshift import"):
                copied.imports.add(text)
    for function in functions:
        copied.names[id(function)] = renames.get(function.__name__, function.__name__)


def _top_level(tree: ast.Module) -> tuple[dict[str, ast.stmt], dict[str, ast.stmt]]:
    definitions: dict[str, ast.stmt] = {}
    imports: dict[str, ast.stmt] = {}
    for node in tree.body:
        target = imports if isinstance(node, ast.Import | ast.ImportFrom) else definitions
        for name in _defined_names(node):
            target[name] = node
    return definitions, imports


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def _closure(
    start: set[str], definitions: dict[str, ast.stmt], imports: dict[str, ast.stmt]
) -> set[str]:
    """Return ``start`` plus every top-level name they use, transitively."""
    needed: set[str] = set()
    pending = list(start)
    while pending:
        name = pending.pop()
        if name in needed or name == "Migration":
            continue
        needed.add(name)
        node = definitions.get(name)
        if node is None:
            continue
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and (child.id in definitions or child.id in imports):
                pending.append(child.id)
    return needed


def _node_source(lines: list[str], node: ast.stmt) -> str:
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(decorator.lineno for decorator in decorators)])
    return "\n".join(lines[first - 1 : node.end_lineno])


def _rename(source: str, renames: dict[str, str]) -> str:
    """Rename identifiers (not attributes) in ``source`` token by token."""
    if not renames:
        return source
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    result = []
    previous = None
    for token in tokens:
        if token.type == tokenize.NAME and token.string in renames and previous != ".":
            token = token._replace(string=renames[token.string])
        result.append(token)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.string
    return tokenize.untokenize(result)


def operation_functions(operation: Operation) -> list[types.FunctionType]:
    """Return the Python functions an operation (or the operations inside it) calls."""
    _name, kwargs = operation.deconstruct()
    found = []
    for value in kwargs.values():
        if isinstance(value, types.FunctionType):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Operation):
                    found += operation_functions(item)
    return found
