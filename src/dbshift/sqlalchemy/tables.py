"""The application's tables: one ``sa.Table`` per model and per automatic join table.

Each table is built from the :class:`TableSpec` that ``migrate`` creates the
table from (:class:`dbshift.backends.build.SpecBuilder`), so names, types,
keys and defaults are the database's by construction, and each column converts
values through the backend's :class:`ValueAdapter`, so rows read and written by
the application are in the storage format data migrations use.

``create_all()`` does not compile these tables with SQLAlchemy's DDL: it asks the
schema editor ``migrate`` uses to create each table from its spec, so an empty
database gets exactly the schema ``migrate`` would give it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from dbshift.backends.build import SpecBuilder
from dbshift.backends.rows import StoredValue
from dbshift.backends.runtime import schema_editor_for
from dbshift.backends.spec import ColumnSpec, IndexSpec, TableSpec
from dbshift.migrations.state import ModelKey, ModelState, ProjectState
from dbshift.models.fields import Field

#: ``Table.info`` key of the function that builds a table's spec for a database.
SPEC_INFO = "dbshift_spec"
#: ``Table.info`` key saying whether ``migrate`` creates the table (``Meta.managed``).
MANAGED_INFO = "dbshift_managed"

SpecFactory = Callable[[SpecBuilder], TableSpec]


class ModelMetaData(sa.MetaData):
    """A ``MetaData`` whose ``create_all()`` creates dbshift tables as ``migrate`` does."""

    # Narrower than MetaData's: the schema editor needs a live connection (no MockConnection),
    # and checkfirst is a yes/no question for our tables.
    def create_all(  # type: ignore[override]
        self,
        bind: sa.Engine | sa.Connection,
        tables: Sequence[sa.Table] | None = None,
        checkfirst: bool = True,
    ) -> None:
        """Create the missing tables; those of models with the schema editor of ``migrate``."""
        chosen = list(self.sorted_tables if tables is None else tables)
        # Unmanaged models' tables are someone else's, as for migrate.
        own = [
            table
            for table in chosen
            if SPEC_INFO in table.info and table.info.get(MANAGED_INFO, True)
        ]
        others = [table for table in chosen if SPEC_INFO not in table.info]
        if isinstance(bind, sa.Connection):
            _create_model_tables(bind, own, checkfirst)
        else:
            with bind.begin() as connection:
                _create_model_tables(connection, own, checkfirst)
        if others:
            super().create_all(bind, tables=others, checkfirst=checkfirst)


def _create_model_tables(
    connection: sa.Connection, tables: Iterable[sa.Table], checkfirst: bool
) -> None:
    """Create ``tables``, then their foreign keys where they are not written inline.

    Keys come last so that tables pointing at each other can be created at all.
    """
    editor = schema_editor_for(connection)
    existing = set(sa.inspect(connection).get_table_names()) if checkfirst else set()
    specs = [table.info[SPEC_INFO](editor.builder) for table in tables]
    specs = [spec for spec in specs if spec.name not in existing]
    inline = editor.features.inline_foreign_keys
    for spec in specs:
        editor.create_table(spec if inline else dataclasses.replace(spec, foreign_keys=()))
    if not inline:
        for spec in specs:
            for foreign_key in spec.foreign_keys:
                editor.create_object(spec.name, foreign_key)
    editor.finish()


class TableBuilder:
    """Build the tables of a project state for one database's types and values."""

    def __init__(self, builder: SpecBuilder, state: ProjectState, metadata: sa.MetaData) -> None:
        self.builder = builder
        self.state = state
        self.metadata = metadata
        #: The table of each model, by model key.
        self.model_tables: dict[ModelKey, sa.Table] = {}
        #: The automatic join table of each many-to-many field, by model key and field name.
        self.join_tables: dict[tuple[ModelKey, str], sa.Table] = {}
        self._specs: dict[str, TableSpec] = {}

    def build(self) -> None:
        """Build every table, then the foreign keys between them."""
        for model in self.state.models.values():
            self.model_tables[model.key] = self._model_table(model)
        for model in self.state.models.values():
            for name, field in model.fields.items():
                if field.many_to_many and field.has_auto_table:  # type: ignore[attr-defined]
                    self.join_tables[(model.key, name)] = self._join_table(model, name, field)
        for table in self.metadata.tables.values():
            self._add_foreign_keys(table, self._specs[table.name])

    def _model_table(self, model: ModelState) -> sa.Table:
        state = self.state
        spec = self.builder.table(state, model)
        keys = {name: field.attname(name) for name, field in model.fields.items()}
        columns = [
            _column(column, self.builder, keys[column.key], model.fields[column.key])
            for column in spec.columns
        ]
        table = self._table(spec, columns, lambda builder: builder.table(state, model))
        table.info[MANAGED_INFO] = model.managed
        return table

    def _join_table(self, model: ModelState, name: str, field: Any) -> sa.Table:
        state = self.state

        def spec_of(builder: SpecBuilder) -> TableSpec:
            return builder.join_table(state, model, name, field)

        spec = spec_of(self.builder)
        columns = [_column(column, self.builder, column.name, None) for column in spec.columns]
        return self._table(spec, columns, spec_of)

    def _table(
        self, spec: TableSpec, columns: list[sa.Column[Any]], spec_of: SpecFactory
    ) -> sa.Table:
        self._specs[spec.name] = spec
        table = sa.Table(spec.name, self.metadata, *columns, comment=spec.comment)
        table.info[SPEC_INFO] = spec_of
        by_name = {column.name: column for column in table.columns}
        for check in spec.checks:
            table.append_constraint(sa.CheckConstraint(sa.text(check.sql), name=check.name))
        for index in spec.indexes:
            _add_index(table, index, by_name)
        return table

    def _add_foreign_keys(self, table: sa.Table, spec: TableSpec) -> None:
        by_name = {column.name: column for column in table.columns}
        for foreign_key in spec.foreign_keys:
            target = self.metadata.tables[foreign_key.to_table]
            remote = next(c for c in target.columns if c.name == foreign_key.to_column)
            table.append_constraint(
                sa.ForeignKeyConstraint(
                    [by_name[foreign_key.column]],
                    [remote],
                    name=foreign_key.name,
                    ondelete=foreign_key.on_delete,
                    deferrable=True,
                    initially="DEFERRED",
                )
            )


def _column(
    column: ColumnSpec, builder: SpecBuilder, key: str, field: Field | None
) -> sa.Column[Any]:
    """Return the column of ``column``'s spec, with the Python defaults of ``field``."""
    server_default = sa.DefaultClause(sa.text(column.default_sql)) if column.default_sql else None
    default, onupdate = _python_defaults(field)
    return sa.Column(
        column.name,
        StoredValue(column.type, column.value_field, builder.adapter),
        key=key,
        primary_key=column.primary_key,
        nullable=column.nullable,
        autoincrement=column.identity,
        server_default=server_default,
        default=default,
        onupdate=onupdate,
        comment=column.comment,
    )


def _python_defaults(field: Field | None) -> tuple[Any, Any]:
    """Return the insert and update defaults of ``field``: ``default``, ``auto_now(_add)``.

    Callables are wrapped so that SQLAlchemy calls them with no argument (it would
    pass its execution context to a callable that takes one).
    """
    if field is None:
        return None, None
    now = getattr(field, "now", None)
    if getattr(field, "auto_now", False) and now is not None:
        return (lambda: now()), (lambda: now())
    if getattr(field, "auto_now_add", False) and now is not None:
        return (lambda: now()), None
    if field.has_default():
        return (lambda: field.get_default()), None
    return None, None


def _add_index(table: sa.Table, index: IndexSpec, by_name: dict[str, sa.Column[Any]]) -> None:
    columns = [by_name[name] for name in index.columns]
    if index.constraint:
        table.append_constraint(sa.UniqueConstraint(*columns, name=index.name))
        return
    expressions: list[Any] = [
        column.desc() if index.descending and index.descending[position] else column
        for position, column in enumerate(columns)
    ]
    options: dict[str, Any] = {}
    if index.where:
        options = {"sqlite_where": sa.text(index.where), "postgresql_where": sa.text(index.where)}
    if index.opclasses:
        options["postgresql_ops"] = dict(zip(index.columns, index.opclasses, strict=False))
    # An index over a table's columns joins that table.
    sa.Index(index.name, *expressions, unique=index.unique, **options)
