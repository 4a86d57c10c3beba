"""Writing historical objects to their table: save, and the bulk methods, in batches.

Every write runs on the migration's connection, inside its transaction. Bulk
writes take any iterable and consume it one batch at a time, so that their memory
is bounded by the batch size, not by the number of rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from dbshift.exceptions import BadMigrationError
from dbshift.historical.defaults import DB_DEFAULT, stamp_dates

if TYPE_CHECKING:
    from dbshift.historical.model import HistoricalModel
    from dbshift.historical.options import HistoricalOptions

T = TypeVar("T")

#: Rows per statement when a bulk method is given no ``batch_size``.
DEFAULT_BATCH_SIZE = 1000


def batches(items: Iterable[T], size: int | None) -> Iterator[list[T]]:
    """Yield lists of at most ``size`` items, taking them from ``items`` as needed."""
    if size is not None and size <= 0:
        raise BadMigrationError(f"batch_size must be a positive integer, not {size!r}.")
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size or DEFAULT_BATCH_SIZE)):
        yield batch


def connection(meta: HistoricalOptions) -> sa.Connection:
    return meta.apps.connection


# -- save() --------------------------------------------------------------------------------


def save(
    instance: HistoricalModel, force_insert: bool, force_update: bool, update_fields: Any
) -> None:
    """Write ``instance``'s row; see :meth:`HistoricalModel.save`."""
    meta = instance._meta
    if force_insert and (force_update or update_fields is not None):
        raise BadMigrationError(
            "save() cannot force both an insert and an update; pass force_insert or "
            "force_update (or update_fields), not both."
        )
    if update_fields is not None:
        names = [meta.resolve(name)[0] for name in update_fields]
        if not names:
            return
        stamp_dates(instance, adding=False)
        if not update_row(instance, names):
            raise meta.model.DoesNotExist(
                f"save(update_fields=...) of {meta.object_name} with pk {instance.pk!r} "
                "updated no row; the row does not exist."
            )
        return
    if instance.pk is not None and not force_insert:
        stamp_dates(instance, adding=False)
        names = [name for name in meta.concrete if name != meta.pk_name]
        if update_row(instance, names):
            return
        if force_update:
            raise meta.model.DoesNotExist(
                f"save(force_update=True) of {meta.object_name} with pk {instance.pk!r} "
                "updated no row; the row does not exist."
            )
    stamp_dates(instance, adding=True)
    insert_objects(meta, [instance])


def update_row(instance: HistoricalModel, names: Sequence[str]) -> bool:
    """UPDATE the columns ``names`` of ``instance``'s row; return whether it exists."""
    meta = instance._meta
    table = meta.table
    values = {name: getattr(instance, meta.attnames[name]) for name in names}
    _refuse_db_defaults(meta, values)
    pk = table.c[meta.pk_name]
    is_row = pk == sa.bindparam(None, instance.pk, type_=pk.type)
    statement = sa.update(table).where(is_row)
    if not values:
        # Nothing to write besides the key: the row exists when it can be read.
        probe = sa.select(sa.literal(1)).select_from(table).where(is_row)
        return connection(meta).execute(probe).first() is not None
    return connection(meta).execute(statement.values(values)).rowcount > 0


# -- INSERT ------------------------------------------------------------------------------


def insert_objects(
    meta: HistoricalOptions, objects: Sequence[HistoricalModel], read_back: bool = True
) -> None:
    """INSERT ``objects``; with ``read_back``, set the keys and defaults the database chose.

    Objects are grouped by the columns they leave to the database (an automatic key
    not given, a ``db_default``), since one statement inserts the same columns for
    every row.
    """
    groups: dict[tuple[str, ...], list[HistoricalModel]] = {}
    for instance in objects:
        left = tuple(name for name in meta.concrete if _left_to_database(instance, name))
        groups.setdefault(left, []).append(instance)
    for left, members in groups.items():
        _insert_group(meta, members, left, read_back)


def _left_to_database(instance: HistoricalModel, name: str) -> bool:
    meta = instance._meta
    value = instance.__dict__[meta.attnames[name]]
    if value is DB_DEFAULT:
        return True
    return value is None and name == meta.pk_name and meta.concrete[name].auto_increments


def _insert_group(
    meta: HistoricalOptions,
    members: list[HistoricalModel],
    left: tuple[str, ...],
    read_back: bool,
) -> None:
    table = meta.table
    rows = [
        {name: member.__dict__[meta.attnames[name]] for name in meta.concrete if name not in left}
        for member in members
    ]
    statement = sa.insert(table)
    if not (left and read_back):
        connection(meta).execute(statement, rows)
        return
    returned = [table.c[name] for name in left]
    dialect = connection(meta).dialect
    if len(members) > 1 and not dialect.insert_executemany_returning_sort_by_parameter_order:
        for member, row in zip(members, rows, strict=True):
            result = connection(meta).execute(statement.values(row).return_defaults(*returned))
            _set_returned(meta, member, left, result.returned_defaults)
        return
    # SQLAlchemy keeps the rows in the order given, by batches where the database
    # guarantees RETURNING's order (PostgreSQL) and a row at a time where it does not.
    result = connection(meta).execute(
        statement.returning(*returned, sort_by_parameter_order=True), rows
    )
    for member, values in zip(members, result, strict=True):
        _set_returned(meta, member, left, values)


def _set_returned(
    meta: HistoricalOptions, instance: HistoricalModel, names: tuple[str, ...], values: Any
) -> None:
    for name, value in zip(names, values, strict=True):
        instance.__dict__[meta.attnames[name]] = value


def bulk_insert(
    meta: HistoricalOptions,
    objects: Iterable[HistoricalModel],
    batch_size: int | None,
    read_back: bool = True,
) -> None:
    """INSERT ``objects`` a batch at a time; see :meth:`QuerySet.bulk_create`."""
    for batch in batches(objects, batch_size):
        for instance in batch:
            if instance._meta is not meta:
                raise TypeError(
                    f"bulk_create() of {meta.object_name} got {instance!r}, an object of "
                    "another model or of another point of the history."
                )
            stamp_dates(instance, adding=True)
        insert_objects(meta, batch, read_back)


# -- bulk UPDATE -----------------------------------------------------------------------------


def bulk_update(
    meta: HistoricalOptions,
    objects: Iterable[HistoricalModel],
    fields: Sequence[str],
    batch_size: int | None,
) -> int:
    """UPDATE ``fields`` of each object's row, a batch at a time; return the rows matched.

    One statement, ``UPDATE … SET f = ? WHERE pk = ?``, runs for every row of a
    batch through the driver's executemany (pipelined by psycopg, one prepared
    statement in sqlite3). On PostgreSQL that measured three times faster than one
    ``UPDATE … FROM (VALUES …)`` per batch, and it is the same SQL on every database.
    """
    names = _bulk_update_fields(meta, fields)
    table = meta.table
    pk = table.c[meta.pk_name]
    assignments = {
        table.c[name]: sa.bindparam(f"value_{index}_", type_=table.c[name].type)
        for index, name in enumerate(names)
    }
    statement = (
        sa.update(table).where(pk == sa.bindparam("key_", type_=pk.type)).values(assignments)
    )
    matched = 0
    for batch in batches(objects, batch_size):
        rows = [_update_parameters(meta, instance, names) for instance in batch]
        matched += connection(meta).execute(statement, rows).rowcount
    return matched


def _bulk_update_fields(meta: HistoricalOptions, fields: Sequence[str]) -> list[str]:
    if isinstance(fields, str) or not fields:
        raise BadMigrationError(
            f"bulk_update() of {meta.object_name} needs a list of field names to update, "
            f"not {fields!r}."
        )
    names = [meta.resolve(name)[0] for name in fields]
    if meta.pk_name in names:
        raise BadMigrationError(
            f"bulk_update() cannot be used with primary key fields ({meta.pk_name} of "
            f"{meta.object_name}); create new rows and delete the old ones instead."
        )
    return names


def _update_parameters(
    meta: HistoricalOptions, instance: HistoricalModel, names: list[str]
) -> dict[str, Any]:
    if instance._meta is not meta:
        raise TypeError(
            f"bulk_update() of {meta.object_name} got {instance!r}, an object of another "
            "model or of another point of the history."
        )
    if instance.pk is None:
        raise BadMigrationError(
            f"All bulk_update() objects must have a primary key set; {instance!r} has none "
            "(save it, or bulk_create it, first)."
        )
    values = {name: instance.__dict__[meta.attnames[name]] for name in names}
    _refuse_db_defaults(meta, values)
    parameters = {f"value_{index}_": values[name] for index, name in enumerate(names)}
    parameters["key_"] = instance.pk
    return parameters


def _refuse_db_defaults(meta: HistoricalOptions, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if value is DB_DEFAULT:
            raise BadMigrationError(
                f"{meta.object_name}.{name} holds DB_DEFAULT, which only an INSERT can "
                "write; set a value, or refresh the object from the database first."
            )
