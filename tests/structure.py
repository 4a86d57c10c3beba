"""A database's tables read with plain SQL, by structure rather than by name.

This module is the schema tests' independent witness: it shares no code with
dbshift (no ``dbshift.backends``, no SQLAlchemy inspector). It reads SQLite's
``sqlite_master`` and pragmas, PostgreSQL's ``pg_catalog`` and MariaDB's
``information_schema`` into
:class:`Table` values that leave out every generated name (of indexes,
constraints, keys), so that a schema built by dbshift compares with one built by
Django, or with expectations written by hand in :mod:`tests.expectations`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, fields, replace

import psycopg
import pymysql
import sqlalchemy as sa

#: Tables that hold migration records, not models (dbshift's and Django's).
BOOKKEEPING = frozenset({"dbshift_migrations", "dbshift_migration_progress", "django_migrations"})


@dataclass(frozen=True, order=True)
class Column:
    type: str
    nullable: bool
    #: The default's text as the database keeps it (None when the column has none).
    default: str | None = None
    #: The database numbers new rows (an identity column, or SQLite's AUTOINCREMENT).
    identity: bool = False
    comment: str | None = None
    #: A collation other than the type's or table's default (PostgreSQL, MariaDB).
    collation: str | None = None


@dataclass(frozen=True, order=True)
class ForeignKey:
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    #: The ON DELETE action in capitals; "NO ACTION" when none was given.
    on_delete: str = "NO ACTION"
    deferred: bool = True


#: What an index over an expression has in place of a column name.
EXPRESSION = "<expression>"


@dataclass(frozen=True, order=True)
class Index:
    """An index that is not a table's primary key or one of its UNIQUE constraints."""

    columns: tuple[str, ...]
    unique: bool = False
    descending: tuple[bool, ...] = ()
    partial: bool = False
    #: PostgreSQL's ``text_pattern_ops``/``varchar_pattern_ops`` index (for LIKE).
    pattern_ops: bool = False

    def __post_init__(self) -> None:
        # An expression has no column name; it compares by its place in the index.
        named = tuple(EXPRESSION if column is None else column for column in self.columns)
        object.__setattr__(self, "columns", named)
        if not self.descending:
            object.__setattr__(self, "descending", (False,) * len(self.columns))


@dataclass(frozen=True)
class Table:
    columns: dict[str, Column]
    primary_key: tuple[str, ...]
    #: Sorted, repeats kept: two keys or indexes alike are two.
    foreign_keys: tuple[ForeignKey, ...] = ()
    #: Column tuples of UNIQUE constraints (a unique *index* is an :class:`Index`).
    unique_constraints: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[Index, ...] = ()
    #: The condition of each CHECK constraint, spaces and double quotes removed, sorted.
    checks: tuple[str, ...] = ()
    comment: str | None = None

    def uniques(self) -> list[tuple[str, ...]]:
        """Return every column tuple that must be unique, whether by constraint or index."""
        found = list(self.unique_constraints)
        found += [index.columns for index in self.indexes if index.unique and not index.partial]
        return sorted(found)


Structure = dict[str, Table]


#: The kind of database of each SQLAlchemy backend name; the suite's MySQL is MariaDB.
_VENDORS = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}


def vendor_of(url: str) -> str:
    """Return "sqlite", "postgresql" or "mariadb" for a SQLAlchemy URL."""
    return _VENDORS[sa.make_url(url).get_backend_name()]


def read_structure(url: str) -> Structure:
    """Return the tables of the database at ``url`` (a SQLAlchemy URL), bookkeeping aside."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _read_sqlite(parsed.database or "")
    if vendor_of(url) == "mariadb":
        return _read_mariadb(parsed)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return _read_postgresql(conninfo)


# -- SQLite ---------------------------------------------------------------------------------

_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)
_DEFERRED = re.compile(r"\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b", re.IGNORECASE)
_AUTOINCREMENT = re.compile(r"\bAUTOINCREMENT\b", re.IGNORECASE)


def _read_sqlite(path: str) -> Structure:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        ).fetchall()
        return {
            name: _sqlite_table(connection, name, sql)
            for name, sql in rows
            if name not in BOOKKEEPING
        }
    finally:
        connection.close()


def _pragma(connection: sqlite3.Connection, pragma: str, name: str) -> list[tuple]:
    quoted = '"' + name.replace('"', '""') + '"'
    return connection.execute(f"PRAGMA {pragma}({quoted})").fetchall()


def _sqlite_table(connection: sqlite3.Connection, name: str, sql: str) -> Table:
    info = _pragma(connection, "table_info", name)
    primary_key = tuple(row[1] for row in sorted(info, key=lambda row: row[5]) if row[5])
    counted = bool(_AUTOINCREMENT.search(sql))
    columns = {
        column: Column(
            type=declared.lower(),
            # A primary key column is NOT NULL whatever it declares.
            nullable=not notnull and column not in primary_key,
            default=default,
            identity=counted and column in primary_key,
        )
        for _cid, column, declared, notnull, default, _pk in info
    }
    keys: dict[int, list[tuple]] = {}
    for row in _pragma(connection, "foreign_key_list", name):
        keys.setdefault(row[0], []).append(row)
    # The pragma does not report deferrability; the table's SQL does, per REFERENCES.
    deferred = len(_DEFERRED.findall(sql)) == len(keys)
    foreign_keys = [
        ForeignKey(
            columns=tuple(row[3] for row in rows),
            target_table=rows[0][2],
            target_columns=tuple(row[4] for row in rows),
            on_delete=rows[0][6].upper(),
            deferred=deferred,
        )
        for rows in keys.values()
    ]
    return Table(
        columns=columns,
        primary_key=primary_key,
        foreign_keys=tuple(sorted(foreign_keys)),
        unique_constraints=tuple(sorted(_sqlite_unique_constraints(connection, name))),
        indexes=tuple(sorted(_sqlite_indexes(connection, name))),
        checks=tuple(sorted(_condition(text) for text in _sqlite_checks(sql))),
    )


def _sqlite_checks(sql: str) -> list[str]:
    """Return the parenthesised condition of each CHECK in a CREATE TABLE statement."""
    found = []
    for match in _CHECK.finditer(sql):
        depth, start = 0, match.end() - 1
        for position in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[position], 0)
            if depth == 0:
                found.append(sql[start : position + 1])
                break
    return found


def _index_columns(connection: sqlite3.Connection, index: str) -> tuple[tuple[str, bool], ...]:
    rows = [row for row in _pragma(connection, "index_xinfo", index) if row[5]]
    return tuple((row[2], bool(row[3])) for row in sorted(rows, key=lambda row: row[0]))


def _sqlite_unique_constraints(connection: sqlite3.Connection, name: str) -> list[tuple]:
    """Return the columns of each UNIQUE written in the table (origin ``u``)."""
    return [
        tuple(column for column, _desc in _index_columns(connection, row[1]))
        for row in _pragma(connection, "index_list", name)
        if row[3] == "u"
    ]


def _sqlite_indexes(connection: sqlite3.Connection, name: str) -> list[Index]:
    """Return the indexes made by CREATE INDEX (origin ``c``)."""
    result = []
    for _seq, index, unique, origin, partial in _pragma(connection, "index_list", name):
        if origin != "c":
            continue
        columns = _index_columns(connection, index)
        result.append(
            Index(
                columns=tuple(column for column, _desc in columns),
                unique=bool(unique),
                descending=tuple(desc for _column, desc in columns),
                partial=bool(partial),
            )
        )
    return result


# -- PostgreSQL -----------------------------------------------------------------------------

_PG_TABLES = """
SELECT c.oid, c.relname, obj_description(c.oid, 'pg_class')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
"""

_PG_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '',
       col_description(a.attrelid, a.attnum),
       (SELECT c.collname FROM pg_collation c
        WHERE c.oid = a.attcollation AND a.attcollation <> t.typcollation)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
"""

# Column names of a constraint's keys, in key order.
_PG_CONSTRAINTS = """
SELECT con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       con.confrelid::regclass::text,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i),
       con.confdeltype, con.condeferred, pg_get_constraintdef(con.oid)
FROM pg_constraint con WHERE con.conrelid = %s
"""

# Indexes that back no constraint; expression parts have no attribute (None).
_PG_INDEXES = """
SELECT i.indisunique, i.indpred IS NOT NULL,
       ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, p)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
             ORDER BY k.p),
       ARRAY(SELECT (o & 1) = 1 FROM unnest(i.indoption::int2[]) WITH ORDINALITY k(o, p)
             ORDER BY k.p),
       EXISTS(SELECT 1 FROM unnest(i.indclass) c(oid) JOIN pg_opclass oc ON oc.oid = c.oid
              WHERE oc.opcname LIKE '%%pattern_ops')
FROM pg_index i
WHERE i.indrelid = %s
  AND NOT EXISTS(SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                 AND con.conrelid = i.indrelid)
"""

_PG_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def _read_postgresql(conninfo: str) -> Structure:
    with psycopg.connect(conninfo, autocommit=True) as connection:
        tables = connection.execute(_PG_TABLES).fetchall()
        return {
            name: _pg_table(connection, oid, comment)
            for oid, name, comment in tables
            if name not in BOOKKEEPING
        }


def _pg_table(connection: psycopg.Connection, oid: int, comment: str | None) -> Table:
    columns = {
        name: Column(type_, not notnull, default, identity, comment, collation)
        for name, type_, notnull, default, identity, comment, collation in connection.execute(
            _PG_COLUMNS, (oid,)
        )
    }
    primary_key: tuple[str, ...] = ()
    foreign_keys, uniques, checks = [], [], []
    for kind, keys, target, target_keys, action, deferred, definition in connection.execute(
        _PG_CONSTRAINTS, (oid,)
    ):
        if kind == "p":
            primary_key = tuple(keys)
        elif kind == "u":
            uniques.append(tuple(keys))
        elif kind == "c":
            checks.append(_condition(definition.removeprefix("CHECK ")))
        elif kind == "f":
            foreign_keys.append(
                ForeignKey(
                    tuple(keys),
                    target.strip('"'),
                    tuple(target_keys),
                    _PG_ACTIONS[action],
                    deferred,
                )
            )
    indexes = [
        Index(tuple(keys), unique, tuple(descending), partial, pattern_ops)
        for unique, partial, keys, descending, pattern_ops in connection.execute(
            _PG_INDEXES, (oid,)
        )
    ]
    return Table(
        columns=columns,
        primary_key=primary_key,
        foreign_keys=tuple(sorted(foreign_keys)),
        unique_constraints=tuple(sorted(uniques)),
        indexes=tuple(sorted(indexes)),
        checks=tuple(sorted(checks)),
        comment=comment,
    )


# -- MariaDB --------------------------------------------------------------------------------

_MY_TABLES = """
SELECT table_name, table_comment, table_collation FROM information_schema.tables
WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'
"""

# MariaDB keeps json as longtext with a check of its own, named after the column.
_MY_COLUMNS = """
SELECT c.column_name, c.column_type, c.is_nullable = 'YES', c.column_default,
       c.extra LIKE '%%auto_increment%%', c.column_comment, c.collation_name,
       EXISTS(SELECT 1 FROM information_schema.check_constraints k
              WHERE k.constraint_schema = c.table_schema AND k.table_name = c.table_name
              AND k.constraint_name = c.column_name AND k.level = 'Column'
              AND k.check_clause = CONCAT('json_valid(`', c.column_name, '`)'))
FROM information_schema.columns c
WHERE c.table_schema = DATABASE() AND c.table_name = %s
"""

_MY_INDEXES = """
SELECT index_name, non_unique = 0, column_name, collation = 'D'
FROM information_schema.statistics
WHERE table_schema = DATABASE() AND table_name = %s ORDER BY index_name, seq_in_index
"""

_MY_FOREIGN_KEYS = """
SELECT k.constraint_name, k.column_name, k.referenced_table_name, k.referenced_column_name,
       r.delete_rule
FROM information_schema.key_column_usage k
JOIN information_schema.referential_constraints r
  ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name
  AND r.table_name = k.table_name
WHERE k.table_schema = DATABASE() AND k.table_name = %s
ORDER BY k.constraint_name, k.ordinal_position
"""

# A check written in a column's definition (Django's ">= 0" of a positive integer) is
# MariaDB's column-level check, named after the column; json's own is left to the column.
_MY_CHECKS = """
SELECT check_clause FROM information_schema.check_constraints
WHERE constraint_schema = DATABASE() AND table_name = %s
AND NOT (level = 'Column' AND check_clause = CONCAT('json_valid(`', constraint_name, '`)'))
"""

#: A display width (``int(11)``), which changes nothing stored; ``tinyint(1)`` is a boolean.
_DISPLAY_WIDTH = re.compile(r"\b(smallint|mediumint|int|bigint)\(\d+\)|\btinyint\((?!1\))\d+\)")


def _read_mariadb(url: sa.URL) -> Structure:
    connection = pymysql.connect(
        host=url.host or "localhost",
        port=url.port or 3306,
        user=url.username or "",
        password=url.password or "",
        database=url.database,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(_MY_TABLES)
            tables = cursor.fetchall()
        return {
            name: _mariadb_table(connection, name, comment, collation)
            for name, comment, collation in tables
            if name not in BOOKKEEPING
        }
    finally:
        connection.close()


def _rows(connection: pymysql.Connection, sql: str, table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, (table,))
        return list(cursor.fetchall())


def _mariadb_type(declared: str) -> str:
    return _DISPLAY_WIDTH.sub(lambda match: match[0].partition("(")[0], declared.lower())


def _mariadb_table(
    connection: pymysql.Connection, name: str, comment: str, table_collation: str
) -> Table:
    columns = {
        column: Column(
            type="json" if is_json else _mariadb_type(declared),
            nullable=bool(nullable),
            # MariaDB reports a nullable column without a default as DEFAULT NULL.
            default=None if default in (None, "NULL") else default,
            identity=bool(identity),
            comment=column_comment or None,
            collation=None if is_json or collation == table_collation else collation,
        )
        for column, declared, nullable, default, identity, column_comment, collation, is_json in (
            _rows(connection, _MY_COLUMNS, name)
        )
    }
    indexes: dict[str, list[tuple]] = {}
    for index, unique, column, descending in _rows(connection, _MY_INDEXES, name):
        indexes.setdefault(index, []).append((unique, column, descending))
    primary_key = tuple(column for _unique, column, _desc in indexes.pop("PRIMARY", []))
    keys: dict[str, list[tuple]] = {}
    for key, column, target, target_column, rule in _rows(connection, _MY_FOREIGN_KEYS, name):
        keys.setdefault(key, []).append((column, target, target_column, rule))
    foreign_keys = [
        ForeignKey(
            tuple(row[0] for row in rows),
            rows[0][1],
            tuple(row[2] for row in rows),
            # InnoDB's RESTRICT and NO ACTION are one rule, and a key without ON DELETE
            # reads as RESTRICT: all three are reported as NO ACTION.
            "NO ACTION" if rows[0][3] == "RESTRICT" else rows[0][3],
            deferred=False,
        )
        for rows in keys.values()
    ]
    return Table(
        columns=columns,
        primary_key=primary_key,
        foreign_keys=tuple(sorted(foreign_keys)),
        # Unique rules are unique indexes: MySQL keeps no UNIQUE constraint apart.
        indexes=tuple(
            sorted(
                Index(
                    tuple(column for _unique, column, _desc in rows),
                    unique=bool(rows[0][0]),
                    descending=tuple(bool(desc) for _unique, _column, desc in rows),
                )
                for rows in indexes.values()
            )
        ),
        checks=tuple(
            sorted(
                _condition(clause.replace("`", ""))
                for (clause,) in _rows(connection, _MY_CHECKS, name)
            )
        ),
        comment=comment or None,
    )


def _condition(text: str) -> str:
    """Return a check's condition without spaces, double quotes and enclosing parentheses."""
    text = re.sub(r'[\s"]', "", text)
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


def without_repeated_unique_rules(structure: Structure) -> Structure:
    """Return ``structure`` with each unique rule once per table.

    A field's ``unique``, a ``unique_together`` and a ``UniqueConstraint`` on the same
    columns enforce one rule. PostgreSQL drops repeated UNIQUE clauses of one CREATE
    TABLE, and neither tool promises how many copies it makes; the rule must exist.
    """
    result = {}
    for name, table in structure.items():
        plain = [index for index in table.indexes if not index.unique or index.partial]
        unique = {index for index in table.indexes if index.unique and not index.partial}
        result[name] = replace(
            table,
            unique_constraints=tuple(sorted(set(table.unique_constraints))),
            indexes=tuple(sorted(plain + list(unique))),
        )
    return result


def describe_differences(actual: Structure, expected: Structure) -> list[str]:
    """Return one line per difference, for assertion messages a person can read."""
    lines = [f"missing table {name}" for name in sorted(set(expected) - set(actual))]
    lines += [f"unexpected table {name}" for name in sorted(set(actual) - set(expected))]
    for name in sorted(set(actual) & set(expected)):
        got, want = actual[name], expected[name]
        for column in sorted(set(got.columns) | set(want.columns)):
            if got.columns.get(column) != want.columns.get(column):
                lines.append(
                    f"{name}.{column}: got {got.columns.get(column)}, "
                    f"expected {want.columns.get(column)}"
                )
        for part in [part.name for part in fields(Table) if part.name != "columns"]:
            if getattr(got, part) != getattr(want, part):
                lines.append(
                    f"{name} {part}: got {getattr(got, part)}, expected {getattr(want, part)}"
                )
    return lines
