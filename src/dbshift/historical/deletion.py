"""Deleting rows of historical models, and what becomes of the rows pointing at them.

dbshift writes each foreign key's ``on_delete`` rule into the database as its
``ON DELETE`` action, which PostgreSQL applies by itself. SQLite migrations run
with foreign keys off (tables are rebuilt, see ``database.py``), so there the rows
pointing at deleted rows are handled here first, by the same rules, and a data
migration deletes alike on both databases. Rows are chosen by subqueries, never
read into Python, so deleting many rows takes no memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbshift.exceptions import NotSupportedError, RestrictedError
from dbshift.models.related import ManyToManyField

if TYPE_CHECKING:
    from dbshift.historical.options import HistoricalOptions

#: How many levels of ``CASCADE`` a delete follows before it suspects a cycle of rows.
MAX_DEPTH = 100


@dataclasses.dataclass(frozen=True)
class Reference:
    """A column of some table that holds keys of the rows being deleted."""

    label: str
    table: sa.Table
    column: str
    #: The ``ON DELETE`` action: CASCADE, SET NULL, SET DEFAULT, RESTRICT or None.
    action: str | None
    #: The field of the deleted rows whose values the column holds.
    target: str
    #: The referring model, whose own referrers a CASCADE must follow; None for
    #: the automatic join table of a many-to-many field.
    meta: HistoricalOptions | None = None
    #: What SET DEFAULT sets: the column's ``db_default``.
    default: Any = None


def delete_rows(meta: HistoricalOptions, where: sa.ColumnElement[bool] | None) -> int:
    """Delete the rows of ``meta``'s table that meet ``where``; return how many.

    The count is of this table's rows only, on both databases (PostgreSQL does not
    report the rows its own ``ON DELETE`` actions touch).
    """
    return _delete(meta, where, depth=0)


def _delete(meta: HistoricalOptions, where: sa.ColumnElement[bool] | None, depth: int) -> int:
    connection = meta.apps.connection
    if not meta.apps.editor.features.enforces_foreign_keys:
        if depth > MAX_DEPTH:
            raise NotSupportedError(
                f"Deleting {meta.label} rows cascades more than {MAX_DEPTH} levels deep; rows "
                "that point at each other in a cycle must be unlinked (their keys set to "
                "None) before they are deleted."
            )
        for reference in references(meta):
            keys = sa.select(meta.table.c[reference.target])
            keys = keys if where is None else keys.where(where)
            match = reference.table.c[reference.column].in_(keys)
            _apply(connection, reference, match, depth)
    statement = sa.delete(meta.table)
    if where is not None:
        statement = statement.where(where)
    return connection.execute(statement).rowcount


def _apply(
    connection: sa.Connection, reference: Reference, match: sa.ColumnElement[bool], depth: int
) -> None:
    """Do what ``reference``'s rule says to the rows that ``match``."""
    table, column = reference.table, reference.table.c[reference.column]
    if reference.action == "CASCADE":
        if reference.meta is not None:
            if _exists(connection, table, match):
                _delete(reference.meta, match, depth + 1)
        else:
            connection.execute(sa.delete(table).where(match))
    elif reference.action in ("SET NULL", "SET DEFAULT"):
        value = reference.default if reference.action == "SET DEFAULT" else None
        new = sa.bindparam(None, value, type_=column.type)
        connection.execute(sa.update(table).where(match).values({column: new}))
    elif reference.action == "RESTRICT" and _exists(connection, table, match):
        raise RestrictedError(
            f"Cannot delete these rows: rows of {reference.label} point at them, and its "
            "on_delete is PROTECT or RESTRICT. Delete those rows, or point them elsewhere, "
            "first."
        )


def _exists(connection: sa.Connection, table: sa.Table, match: sa.ColumnElement[bool]) -> bool:
    probe = sa.select(sa.literal(1)).select_from(table).where(match).limit(1)
    return connection.execute(probe).first() is not None


def references(meta: HistoricalOptions) -> Iterator[Reference]:
    """Yield every column, in the state of ``meta``, with a foreign key to its rows."""
    apps, label = meta.apps, meta.label_lower
    for related, name, field in apps.state.related_fields_to(label):
        if isinstance(field, ManyToManyField):
            if field.has_auto_table and related.managed:
                table = apps.join_table(related, name, field)
                yield Reference(
                    f"{related.label_lower}.{name}", table, "to", "CASCADE", meta.pk_name
                )
            continue
        if not (related.managed and field.db_constraint):  # type: ignore[attr-defined]
            continue
        child = apps.get_model(related.app_label, related.name)._meta
        yield Reference(
            label=f"{child.label}.{name}",
            table=child.table,
            column=name,
            action=getattr(field.on_delete, "sql_action", None),  # type: ignore[attr-defined]
            target=field.to_field or meta.pk_name,  # type: ignore[attr-defined]
            meta=child,
            default=field.db_default if field.has_db_default() else None,
        )
    for name, own_field in meta.state.fields.items():
        if isinstance(own_field, ManyToManyField) and own_field.has_auto_table:
            table = apps.join_table(meta.state, name, own_field)
            yield Reference(f"{label}.{name}", table, "from", "CASCADE", meta.pk_name)
