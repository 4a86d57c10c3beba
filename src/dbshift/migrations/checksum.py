"""Checksums of what a migration does, to notice applied migrations edited later.

The checksum covers the migration's operations and dependencies as written (not
``replaces``, which a squash drops once the migrations it replaced are gone), in a
canonical form: each operation as the writer would write it on one line, with
model names in lower case, SQL without its layout (runs of whitespace, spaces
around punctuation, trailing semicolons), and each Python function as what it runs
(:mod:`~dbshift.migrations.fingerprint`). Reformatting a file, reordering keyword
arguments, editing comments or docstrings changes nothing; changing what runs
changes it. docs/checksums.md says the same for users.

Stored form: the version of this scheme, the SHA-256 of the whole, then a short
digest per operation (``2:<sha256>:<op1>,<op2>,…``), so that a changed migration
can be explained operation by operation. A checksum recorded under an earlier
scheme is compared with the file's checksum computed under that scheme, so that
a new scheme never reads as an edit; one from an unknown (later) scheme is not
compared at all.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import json
import re
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbshift.exceptions import SerializationError
from dbshift.migrations.codecopy import operation_functions
from dbshift.migrations.fingerprint import function_fingerprint
from dbshift.migrations.migration import Migration
from dbshift.migrations.operations.base import Operation
from dbshift.utils.deconstruct import deep_deconstruct

if TYPE_CHECKING:
    from dbshift.migrations.writer import MigrationWriter

#: Hex digits kept of each operation's digest.
OPERATION_DIGEST_LENGTH = 12

#: The version of the canonical form; bump it whenever that form changes, and keep
#: the former one in ``_CANONICAL_FORMS`` for the checksums recorded with it.
SCHEME = "2"


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
        """Return whether this dbshift can compute checksums of this one's scheme."""
        return self.scheme in _CANONICAL_FORMS


def canonical_operations(migration: Migration, scheme: str = SCHEME) -> list[str]:
    """Return each operation of ``migration`` as one canonical line of ``scheme``."""
    # The writer (and its serializers) is needed only when a migration is read from
    # its file rather than from the history index.
    from dbshift.migrations.writer import MigrationWriter

    writer = MigrationWriter(migration)
    canonical = _CANONICAL_FORMS[scheme]
    return [canonical(writer, operation) for operation in migration.operations]


def migration_checksum(migration: Migration, scheme: str = SCHEME) -> Checksum:
    """Return the checksum of the migration's operations and dependencies."""
    operations = canonical_operations(migration, scheme)
    document = {
        "dependencies": sorted(list(key) for key in migration.dependencies),
        "run_before": sorted(list(key) for key in migration.run_before),
        "atomic": migration.atomic,
        "operations": operations,
    }
    whole = _digest(json.dumps(document, sort_keys=True, separators=(",", ":")))
    digests = tuple(_digest(line)[:OPERATION_DIGEST_LENGTH] for line in operations)
    return Checksum(whole, digests, scheme)


def matches(recorded: Checksum, migration: Migration) -> bool:
    """Return whether ``migration`` does what ``recorded`` says (unknown schemes match)."""
    if not recorded.comparable:
        return True
    return migration_checksum(migration, recorded.scheme).whole == recorded.whole


def describe_changes(recorded: Checksum, migration: Migration) -> list[str]:
    """Return how ``migration`` differs from what was recorded, operation by operation."""
    current = migration_checksum(migration, recorded.scheme)
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
    """Return ``operation`` in the canonical form of scheme 2."""
    try:
        _name, kwargs = operation.deconstruct()
        arguments = [
            f"{key}={_canonical_argument(writer, operation, key, value)}"
            for key, value in kwargs.items()
        ]
    except SerializationError:
        return repr(deep_deconstruct(operation.deconstruct()))
    return f"{writer.operation_path(operation)}({','.join(arguments)})"


def _canonical_argument(writer: MigrationWriter, operation: Operation, key: str, value: Any) -> str:
    if isinstance(value, types.FunctionType):
        return f"<{function_fingerprint(value)}>"
    if isinstance(value, list) and value and all(isinstance(item, Operation) for item in value):
        return f"[{','.join(_canonical(writer, item) for item in value)}]"
    if key in operation.model_name_arguments and isinstance(value, str):
        value = value.lower()
    if key in operation.sql_arguments:
        value = _sql_statements_without_layout(value)
    return writer.serializer.serialize(value).flat()


#: Quoted text, comments, whitespace and punctuation in SQL; quoted text keeps its layout.
_SQL_TOKEN = re.compile(
    r"(?P<quoted>'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(?P<tag>\w*)\$.*?\$(?P=tag)\$)"
    r"|(?P<comment>--[^\n]*)|(?P<space>\s+)|[^'\"$\s(),;-]+|.",
    re.DOTALL,
)
#: Characters that need no space beside them.
_PUNCTUATION = frozenset("(),;")


def _sql_statements_without_layout(value: Any) -> Any:
    """Return SQL given as a string, a list of strings or ``(sql, params)`` pairs, unlaid."""
    if isinstance(value, str):
        return _sql_without_layout(value)
    if isinstance(value, list | tuple):
        return [_sql_statements_without_layout(item) for item in value]
    return value


def _sql_without_layout(sql: str) -> str:
    """Return ``sql`` with whitespace outside quotes collapsed and trailing ``;`` dropped."""
    tokens: list[str] = []
    spaced = False
    for match in _SQL_TOKEN.finditer(sql):
        if match["space"] is not None:
            spaced = True
            continue
        if tokens and tokens[-1].startswith("--"):
            tokens.append("\n")  # a line comment ends at the end of its line
        elif spaced and tokens and not {tokens[-1], match[0]} & _PUNCTUATION:
            tokens.append(" ")
        tokens.append(match[0])
        spaced = False
    while tokens and tokens[-1] == ";":
        tokens.pop()
    return "".join(tokens)


def _canonical_v1(writer: MigrationWriter, operation: Operation) -> str:
    """Return ``operation`` in the canonical form of scheme 1."""
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


_CANONICAL_FORMS: dict[str, Callable[[MigrationWriter, Operation], str]] = {
    "1": _canonical_v1,
    SCHEME: _canonical,
}
