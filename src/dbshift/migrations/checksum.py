"""Checksums of what a migration does, to notice applied migrations edited later.

The checksum covers the migration's operations and dependencies as written (not
``replaces``, which a squash drops once the migrations it replaced are gone), in a
canonical form: each operation as the writer would write it on one line, and the
code of Python functions as a syntax tree. Reformatting a file, reordering keyword
arguments or editing comments changes nothing; changing what runs changes it.

Stored form: the version of this scheme, the SHA-256 of the whole, then a short
digest per operation (``1:<sha256>:<op1>,<op2>,…``), so that a changed migration
can be explained operation by operation, and a checksum written by another
version of the scheme is recognised as such rather than taken for an edit.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import json
import textwrap
import types
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dbshift.exceptions import SerializationError
from dbshift.migrations.codecopy import operation_functions
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.utils.deconstruct import deep_deconstruct

if TYPE_CHECKING:
    from dbshift.migrations.writer import MigrationWriter

#: Hex digits kept of each operation's digest.
OPERATION_DIGEST_LENGTH = 12

#: The version of the canonical form; bump it whenever that form changes.
SCHEME = "1"


@dataclass(frozen=True)
class Checksum:
    """The digest of a whole migration and of each of its operations."""

    whole: str
    operations: tuple[str, ...]
    scheme: str = SCHEME

    def __str__(self) -> str:
        return f"{self.scheme}:{self.whole}:{','.join(self.operations)}"

    @classmethod
    def parse(cls, text: str) -> Checksum:
        scheme, _, rest = text.partition(":")
        whole, _, operations = rest.partition(":")
        return cls(whole, tuple(filter(None, operations.split(","))), scheme)

    @property
    def comparable(self) -> bool:
        """Return whether this checksum was computed the way this dbshift computes them."""
        return self.scheme == SCHEME


def canonical_operations(migration: Migration) -> list[str]:
    """Return each operation of ``migration`` as one canonical line."""
    # The writer (and its serializers) is needed only when a migration is read from
    # its file rather than from the history index.
    from dbshift.migrations.writer import MigrationWriter

    writer = MigrationWriter(migration)
    return [_canonical(writer, operation) for operation in migration.operations]


def migration_checksum(migration: Migration) -> Checksum:
    """Return the checksum of the migration's operations and dependencies."""
    operations = canonical_operations(migration)
    document = {
        "dependencies": sorted(list(key) for key in migration.dependencies),
        "run_before": sorted(list(key) for key in migration.run_before),
        "atomic": migration.atomic,
        "operations": operations,
    }
    whole = _digest(json.dumps(document, sort_keys=True, separators=(",", ":")))
    return Checksum(whole, tuple(_digest(line)[:OPERATION_DIGEST_LENGTH] for line in operations))


def describe_changes(recorded: Checksum, migration: Migration) -> list[str]:
    """Return how ``migration`` differs from what was recorded, operation by operation."""
    current = migration_checksum(migration)
    if current.whole == recorded.whole:
        return []
    lines = []
    matcher = difflib.SequenceMatcher(a=recorded.operations, b=current.operations, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        # A replaced block pairs old and new operations in order; what is left over
        # on the new side was added.
        paired = old_end - old_start if tag == "replace" else 0
        for index in range(new_start, new_end):
            verb = "changed" if index - new_start < paired else "added"
            lines.append(f"operation {index + 1} ({migration.operations[index].describe()}) {verb}")
        removed = (old_end - old_start) - (new_end - new_start) if tag == "replace" else 0
        if tag == "delete":
            removed = old_end - old_start
        if removed > 0:
            lines.append(f"{removed} operation(s) removed after operation {new_start}")
    if not lines:
        lines.append("its dependencies or its atomic flag changed")
    return lines


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(writer: MigrationWriter, operation: Operation) -> str:
    try:
        text = writer.operation_node(operation).flat()
    except SerializationError:
        text = repr(deep_deconstruct(operation.deconstruct()))
    code = [_code_fingerprint(value) for value in operation_functions(operation)]
    return text + "".join(f"|{fingerprint}" for fingerprint in code)


def _code_fingerprint(function: types.FunctionType) -> str:
    """Return the syntax tree of ``function``'s source, or its bytecode if no source."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
        return ast.dump(ast.parse(source))
    except (OSError, TypeError, SyntaxError):
        return function.__code__.co_code.hex()
