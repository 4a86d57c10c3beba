"""Split a MySQL script into statements, as the ``mysql`` client does without ``DELIMITER``.

The driver runs one statement per call (multi-statement mode would leave the
results and errors of the later statements unread), so ``RunSQL`` scripts are
cut at each ``;`` that ends a statement: not one inside a string or quoted name
(where a backslash escapes, as MySQL reads strings), a comment (``--``, ``#``,
``/* */``) or the ``BEGIN ... END`` body of a routine, trigger or event.
"""

from __future__ import annotations

import re

#: Statements whose body may hold statements of its own between BEGIN and END.
_COMPOUND = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?:PROCEDURE|FUNCTION|TRIGGER|EVENT)\b",
    re.IGNORECASE,
)
#: Words that open and close a block of a compound statement.
_OPENERS = {"BEGIN", "CASE", "IF", "LOOP", "REPEAT", "WHILE"}
_WORD = re.compile(r"[A-Za-z_]+")


def split_statements(script: str) -> list[str]:
    """Return the statements of ``script``, without their final ``;``."""
    statements: list[str] = []
    start = 0
    depth = 0
    #: Whether the current statement is compound; None until its first word.
    compound: bool | None = None
    #: Whether the current statement holds more than comments and spaces.
    seen = False
    position = 0
    length = len(script)
    while position < length:
        char = script[position]
        if char in "'\"`":
            position, seen = _after_quoted(script, position), True
            continue
        if script.startswith(("--", "#"), position) and _is_line_comment(script, position):
            end = script.find("\n", position)
            position = length if end < 0 else end + 1
            continue
        if script.startswith("/*", position):
            end = script.find("*/", position + 2)
            position = length if end < 0 else end + 2
            continue
        seen = seen or not char.isspace()
        word = _WORD.match(script, position) if char.isalpha() else None
        if word is not None:
            if compound is None:
                compound = bool(_COMPOUND.match(script, position))
            if compound:
                depth += _depth_change(script, word.group().upper(), word.end())
            position = word.end()
            continue
        if char == ";" and depth <= 0:
            if seen and script[start:position].strip():
                statements.append(script[start:position].strip())
            start, depth, compound, seen = position + 1, 0, None, False
        position += 1
    if seen:
        statements.append(script[start:].strip())
    return statements


def _after_quoted(script: str, position: int) -> int:
    """Return the position after the string or quoted name that starts at ``position``."""
    quote = script[position]
    position += 1
    while position < len(script):
        char = script[position]
        if char == "\\" and quote != "`":
            position += 2
            continue
        if char == quote:
            if script.startswith(quote * 2, position):
                position += 2
                continue
            return position + 1
        position += 1
    return position


def _is_line_comment(script: str, position: int) -> bool:
    # "--" starts a comment only when a space or the line's end follows it.
    if script[position] == "#":
        return True
    following = script[position + 2 : position + 3]
    return following in ("", " ", "\t", "\n", "\r")


def _depth_change(script: str, word: str, end: int) -> int:
    if word == "END":
        # "END IF", "END LOOP", ... close the block their own opener opened.
        return -1
    if word in _OPENERS:
        # "IF(" and "REPEAT(" are functions; "IF [NOT] EXISTS" is part of a CREATE.
        rest = script[end : end + 12].lstrip().upper()
        if rest.startswith("(") or (word == "IF" and rest.startswith(("EXISTS", "NOT EXISTS"))):
            return 0
        previous = script[: end - len(word)].rstrip().upper()
        if previous.endswith("END"):
            return 0
        return 1
    return 0
