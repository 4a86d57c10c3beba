"""The objects of a SQLite schema that a table rebuild must carry over for the user.

Dropping a table drops its indexes and triggers, and the ``ALTER TABLE ... RENAME
TO`` that ends a rebuild refuses to run while a view, or a trigger of another
table, names a table that does not exist. SQLite's documentation ("Making Other
Kinds Of Table Schema Changes", steps 3, 8 and 9) therefore has a rebuild record
the table's indexes, triggers and views from ``sqlite_schema`` and create them
again afterwards. The indexes dbshift declares it creates itself; this module
finds the others, made by ``RunSQL`` or by hand.

SQLite keeps no record of which views and triggers name a table, so the names in
their SQL decide: a view or trigger that names the table, or a view that does, is
carried over. A false match only drops and creates an object again as it was.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Collection, Iterable

#: The objects a rebuild may have to carry over, in the order they were created:
#: triggers and views anywhere, and the indexes of the table. The ``type`` test
#: comes first: it spares reading the SQL of every table and index of the
#: schema, which halves the time on a schema of 660 tables (1.2 ms to 0.5 ms).
SCHEMA_QUERY = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE (type IN ('trigger', 'view') OR (type = 'index' AND tbl_name = %s COLLATE NOCASE)) "
    "AND sql IS NOT NULL ORDER BY rowid"
)

#: String literals and comments (which hold no names), quoted names and bare words.
_TOKEN = re.compile(
    r"""
    '(?:[^']|'')*'
    | --[^\n]*
    | /\*.*?(?:\*/|\Z)
    | "(?P<double>(?:[^"]|"")*)"
    | `(?P<backtick>(?:[^`]|``)*)`
    | \[(?P<bracket>[^\]]*)\]
    | (?P<bare>[^\W\d][\w$]*)
    """,
    re.VERBOSE | re.DOTALL,
)


def names_in(sql: str) -> frozenset[str]:
    """Return the names and keywords ``sql`` mentions, lowercased (SQLite ignores case)."""
    found = set()
    for match in _TOKEN.finditer(sql):
        if match.lastgroup is None:
            continue
        name = match.group(match.lastgroup)
        if match.lastgroup in ("double", "backtick"):
            quote = '"' if match.lastgroup == "double" else "`"
            name = name.replace(quote * 2, quote)
        found.add(name.lower())
    return frozenset(found)


@dataclasses.dataclass(frozen=True)
class SchemaEntry:
    """One index, trigger or view, as ``sqlite_schema`` holds it."""

    kind: str
    name: str
    table: str
    sql: str

    @functools.cached_property
    def names(self) -> frozenset[str]:
        return names_in(self.sql)


@dataclasses.dataclass(frozen=True)
class CarriedObjects:
    """What a rebuild of ``table`` must create again, in the order it was created."""

    table: str
    entries: tuple[SchemaEntry, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def detached(self) -> list[SchemaEntry]:
        """Return the entries that dropping the table leaves behind: views, other triggers."""
        return [entry for entry in self.entries if entry.table.lower() != self.table.lower()]

    def using(self, columns: Iterable[str]) -> list[SchemaEntry]:
        """Return the entries that name the table itself and one of ``columns``."""
        table, wanted = self.table.lower(), {column.lower() for column in columns}
        return [entry for entry in self.entries if table in entry.names and wanted & entry.names]


def carried_objects(
    rows: Iterable[tuple[str, str, str, str]], table: str, managed: Collection[str]
) -> CarriedObjects:
    """Return the entries of ``rows`` (from :data:`SCHEMA_QUERY`) a rebuild of ``table`` loses.

    They are the table's triggers, its indexes not named in ``managed`` (those
    dbshift creates), and the views and triggers that name the table or such a
    view. A view may name a view created after it, so the search runs until it
    finds nothing new.
    """
    entries = [SchemaEntry(*row) for row in rows]
    managed_names = {name.lower() for name in managed}
    followed, chosen = {table.lower()}, set()
    found = True
    while found:
        found = False
        for entry in entries:
            if entry.name in chosen or not _depends(entry, followed, managed_names):
                continue
            chosen.add(entry.name)
            found = True
            if entry.kind == "view":
                followed.add(entry.name.lower())
    return CarriedObjects(table, tuple(entry for entry in entries if entry.name in chosen))


def _depends(entry: SchemaEntry, followed: set[str], managed: set[str]) -> bool:
    if entry.kind == "index":
        return entry.name.lower() not in managed
    return bool(followed & entry.names)
