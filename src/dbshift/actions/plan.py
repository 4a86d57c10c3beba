"""How ``migrate --plan`` describes the operations of a plan, one line each."""

from __future__ import annotations

from dbshift.migrations.operations.base import Operation
from dbshift.migrations.planner import PlanStep

#: The most characters of the code or SQL an operation's line quotes.
PLAN_ACTION_WIDTH = 40


def plan_lines(step: PlanStep) -> list[str]:
    """Return how ``migrate --plan`` lists the operations of ``step``, in running order.

    A schema-only migration's lines come from the history index when it holds
    them, so that a long plan does not restore every migration's operations.
    """
    summary = getattr(step.migration, "summary", None)
    if summary is not None and summary.schema_only:
        texts = summary.descriptions
        if step.backwards:
            return [f"Undo {text}" for text in reversed(texts)]
        return list(texts)
    operations = step.migration.operations
    ordered = reversed(operations) if step.backwards else operations
    return [describe_for_plan(operation, step.backwards)[0] for operation in ordered]


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
