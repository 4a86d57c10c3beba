"""Read DDL statements well enough to tell what they lock, without a SQL parser.

The lint rules look at a handful of statement shapes (``CREATE INDEX``, ``DROP
INDEX``, ``DROP TABLE`` and the actions of ``ALTER TABLE``), so a tokenizer that
drops comments and keeps literals whole is enough: a general SQL parser would
add a dependency and still leave the meaning of each action to this module.
Anything not recognised comes back as an :class:`Action` of kind ``"other"``,
which no rule flags.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<string>(?:[EeBbXxNn])?'(?:[^']|'')*')
    | (?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$)
    | (?P<quoted>"(?:[^"]|"")*")
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<number>\d+(?:\.\d*)?)
    | (?P<symbol>::|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One token: ``word`` (upper-cased in ``upper``), ``quoted``, ``string``, or a symbol."""

    kind: str
    text: str
    #: Where the token starts and ends in the SQL it comes from.
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    @property
    def name(self) -> str:
        """Return the identifier this token names, unquoted and folded as PostgreSQL does."""
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


def tokenize(sql: str) -> list[Token]:
    """Return the tokens of ``sql`` without whitespace and comments."""
    tokens = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        if kind == "tag":
            kind = "dollar"
        tokens.append(Token(kind or "symbol", match.group(), match.start(), match.end()))
    return tokens


def split_statements(sql: str) -> list[list[Token]]:
    """Return the token lists of each statement of ``sql`` (split on top-level ``;``)."""
    statements: list[list[Token]] = [[]]
    for token in tokenize(sql):
        if token.text == ";":
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


@dataclass(frozen=True)
class Action:
    """One change a statement makes to one table, in the terms the rules need.

    ``kind`` is one of ``create_table``, ``create_index``, ``drop_index``,
    ``drop_table``, ``rename_table``, ``add_column``, ``drop_column``,
    ``rename_column``, ``set_not_null``, ``alter_type``, ``add_foreign_key``,
    ``add_check``, ``add_unique``, ``validate_constraint`` or ``other``.
    """

    kind: str
    table: str | None = None
    column: str | None = None
    #: The index or constraint name, or the new name of a rename.
    name: str | None = None
    concurrently: bool = False
    not_valid: bool = False
    #: The new column type (``alter_type``, ``add_column``), upper-cased, spaces single.
    type_sql: str | None = None
    #: ``alter_type`` with ``USING``: the values are recomputed, so the table is rewritten.
    using: bool = False
    #: ``add_column``: the names of the functions its ``DEFAULT`` calls, lower-cased.
    default_calls: tuple[str, ...] = ()
    #: ``add_check``: the check's condition, as written.
    condition: str = ""
    #: ``add_unique``: built from an existing index (``USING INDEX``), so no scan.
    using_index: bool = False
    #: ``create_table``: the names of its columns.
    columns: tuple[str, ...] = ()
    #: The statement's text, for messages.
    statement: str = field(default="", compare=False)


def read_actions(sql: str) -> list[Action]:
    """Return the actions of every statement in ``sql``."""
    actions: list[Action] = []
    for tokens in split_statements(sql):
        text = sql[tokens[0].start : tokens[-1].end]
        actions.extend(
            Action(**{**action.__dict__, "statement": text}) for action in _actions(tokens)
        )
    return actions


def _words(tokens: list[Token], start: int = 0, count: int = 8) -> list[str]:
    return [token.upper for token in tokens[start : start + count]]


def _skip(tokens: list[Token], index: int, *words: str) -> int:
    """Return ``index`` moved past the optional ``words`` sequence found there."""
    if _words(tokens, index, len(words)) == list(words):
        return index + len(words)
    return index


def _qualified_name(tokens: list[Token], index: int) -> tuple[str | None, int]:
    """Return the (unqualified) object name at ``index`` and the index after it."""
    if index >= len(tokens) or tokens[index].kind not in ("word", "quoted"):
        return None, index
    name, index = tokens[index].name, index + 1
    while index + 1 < len(tokens) and tokens[index].text == ".":
        name, index = tokens[index + 1].name, index + 2
    return name, index


def _actions(tokens: list[Token]) -> list[Action]:
    head = _words(tokens, 0, 3)
    if head[:2] == ["CREATE", "TABLE"] or head[:3] in (
        ["CREATE", "TEMP", "TABLE"],
        ["CREATE", "UNLOGGED", "TABLE"],
    ):
        return [_create_table(tokens)]
    if head[:2] == ["CREATE", "INDEX"] or head[:3] == ["CREATE", "UNIQUE", "INDEX"]:
        return [_create_index(tokens)]
    if head[:2] == ["DROP", "INDEX"]:
        return _drop_index(tokens)
    if head[:2] == ["DROP", "TABLE"]:
        return _drop_table(tokens)
    if head[:2] == ["ALTER", "TABLE"]:
        return _alter_table(tokens)
    return [Action("other")]


_TABLE_CONSTRAINTS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE", "LIKE"}


def _create_table(tokens: list[Token]) -> Action:
    index = tokens.index(next(token for token in tokens if token.upper == "TABLE")) + 1
    index = _skip(tokens, index, "IF", "NOT", "EXISTS")
    table, index = _qualified_name(tokens, index)
    return Action("create_table", table=table, columns=_column_names(tokens[index:]))


def _column_names(tokens: list[Token]) -> tuple[str, ...]:
    """Return the columns that the parenthesised definitions at the start of ``tokens`` name."""
    if not tokens or tokens[0].text != "(":
        return ()
    depth, end = 0, len(tokens)
    for position, token in enumerate(tokens):
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if depth == 0:
            end = position
            break
    return tuple(
        part[0].name
        for part in _top_level_split(tokens[1:end])
        if part[0].kind in ("word", "quoted") and part[0].upper not in _TABLE_CONSTRAINTS
    )


def _create_index(tokens: list[Token]) -> Action:
    index = 3 if tokens[1].upper == "UNIQUE" else 2
    concurrently = _words(tokens, index, 1) == ["CONCURRENTLY"]
    index = _skip(tokens, index, "CONCURRENTLY")
    index = _skip(tokens, index, "IF", "NOT", "EXISTS")
    name = None
    if _words(tokens, index, 1) != ["ON"]:
        name, index = _qualified_name(tokens, index)
    index = _skip(tokens, index, "ON")
    index = _skip(tokens, index, "ONLY")
    table, _ = _qualified_name(tokens, index)
    return Action("create_index", table=table, name=name, concurrently=concurrently)


def _drop_index(tokens: list[Token]) -> list[Action]:
    concurrently = _words(tokens, 2, 1) == ["CONCURRENTLY"]
    index = _skip(tokens, 2, "CONCURRENTLY")
    index = _skip(tokens, index, "IF", "EXISTS")
    return [
        Action("drop_index", name=name, concurrently=concurrently)
        for name in _name_list(tokens, index)
    ]


def _drop_table(tokens: list[Token]) -> list[Action]:
    index = _skip(tokens, 2, "IF", "EXISTS")
    return [Action("drop_table", table=name) for name in _name_list(tokens, index)]


def _name_list(tokens: list[Token], index: int) -> list[str]:
    names: list[str] = []
    while True:
        name, index = _qualified_name(tokens, index)
        if name is None:
            return names
        names.append(name)
        if index >= len(tokens) or tokens[index].text != ",":
            return names
        index += 1


def _alter_table(tokens: list[Token]) -> list[Action]:
    index = _skip(tokens, 2, "IF", "EXISTS")
    index = _skip(tokens, index, "ONLY")
    table, index = _qualified_name(tokens, index)
    return [
        action for part in _top_level_split(tokens[index:]) for action in _alter_action(table, part)
    ]


def _top_level_split(tokens: list[Token]) -> list[list[Token]]:
    """Split ``tokens`` on the commas outside parentheses (the actions of ALTER TABLE)."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.text == "," and depth == 0:
            parts.append([])
            continue
        parts[-1].append(token)
    return [part for part in parts if part]


def _alter_action(table: str | None, tokens: list[Token]) -> list[Action]:
    words = _words(tokens, 0, 2)
    if words[0] == "ADD":
        action = _add(table, tokens)
        if action.kind == "add_column" and _contains(tokens, "REFERENCES"):
            # An inline foreign key is checked against every row, as ADD CONSTRAINT is.
            return [action, Action("add_foreign_key", table=table, column=action.column)]
        return [action]
    return [_alter_other(table, tokens, words)]


def _alter_other(table: str | None, tokens: list[Token], words: list[str]) -> Action:
    if words[0] == "ALTER":
        return _alter_column(table, tokens)
    if words[0] == "DROP" and words[1] not in ("CONSTRAINT",):
        index = _skip(tokens, _skip(tokens, 1, "COLUMN"), "IF", "EXISTS")
        column, _ = _qualified_name(tokens, index)
        return Action("drop_column", table=table, column=column)
    if words[0] == "RENAME":
        return _rename(table, tokens)
    if words == ["VALIDATE", "CONSTRAINT"]:
        name, _ = _qualified_name(tokens, 2)
        return Action("validate_constraint", table=table, name=name)
    return Action("other", table=table)


def _rename(table: str | None, tokens: list[Token]) -> Action:
    if _words(tokens, 1, 1) == ["TO"]:
        new, _ = _qualified_name(tokens, 2)
        return Action("rename_table", table=table, name=new)
    if _words(tokens, 1, 1) == ["CONSTRAINT"]:
        return Action("other", table=table)
    index = _skip(tokens, 1, "COLUMN")
    column, index = _qualified_name(tokens, index)
    new, _ = _qualified_name(tokens, _skip(tokens, index, "TO"))
    return Action("rename_column", table=table, column=column, name=new)


def _add(table: str | None, tokens: list[Token]) -> Action:
    index = 1
    name = None
    if _words(tokens, index, 1) == ["CONSTRAINT"]:
        name, index = _qualified_name(tokens, index + 1)
    words = _words(tokens, index, 3)
    not_valid = _contains(tokens, "NOT", "VALID")
    if words[:2] == ["FOREIGN", "KEY"]:
        return Action("add_foreign_key", table=table, name=name, not_valid=not_valid)
    if words[0] == "CHECK":
        return Action(
            "add_check",
            table=table,
            name=name,
            not_valid=not_valid,
            condition=" ".join(token.text for token in tokens[index + 1 :]),
        )
    if words[0] in ("UNIQUE", "EXCLUDE") or words[:2] == ["PRIMARY", "KEY"]:
        using_index = _contains(tokens, "USING", "INDEX")
        return Action("add_unique", table=table, name=name, using_index=using_index)
    return _add_column(table, tokens, _skip(tokens, index, "COLUMN"))


def _add_column(table: str | None, tokens: list[Token], index: int) -> Action:
    index = _skip(tokens, index, "IF", "NOT", "EXISTS")
    column, index = _qualified_name(tokens, index)
    return Action(
        "add_column",
        table=table,
        column=column,
        type_sql=_type_sql(tokens[index:]),
        default_calls=_default_calls(tokens[index:]),
    )


def _default_calls(tokens: list[Token]) -> tuple[str, ...]:
    """Return the functions the ``DEFAULT`` expression of a column definition calls."""
    words = [token.upper for token in tokens]
    if "DEFAULT" not in words:
        return ()
    rest = tokens[words.index("DEFAULT") + 1 :]
    return tuple(
        token.name
        for token, following in itertools.pairwise(rest)
        if token.kind in ("word", "quoted") and following.text == "("
    )


_TYPE_END = {
    "USING",
    "COLLATE",
    "NOT",
    "NULL",
    "DEFAULT",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "GENERATED",
}


def _type_sql(tokens: list[Token]) -> str:
    """Return the type at the start of ``tokens`` as normalised text ("VARCHAR(20)")."""
    parts = []
    for token in tokens:
        if token.upper in _TYPE_END:
            break
        parts.append(token.upper)
    return re.sub(r"\s*([(),])\s*", r"\1", " ".join(parts))


def _alter_column(table: str | None, tokens: list[Token]) -> Action:
    index = _skip(tokens, 1, "COLUMN")
    column, index = _qualified_name(tokens, index)
    words = _words(tokens, index, 3)
    if words[:2] == ["SET", "NOT"]:
        return Action("set_not_null", table=table, column=column)
    if words[0] == "TYPE" or words[:3] == ["SET", "DATA", "TYPE"]:
        start = index + (1 if words[0] == "TYPE" else 3)
        return Action(
            "alter_type",
            table=table,
            column=column,
            type_sql=_type_sql(tokens[start:]),
            using="USING" in _words(tokens, start, len(tokens)),
        )
    return Action("other", table=table, column=column)


def _contains(tokens: list[Token], *words: str) -> bool:
    upper = [token.upper for token in tokens]
    return any(upper[i : i + len(words)] == list(words) for i in range(len(upper)))
