"""Checksums of what a migration does, to notice applied migrations edited later.

The checksum covers the migration's operations and dependencies as written, in a
canonical form: each operation as the writer would write it on one line, and the
code of Python functions as a syntax tree. Reformatting a file, reordering keyword
arguments or editing comments changes nothing; changing what runs changes it.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import textwrap
import types
from typing import Any

from dbshift.exceptions import SerializationError
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.migrations.writer import MigrationWriter
from dbshift.utils.deconstruct import deep_deconstruct


def canonical_operations(migration: Migration) -> list[str]:
    """Return each operation of ``migration`` as one canonical line."""
    writer = MigrationWriter(migration)
    return [_canonical(writer, operation) for operation in migration.operations]


def migration_checksum(migration: Migration) -> str:
    """Return the hex SHA-256 of the migration's operations and dependencies."""
    document = {
        "dependencies": sorted(list(key) for key in migration.dependencies),
        "replaces": sorted(list(key) for key in migration.replaces),
        "run_before": sorted(list(key) for key in migration.run_before),
        "atomic": migration.atomic,
        "operations": canonical_operations(migration),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(writer: MigrationWriter, operation: Operation) -> str:
    try:
        text = writer.operation_node(operation).flat()
    except SerializationError:
        text = repr(deep_deconstruct(operation.deconstruct()))
    code = [_code_fingerprint(value) for value in _functions(operation)]
    return text + "".join(f"|{fingerprint}" for fingerprint in code)


def _functions(operation: Operation) -> list[Any]:
    _name, kwargs = operation.deconstruct()
    return [value for value in kwargs.values() if isinstance(value, types.FunctionType)]


def _code_fingerprint(function: types.FunctionType) -> str:
    """Return the syntax tree of ``function``'s source, or its bytecode if no source."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
        return ast.dump(ast.parse(source))
    except (OSError, TypeError, SyntaxError):
        return function.__code__.co_code.hex()
