"""Text shared by several commands: operations and their SQL as Django prints them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbshift.api import OperationStatements
from dbshift.migrations.operations.base import Operation

if TYPE_CHECKING:
    from dbshift.actions.sqlmigrate import OperationSQL

PLAN_ACTION_WIDTH = 40


def operation_sql_lines(part: OperationSQL | OperationStatements) -> list[str]:
    """Return a commented header for the operation, then its statements."""
    if isinstance(part, OperationStatements):
        description, reduces_to_sql = part.description, part.reduces_to_sql
    else:
        description, reduces_to_sql = part.operation.describe(), part.operation.reduces_to_sql
    lines = ["--", f"-- {description}", "--"]
    if not reduces_to_sql:
        lines.append("-- THIS OPERATION CANNOT BE WRITTEN AS SQL")
    elif not part.statements:
        lines.append("-- (no-op)")
    for statement in part.statements:
        text = statement.rstrip()
        lines.append(text if text.endswith(";") else text + ";")
    return lines


def describe_for_plan(operation: Operation, backwards: bool) -> tuple[str, bool]:
    """Return how ``migrate --plan`` lists an operation, and whether it is an error."""
    code = getattr(operation, "reverse_code" if backwards else "code", None)
    prefix = ""
    if hasattr(operation, "code"):
        action = (code.__doc__ or "").strip() if code else None
    elif hasattr(operation, "sql"):
        action = getattr(operation, "reverse_sql" if backwards else "sql")
        action = None if action is None else _one_line(action)
    else:
        # Code and SQL say what they do themselves; other operations are undone.
        action = ""
        prefix = "Undo " if backwards else ""
    if action is None:
        return f"{operation.describe()} -> IRREVERSIBLE", True
    if action:
        action = " -> " + _truncate(str(action).replace("\n", " "))
    return f"{prefix}{operation.describe()}{action}", False


def _one_line(sql: object) -> str:
    if isinstance(sql, str):
        return sql
    parts = [item if isinstance(item, str) else item[0] for item in sql]  # type: ignore[attr-defined]
    return " ".join(parts)


def _truncate(text: str) -> str:
    return text if len(text) <= PLAN_ACTION_WIDTH else text[: PLAN_ACTION_WIDTH - 1] + "…"
