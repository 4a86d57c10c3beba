"""SQL conditions as text: one spelling for comparing them, and column renames.

PostgreSQL keeps a check constraint as a parse tree and prints it back with
parentheses around every comparison, casts on literals and columns, and
operators of its own (``price > 0`` becomes ``(price > (0)::numeric)``, ``LIKE``
becomes ``~~``). :func:`normalized_condition` reduces both that text and the text a
model declares to one form: keywords and unquoted names in lowercase, identifier
quotes, casts and redundant parentheses removed, PostgreSQL's operator names read
back. Rewrites that change the shape of the expression (``IN`` into
``= ANY (ARRAY[...])``, ``BETWEEN`` into two comparisons) are not undone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
      | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
      | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
      | (?P<operator>::|!~~\*|!~~|~~\*|~~|<>|!=|<=|>=|\|\||[-+*/%<>=(),\[\]~!@#^&|.])
    )""",
    re.VERBOSE,
)
#: PostgreSQL's operator spellings and the SQL they were written as.
_OPERATOR_WORDS = {
    "!=": ["<>"],
    "~~": ["like"],
    "!~~": ["not", "like"],
    "~~*": ["ilike"],
    "!~~*": ["not", "ilike"],
}
#: Words that continue a type name after ``::`` (``character varying``).
_TYPE_WORDS = frozenset({"varying", "precision", "with", "without", "time", "zone"})
#: Words after which parentheses belong to the syntax and stay.
_KEEP_PARENTHESES_AFTER = frozenset({"in", "any", "all", "array", "exists", "values"})
_LOGICAL = frozenset({"and", "or", "not"})
#: How tightly each operator binds (PostgreSQL's order); a higher number binds tighter.
_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "not": 3,
    **dict.fromkeys(("=", "<>", "<", ">", "<=", ">=", "like", "ilike", "is"), 4),
    **dict.fromkeys(("+", "-", "||"), 5),
    **dict.fromkeys(("*", "/", "%"), 6),
}
#: Words before parentheses that are not a function's name.
_KEYWORDS = _LOGICAL | frozenset({"like", "ilike", "is", "between", "case", "when", "then", "else"})


@dataclass
class _Group:
    """A parenthesised part of a condition."""

    items: list[str | _Group] = field(default_factory=list)


#: What a column rename may rewrite: names, bare or quoted; string literals are skipped.
_NAMES = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|[A-Za-z_][A-Za-z_0-9$]*""")
_BARE_NAME = re.compile(r"[a-z_][a-z_0-9]*")


def with_column_renamed(sql: str, old: str, new: str) -> str:
    """Return ``sql`` reading column ``new`` wherever it read column ``old``.

    Unquoted names match whatever their case, as the databases fold them; a name
    followed by ``(`` is a function, not a column.
    """

    def rename(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith("'") or sql[match.end() :].lstrip().startswith("("):
            return token
        if token.startswith('"'):
            return _quoted(new) if token[1:-1].replace('""', '"') == old else token
        return _quoted(new, bare=True) if token.lower() == old.lower() else token

    return _NAMES.sub(rename, sql)


def _quoted(name: str, bare: bool = False) -> str:
    if bare and _BARE_NAME.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def normalized_condition(sql: str) -> str:
    """Return ``sql`` in the one spelling two equivalent conditions share."""
    tokens = _without_casts(list(_tokens(sql)))
    return _render(_simplified(_grouped(tokens)))


def _tokens(sql: str) -> Iterator[str]:
    position = 0
    text = sql.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            yield text[position:].strip()
            return
        position = match.end()
        kind = match.lastgroup
        token = match.group(kind or 0)
        if kind == "quoted":  # "name" in standard SQL, `name` in MySQL's
            yield token[1:-1].replace(token[0] * 2, token[0])
        elif kind in ("word", "operator"):
            yield from _OPERATOR_WORDS.get(token.lower(), [token.lower()])
        else:
            yield token


def _without_casts(tokens: list[str]) -> list[str]:
    """Return ``tokens`` without ``::type`` casts (``::character varying(20)[]``)."""
    kept: list[str] = []
    index = 0
    while index < len(tokens):
        if tokens[index] != "::":
            kept.append(tokens[index])
            index += 1
            continue
        index += 2  # the operator and the first word of the type
        while index < len(tokens) and tokens[index] in _TYPE_WORDS:
            index += 1
        if index < len(tokens) and tokens[index] == "(" and ")" in tokens[index:]:
            index = tokens.index(")", index) + 1
        while tokens[index : index + 2] == ["[", "]"]:
            index += 2
    return kept


def _grouped(tokens: list[str]) -> _Group:
    root = _Group()
    stack = [root]
    for token in tokens:
        if token == "(":
            group = _Group()
            stack[-1].items.append(group)
            stack.append(group)
        elif token == ")" and len(stack) > 1:
            stack.pop()
        else:
            stack[-1].items.append(token)
    return root


def _simplified(group: _Group) -> _Group:
    """Return ``group`` without parentheses that change nothing."""
    items = [_simplified(item) if isinstance(item, _Group) else item for item in group.items]
    while len(items) == 1 and isinstance(items[0], _Group):
        items = items[0].items
    flat: list[str | _Group] = []
    for index, item in enumerate(items):
        before = items[index - 1] if index else None
        after = items[index + 1] if index + 1 < len(items) else None
        if isinstance(item, _Group) and _redundant(item, before, after):
            flat.extend(item.items)
        else:
            flat.append(item)
    return _Group(flat)


def _redundant(group: _Group, before: str | _Group | None, after: str | _Group | None) -> bool:
    """Return whether the parentheses of ``group`` leave the meaning as it is."""
    if isinstance(before, str) and (before in _KEEP_PARENTHESES_AFTER or _is_function(before)):
        return False  # a list, or a function's arguments
    if len(group.items) == 1:
        return True
    operators = [item for item in group.items if isinstance(item, str) and item in _PRECEDENCE]
    inner = min((_PRECEDENCE[item] for item in operators), default=99)
    for neighbour in (before, after):
        if neighbour is not None and neighbour != "," and not _is_operator(neighbour):
            return False
    if isinstance(before, str) and before in _PRECEDENCE:
        binds = _PRECEDENCE[before]
        # A right operand needs to bind tighter, unless the operator is associative.
        if inner < binds or (inner == binds and before not in ("and", "or")):
            return False
    return not (isinstance(after, str) and after in _PRECEDENCE and inner < _PRECEDENCE[after])


def _is_operator(item: str | _Group) -> bool:
    return isinstance(item, str) and item in _PRECEDENCE


def _is_function(token: str) -> bool:
    return (token[:1].isalpha() or token[:1] == "_") and token not in _KEYWORDS


def _render(group: _Group) -> str:
    text = ""
    for item in group.items:
        part = f"({_render(item)})" if isinstance(item, _Group) else item
        previous = text.rsplit(" ", 1)[-1]
        glued = part in (",", "]") or previous.endswith("[")
        glued |= isinstance(item, _Group) and _is_function(previous)
        text += part if glued or not text else f" {part}"
    return text
