"""Python expressions as trees, laid out the way ``ruff format`` lays them out.

Migration files must come out of dbshift already formatted, so that running
``ruff format`` (or black) over a project leaves them unchanged. The layout rule
for a bracketed expression that does not fit in 88 columns is the one both
formatters use: the arguments of a call go on one indented line if they fit there;
otherwise, and always for a list, tuple, set or dict display of several items, one
item per line with a trailing comma; a lone item is laid out on its own. A node
marked ``explode`` always takes one item per line, and keeps the trailing comma
that tells the formatters to leave it so.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

LINE_LENGTH = 88
INDENT = 4


class Node:
    """An expression that can be written flat or laid out over several lines."""

    def flat(self) -> str:
        raise NotImplementedError

    def must_break(self) -> bool:
        """Return whether this node, or one inside it, insists on one item per line."""
        return False


@dataclass
class Atom(Node):
    """An expression that is never split: a name, a number, a string."""

    text: str

    def flat(self) -> str:
        return self.text


@dataclass
class Bracketed(Node):
    """Items between an opening and a closing bracket: a call, list, tuple, set or dict."""

    opening: str
    closing: str
    items: list[Node] = field(default_factory=list)
    explode: bool = False
    #: A one-item tuple needs its comma even when flat.
    one_tuple: bool = False

    def flat(self) -> str:
        body = ", ".join(item.flat() for item in self.items)
        return f"{self.opening}{body}{',' if self.one_tuple else ''}{self.closing}"

    def must_break(self) -> bool:
        return (self.explode and bool(self.items)) or any(item.must_break() for item in self.items)

    @property
    def is_display(self) -> bool:
        """Return whether this is a list, tuple, set or dict display rather than a call."""
        return self.opening in ("(", "[", "{")


@dataclass
class Prefixed(Node):
    """An item with a prefix that never splits from it: ``name=value`` or ``key: value``."""

    prefix: str
    value: Node

    def flat(self) -> str:
        return self.prefix + self.value.flat()

    def must_break(self) -> bool:
        return self.value.must_break()


def call(
    callee: str,
    args: list[Node] | None = None,
    kwargs: list[tuple[str, Node]] | None = None,
    explode: bool = False,
) -> Bracketed:
    """Return a call node ``callee(*args, **kwargs)``."""
    items: list[Node] = list(args or [])
    items.extend(Prefixed(f"{name}=", value) for name, value in kwargs or [])
    return Bracketed(f"{callee}(", ")", items, explode=explode)


def width(text: str) -> int:
    """Return how many columns ``text`` takes, counted as ruff format counts them.

    East Asian wide and fullwidth characters (CJK, most emoji) take two columns;
    combining marks and Hangul vowel and final jamo take none.
    """
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if char.isascii():
        return 1
    if unicodedata.category(char) in ("Mn", "Me") or "\u1160" <= char <= "\u11ff":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def layout(node: Node, indent: int = 0, prefix: str = "", suffix: str = "") -> list[str]:
    """Return the lines of ``node`` placed at ``indent`` after ``prefix``, before ``suffix``."""
    pad = " " * indent
    flat = node.flat()
    if not node.must_break() and len(pad) + width(prefix + flat + suffix) <= LINE_LENGTH:
        return [pad + prefix + flat + suffix]
    if isinstance(node, Prefixed):
        return layout(node.value, indent, prefix + node.prefix, suffix)
    if not isinstance(node, Bracketed) or not node.items:
        return [pad + prefix + flat + suffix]
    inner = indent + INDENT
    head = pad + prefix + node.opening
    tail = pad + node.closing + suffix
    if not node.must_break():
        body = ", ".join(item.flat() for item in node.items) + ("," if node.one_tuple else "")
        several = len(node.items) > 1
        if inner + width(body) <= LINE_LENGTH and not (node.is_display and several):
            return [head, " " * inner + body, tail]
        if len(node.items) == 1 and not node.one_tuple:
            return [head, *layout(node.items[0], inner), tail]
    lines = [head]
    for item in node.items:
        lines.extend(layout(item, inner, "", ","))
    lines.append(tail)
    return lines
