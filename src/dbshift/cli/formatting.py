"""Text shared by several commands: operations and their SQL as Django prints them."""

from __future__ import annotations

import textwrap

from dbshift.api import OperationStatements

#: How far the SQL shown under a migration's line is indented.
SQL_INDENT = "    "


def operation_sql_lines(part: OperationStatements) -> list[str]:
    """Return a commented header for the operation, then its statements."""
    lines = ["--", f"-- {part.description}", "--"]
    if not part.reduces_to_sql:
        lines.append("-- THIS OPERATION CANNOT BE WRITTEN AS SQL")
    elif not part.statements:
        lines.append("-- (no-op)")
    for statement in part.statements:
        text = statement.rstrip()
        lines.append(text if text.endswith(";") else text + ";")
    return lines


def indented_sql(text: str) -> str:
    """Return SQL ``text`` with every line, not only the first, indented under a migration."""
    return textwrap.indent(text.rstrip(), SQL_INDENT)
