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
            if connection.dialect.name in ("mysql", "mariadb"):
                return _mysql_schema(connection)
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


#: What information_schema says of a MySQL table, query by query, in a stable order.
_MYSQL_PARTS = {
    "columns": "SELECT column_name, column_type, is_nullable, column_default, extra, "
    "column_comment, collation_name FROM information_schema.columns "
    "WHERE table_schema = DATABASE() AND table_name = :t ORDER BY column_name",
    "indexes": "SELECT index_name, non_unique, seq_in_index, column_name, collation "
    "FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = :t "
    "ORDER BY index_name, seq_in_index",
    "foreign_keys": "SELECT k.constraint_name, k.column_name, k.referenced_table_name, "
    "k.referenced_column_name, r.delete_rule FROM information_schema.key_column_usage k "
    "JOIN information_schema.referential_constraints r "
    "ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name "
    "AND r.table_name = k.table_name WHERE k.table_schema = DATABASE() AND k.table_name = :t "
    "ORDER BY k.constraint_name, k.ordinal_position",
    "checks": "SELECT constraint_name, check_clause FROM information_schema.check_constraints "
    "WHERE constraint_schema = DATABASE() AND table_name = :t ORDER BY constraint_name",
}


def _mysql_schema(connection: sa.Connection) -> dict[str, Any]:
    tables = _rows(
        connection,
        "SELECT table_name, table_comment FROM information_schema.tables "
        "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' "
        "AND table_name NOT LIKE :own",
        own=OWN_TABLES,
    )
    return {
        name: {
            "comment": comment,
            **{part: _rows(connection, sql, t=name) for part, sql in _MYSQL_PARTS.items()},
        }
        for name, comment in tables
    }
