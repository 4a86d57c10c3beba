"""Schemas read back from a database with plain SQL, as comparable data.

Used to compare what ``migrate`` made with what ``create_all()`` made; nothing
here comes from dbshift's own builder or introspection.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: Tables of dbshift's own bookkeeping, which only ``migrate`` creates.
OWN_TABLES = "dbshift_%"


def read_schema(url: str) -> dict[str, Any]:
    """Return every table, column, key, index, check and comment of the database."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                return _sqlite_schema(connection)
            return _postgresql_schema(connection)
    finally:
        engine.dispose()


def _rows(connection: sa.Connection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in connection.execute(sa.text(sql), params)]


def _sqlite_schema(connection: sa.Connection) -> dict[str, Any]:
    tables = [
        name
        for (name,) in _rows(
            connection,
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE :own",
            own=OWN_TABLES,
        )
    ]
    schema: dict[str, Any] = {}
    for table in tables:
        quoted = connection.dialect.identifier_preparer.quote(table)
        (sql,) = _rows(connection, "SELECT sql FROM sqlite_master WHERE name = :t", t=table)[0]
        indexes = {}
        for _seq, name, unique, origin, partial in _rows(
            connection, f"PRAGMA index_list({quoted})"
        ):
            columns = [
                (column, desc)
                for _n, _cid, column, desc, _coll, key in _rows(
                    connection,
                    f"PRAGMA index_xinfo({connection.dialect.identifier_preparer.quote(name)})",
                )
                if key
            ]
            (index_sql,) = _rows(
                connection, "SELECT sql FROM sqlite_master WHERE name = :n", n=name
            )[0]
            indexes[name] = (unique, origin, partial, tuple(columns), index_sql)
        schema[table] = {
            "columns": {
                row[1]: row[2:6] for row in _rows(connection, f"PRAGMA table_xinfo({quoted})")
            },
            "foreign_keys": sorted(
                (row[3], row[2], row[4], row[6])
                for row in _rows(connection, f"PRAGMA foreign_key_list({quoted})")
            ),
            "indexes": indexes,
            "checks": sorted(
                (check["name"], check["sqltext"])
                for check in sa.inspect(connection).get_check_constraints(table)
            ),
            "autoincrement": "AUTOINCREMENT" in sql.upper(),
            "deferred_keys": sql.upper().count("DEFERRABLE INITIALLY DEFERRED"),
        }
    return schema


def _postgresql_schema(connection: sa.Connection) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    tables = _rows(
        connection,
        "SELECT c.oid, c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE :own",
        own=OWN_TABLES,
    )
    for oid, name, comment in tables:
        columns = _rows(
            connection,
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "pg_get_expr(d.adbin, d.adrelid), a.attidentity, col_description(a.attrelid, a.attnum) "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d "
            "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = :oid AND a.attnum > 0 AND NOT a.attisdropped",
            oid=oid,
        )
        constraints = _rows(
            connection,
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = :oid",
            oid=oid,
        )
        indexes = _rows(
            connection,
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = :name",
            name=name,
        )
        schema[name] = {
            "comment": comment,
            "columns": {row[0]: row[1:] for row in columns},
            "constraints": sorted(constraints),
            "indexes": sorted(indexes),
        }
    return schema
