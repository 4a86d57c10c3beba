"""Querysets of historical models: lazy, chainable, Django's most used methods.

Building a queryset runs nothing; each chained call returns a new one. Rows are
read when the queryset is iterated (and then kept, as Django keeps them), or
streamed by :meth:`QuerySet.iterator` without being kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from dbshift.exceptions import BadMigrationError
from dbshift.historical import persistence
from dbshift.historical.deletion import delete_rows
from dbshift.historical.options import PK
from dbshift.historical.sql import Query, QueryCompiler
from dbshift.models.query import Q

if TYPE_CHECKING:
    from dbshift.historical.model import HistoricalModel

#: Rows fetched per round trip by ``iterator()`` when no ``chunk_size`` is given.
DEFAULT_CHUNK_SIZE = 2000

#: How rows come out: model objects, dicts (``values()``), tuples or single values.
Shape = Literal["objects", "dicts", "tuples", "flat"]


class QuerySet:
    """The rows of one historical model that meet some conditions, in some order."""

    def __init__(
        self,
        model: type[HistoricalModel],
        query: Query | None = None,
        shape: Shape = "objects",
        names: tuple[str, ...] = (),
    ) -> None:
        self.model = model
        self.query = query or Query()
        self.shape = shape
        self.names = names
        self.compiler = QueryCompiler(model._meta)
        self._result_cache: list[Any] | None = None

    def _chain(self, **changes: Any) -> QuerySet:
        """Return a copy of this queryset whose query has ``changes``."""
        query = dataclasses.replace(self.query, **changes)
        return type(self)(self.model, query, self.shape, self.names)

    def _sliced(self, start: int | None, stop: int | None) -> QuerySet:
        query = self.query.sliced_to(start, stop)
        return type(self)(self.model, query, self.shape, self.names)

    def _reshaped(self, shape: Shape, names: tuple[str, ...]) -> QuerySet:
        return type(self)(self.model, self.query, shape, names)

    @property
    def connection(self) -> sa.Connection:
        return self.model._meta.apps.connection

    # -- Chaining ---------------------------------------------------------------------------

    def all(self) -> QuerySet:
        return self._chain()

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet:
        """Return the rows that also meet the lookups (``title__startswith="A"``)."""
        return self._where(Q(*args, **kwargs))

    def exclude(self, *args: Q, **kwargs: Any) -> QuerySet:
        """Return the rows that do not meet the lookups."""
        return self._where(~Q(*args, **kwargs))

    def _where(self, q: Q) -> QuerySet:
        self._refuse_if_sliced("filter")
        if not q.children:
            return self._chain()
        # A mistaken name fails here, where it was written.
        self.compiler.meta.normalize(q, self._annotation_names())
        return self._chain(where=(*self.query.where, q))

    def order_by(self, *names: str) -> QuerySet:
        """Return the rows ordered by ``names`` (``"-title"`` descending, ``"?"`` random)."""
        self._refuse_if_sliced("order_by")
        for name in names:
            if name != "?" and name.lstrip("-") not in self._annotation_names():
                self.compiler.meta.resolve(name.lstrip("-"))
        return self._chain(ordering=names)

    def annotate(self, *args: Any, **kwargs: Any) -> QuerySet:
        """Return the rows each with the value of more expressions, as attributes or keys.

        An aggregate over a reverse relation (``Count("books")``) counts each row's
        related rows; one over the model's own fields after ``values("a")`` is
        computed for each group of rows with the same ``a``.
        """
        self._refuse_if_sliced("annotate")
        named = {**{expression.default_alias: expression for expression in args}, **kwargs}
        clashes = sorted(set(named) & set(self.compiler.meta.concrete))
        if clashes:
            raise BadMigrationError(
                f"annotate(): {', '.join(clashes)} is a field of {self.model._meta.label}; "
                "give the annotation another name."
            )
        query = dataclasses.replace(
            self.query,
            annotations=(*self.query.annotations, *named.items()),
            group_by=self._grouping_names() if self.shape != "objects" else None,
        )
        names = (*self.names, *named) if self.shape != "objects" else self.names
        return type(self)(self.model, query, self.shape, names)

    def _grouping_names(self) -> tuple[str, ...]:
        annotations = self._annotation_names()
        return tuple(name for name in self.names if name not in annotations)

    def _annotation_names(self) -> set[str]:
        return {alias for alias, _expression in self.query.annotations}

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Return the values of aggregates over all the rows (``{"price__max": 9}``)."""
        named = {**{expression.default_alias: expression for expression in args}, **kwargs}
        if self.query.empty:
            return dict.fromkeys(named)
        row = self.connection.execute(self.compiler.aggregate(self.query, named)).one()
        return dict(zip(named, row, strict=True))

    def none(self) -> QuerySet:
        return self._chain(empty=True)

    def only(self, *names: str) -> QuerySet:
        """Return this queryset; objects hold every column anyway, ``names`` included."""
        return self._loading(names)

    def defer(self, *names: str) -> QuerySet:
        """Return this queryset; objects hold every column anyway, ``names`` included.

        Django reads a deferred column when it is first used; reading it at once
        gives objects with the same values.
        """
        return self._loading(names)

    def select_related(self, *names: str) -> QuerySet:
        """Return this queryset; related objects are read when first used."""
        return self._chain()

    def prefetch_related(self, *names: str) -> QuerySet:
        """Return this queryset; related objects are read when first used."""
        return self._chain()

    def _loading(self, names: tuple[str, ...]) -> QuerySet:
        for name in names:
            self.compiler.meta.resolve(name.split("__")[0])
        return self._chain()

    def using(self, alias: str) -> QuerySet:
        """Return this queryset: historical models always use the migration's connection."""
        return self._chain()

    def values(self, *names: str) -> QuerySet:
        """Return the rows as dicts of ``names`` (default: every column's attribute)."""
        return self._reshaped("dicts", self._checked_names(names))

    def values_list(self, *names: str, flat: bool = False) -> QuerySet:
        """Return the rows as tuples of ``names``, or single values when ``flat``."""
        if flat and len(names) != 1:
            raise TypeError("values_list(flat=True) takes exactly one field name.")
        return self._reshaped("flat" if flat else "tuples", self._checked_names(names))

    def _checked_names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        meta = self.compiler.meta
        annotations = tuple(alias for alias, _expression in self.query.annotations)
        for name in names:
            if name not in annotations:
                meta.resolve(name)
        return names or (*meta.attnames.values(), *annotations)

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise BadMigrationError("Querysets support slices without a step only.")
            if self._result_cache is not None:
                return self._result_cache[key]
            return self._sliced(key.start, key.stop)
        if not isinstance(key, int):
            raise TypeError(f"Queryset indices must be integers or slices, not {key!r}.")
        if self._result_cache is not None:
            return self._result_cache[key]
        rows = list(self._sliced(key, key + 1))
        if not rows:
            raise IndexError(f"{self.model._meta.object_name} queryset index out of range.")
        return rows[0]

    def _refuse_if_sliced(self, method: str) -> None:
        if self.query.sliced:
            raise TypeError(f"Cannot use {method}() once a slice has been taken.")

    # -- Reading ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Any]:
        if self._result_cache is None:
            self._result_cache = list(self._rows(None))
        return iter(self._result_cache)

    def __len__(self) -> int:
        return sum(1 for _row in self)

    def __bool__(self) -> bool:
        return self.exists() if self._result_cache is None else bool(self._result_cache)

    def __repr__(self) -> str:
        rows = list(self[:21]) if self._result_cache is None else self._result_cache[:21]
        shown = ", ".join(repr(row) for row in rows[:20]) + (", ..." if len(rows) > 20 else "")
        return f"<QuerySet [{shown}]>"

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        """Yield the rows without keeping them, fetching ``chunk_size`` rows at a time.

        PostgreSQL reads them through a server-side cursor; MySQL reads them all
        first, as its driver cannot read a result in parts while other statements
        run on the connection. SQLite steps through
        them as they are read, without isolating the reading from writes to the
        same table on the same connection (as in Django): write to other rows than
        the ones being read, or read into batches first.
        """
        if chunk_size is not None and chunk_size <= 0:
            raise BadMigrationError(
                f"iterator() chunk_size must be a positive integer, not {chunk_size!r}."
            )
        return self._rows(chunk_size or DEFAULT_CHUNK_SIZE)

    def _rows(self, chunk_size: int | None) -> Iterator[Any]:
        if self.query.empty or (self.query.high is not None and self.query.high <= self.query.low):
            return
        meta = self.compiler.meta
        annotations = tuple(alias for alias, _expression in self.query.annotations)
        names = self.names or (*meta.concrete, *annotations)
        column = self.compiler.resolver(self.query)
        statement = self.compiler.select(self.query, [column(name) for name in names])
        if chunk_size is not None and self._may_stream():
            statement = statement.execution_options(yield_per=chunk_size)
        result = self.connection.execute(statement)
        try:
            yield from self._shaped(result, names)
        finally:
            result.close()

    def _may_stream(self) -> bool:
        """Return whether rows may be streamed while the caller writes between them."""
        from dbshift.backends.backend import dialect_backend

        return dialect_backend(self.connection.dialect).streams_results_between_statements

    def _shaped(self, result: sa.CursorResult[Any], names: tuple[str, ...]) -> Iterator[Any]:
        if self.shape == "flat":
            for row in result:
                yield row[0]
        elif self.shape == "tuples":
            for row in result:
                yield tuple(row)
        elif self.shape == "dicts":
            for row in result:
                yield dict(zip(names, row, strict=True))
        else:
            attnames = [self.compiler.meta.attnames.get(name, name) for name in names]
            make = self.model.from_db
            for row in result:
                yield make(dict(zip(attnames, row, strict=True)))

    def get(self, *args: Q, **kwargs: Any) -> Any:
        """Return the one row that meets the lookups; raise if there is none or several."""
        queryset = self.filter(*args, **kwargs) if args or kwargs else self
        rows = list(queryset._sliced(0, 2))
        meta = self.compiler.meta
        if not rows:
            raise self.model.DoesNotExist(f"{meta.object_name} matching query does not exist.")
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(
                f"get() returned more than one {meta.object_name}: the lookups match several rows."
            )
        return rows[0]

    def first(self) -> Any:
        """Return the first row in the queryset's order (by key if it has none), or None."""
        rows = list((self if self._ordering() else self.order_by(PK))[:1])
        return rows[0] if rows else None

    def last(self) -> Any:
        """Return the last row in the queryset's order (by key if it has none), or None."""
        self._refuse_if_sliced("last")
        names = self._ordering() or (PK,)
        reverse = tuple(name if name == "?" else _reversed(name) for name in names)
        rows = list(self._chain(ordering=reverse)[:1])
        return rows[0] if rows else None

    def _ordering(self) -> tuple[str, ...]:
        if self.query.ordering is None:
            return tuple(self.compiler.meta.ordering)
        return self.query.ordering

    def count(self) -> int:
        """Return the number of rows, counted by the database unless they were read."""
        if self._result_cache is not None:
            return len(self._result_cache)
        if self.query.empty:
            return 0
        return int(self.connection.execute(self.compiler.count(self.query)).scalar_one())

    def exists(self) -> bool:
        """Return whether there is a row, reading at most one."""
        if self._result_cache is not None:
            return bool(self._result_cache)
        if self.query.empty:
            return False
        return self.connection.execute(self.compiler.exists(self.query)).first() is not None

    # -- Writing ---------------------------------------------------------------------------

    def create(self, **kwargs: Any) -> HistoricalModel:
        """Insert a new row and return its object."""
        instance = self.model(**kwargs)
        instance.save(force_insert=True)
        return instance

    def get_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[HistoricalModel, bool]:
        """Return the row that meets the lookups, creating it (with ``defaults``) if none."""
        try:
            return self.get(**kwargs), False
        except self.model.DoesNotExist:
            values = {key: value for key, value in kwargs.items() if "__" not in key}
            return self.create(**{**values, **(defaults or {})}), True

    def update_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[HistoricalModel, bool]:
        """Update the row that meets the lookups with ``defaults``, or create it."""
        instance, created = self.get_or_create(defaults, **kwargs)
        if not created and defaults:
            for name, value in defaults.items():
                setattr(instance, name, value)
            instance.save(update_fields=[self.compiler.meta.resolve(n)[0] for n in defaults])
        return instance, created

    def update(self, **values: Any) -> int:
        """Set ``values`` in every row of the queryset in one statement; return the count."""
        self._refuse_if_sliced("update")
        if not values or self.query.empty:
            return 0
        self._result_cache = None
        return self.connection.execute(self.compiler.update(self.query, values)).rowcount

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete the rows of the queryset; return the count, as Django does.

        Rows pointing at them follow their foreign keys' ``on_delete`` rules, on
        both databases (see :mod:`dbshift.historical.deletion`); the count is of
        this model's rows.
        """
        self._refuse_if_sliced("delete")
        if self.query.empty:
            return 0, {}
        self._result_cache = None
        meta = self.compiler.meta
        deleted = delete_rows(meta, self.compiler.condition(self.query))
        return deleted, {meta.label: deleted} if deleted else {}

    def bulk_create(
        self, objs: Iterable[HistoricalModel], batch_size: int | None = None
    ) -> list[HistoricalModel] | None:
        """Insert ``objs`` in batches of ``batch_size`` rows.

        A list or tuple gets the keys the database chose and is returned as a list,
        as Django does. Any other iterable (a generator) is consumed a batch at a time,
        and its objects are neither kept nor given their keys (which would take a
        RETURNING per row on SQLite), so that loading any number of rows takes bounded
        memory; it returns None.
        """
        meta = self.compiler.meta
        if isinstance(objs, Sequence):
            persistence.bulk_insert(meta, objs, batch_size)
            return list(objs)
        persistence.bulk_insert(meta, objs, batch_size, read_back=False)
        return None

    def bulk_update(
        self, objs: Iterable[HistoricalModel], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """Write ``fields`` of each object to its row, in batches; return the rows matched."""
        return persistence.bulk_update(self.compiler.meta, objs, fields, batch_size)


def _reversed(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"
