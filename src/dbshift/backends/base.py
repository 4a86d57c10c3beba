"""The schema editor contract: the database changes operations ask for.

Operations decide *what* changes and call these methods with plain states
(:class:`ModelState` and the :class:`ProjectState` around it, so that relations
can be resolved); editors decide *how*, in SQL for their database. Every
statement goes through :meth:`SchemaEditor.execute`, which either runs it or,
in collect mode, records it for ``sqlmigrate`` and ``migrate --plan``.

The editor works by comparison: each method builds the :class:`TableSpec` of the
affected tables before and after the change, and the hooks of
:class:`~dbshift.backends.tables.TableChanges` turn each :class:`TableDiff` into
statements. The generic hooks change tables in place with ``ALTER TABLE``; a
database that cannot (SQLite) overrides one hook to choose, per table, between
altering and rebuilding.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

import sqlalchemy as sa
from sqlalchemy import exc

from dbshift.backends import ddl
from dbshift.backends.build import FieldCheck, SpecBuilder
from dbshift.backends.datatypes import POSITIVE_CHECKS, TypeFactory
from dbshift.backends.diff import TableDiff, diff_tables
from dbshift.backends.features import Features
from dbshift.backends.spec import (
    ColumnSpec,
    IndexSpec,
    TableSpec,
)
from dbshift.backends.tables import TableChanges
from dbshift.backends.values import ValueAdapter
from dbshift.conf import DEFAULT_ALIAS
from dbshift.exceptions import DataLossError, MigrationFailedError, NotSupportedError
from dbshift.models.indexes import Index
from dbshift.models.related import ManyToManyField

if TYPE_CHECKING:
    from dbshift.migrations.state import ModelState, ProjectState
    from dbshift.models.fields import Field
    from dbshift.models.indexes import BaseConstraint

Params = Sequence[Any] | Mapping[str, Any] | None

#: Spec builders by dialect, editor class and type map, shared by the editors of a run.
_BUILDERS: weakref.WeakKeyDictionary[sa.Dialect, dict[tuple[Any, ...], SpecBuilder]] = (
    weakref.WeakKeyDictionary()
)


class SchemaEditor(TableChanges):
    """Turn schema changes into SQL for one database, and run or collect it."""

    vendor: ClassVar[str] = "base"
    features: ClassVar[Features] = Features()
    #: Column types by field family (``Field.internal_type``).
    data_types: ClassVar[Mapping[str, TypeFactory]] = {}
    #: Checks that come with a field family, such as ``>= 0`` for positive integers.
    field_checks: ClassVar[Mapping[str, FieldCheck]] = POSITIVE_CHECKS
    value_adapter_class: ClassVar[type[ValueAdapter]] = ValueAdapter
    #: Builds the table specs of models; a backend with rules of its own subclasses it.
    builder_class: ClassVar[type[SpecBuilder]] = SpecBuilder

    def __init__(
        self,
        connection: sa.Connection | None,
        dialect: sa.Dialect,
        collect: bool = False,
        alias: str = DEFAULT_ALIAS,
    ) -> None:
        self.connection = connection
        #: The name of the database in the settings, which migration code may read.
        self.alias = alias
        self.dialect = dialect
        self.collect = collect or connection is None
        #: Statements run (or collected), in order, as SQL text.
        self.collected_sql: list[str] = []
        #: Statements put off until their table is next touched, or ``finish()``,
        #: by table name: the indexes of new tables, so that rows a data
        #: migration loads meanwhile are indexed once.
        self.deferred: dict[str, list[tuple[sa.ClauseElement, object]]] = {}
        #: The operation being applied, which :meth:`begin_operation` sets, so that
        #: a deferred statement that fails names the operation it belongs to.
        self.operation: object | None = None
        #: Whether anything but dbshift's own DDL ran (RunSQL, code, a fill of
        #: existing rows): only that adds, changes or deletes rows.
        self.may_have_written_rows = False
        self.builder = self._shared_builder(dialect)
        self.adapter = self.builder.adapter

    def _shared_builder(self, dialect: sa.Dialect) -> SpecBuilder:
        """Return the spec builder, and value adapter, of this editor class for ``dialect``.

        Editors live for one migration; the builder, the parts of tables it keeps
        (:meth:`SpecBuilder.field_parts`) and its adapter (which makes a dialect of
        its own on PostgreSQL) serve every migration of a run. The type map is part
        of the key: it may change once the dialect has met the server (MariaDB's
        ``uuid``), and so may the values the adapter writes.
        """
        builders = _BUILDERS.setdefault(dialect, {})
        types = self.column_types(dialect)
        key = (type(self), id(types))
        builder = builders.get(key)
        if builder is None:
            adapter = self.value_adapter_class(dialect)
            builder = builders[key] = self.builder_class(
                dialect, self.features, types, self.field_checks, adapter
            )
        return builder

    @classmethod
    def column_types(cls, dialect: sa.Dialect) -> Mapping[str, TypeFactory]:
        """Return the type map for ``dialect``; a server version may change a type."""
        return cls.data_types

    # -- Running SQL -----------------------------------------------------------------

    def execute(self, statement: str | sa.ClauseElement, params: Params = None) -> None:
        """Run one statement, or record it in collect mode."""
        if not isinstance(statement, ddl.Statement):
            self.may_have_written_rows = True
        sql = statement if isinstance(statement, str) else self.adapter.compile(statement)
        if self.collect:
            self.collected_sql.append(_terminated(self._inline(sql, params)))
            return
        self.collected_sql.append(_terminated(sql))
        self._run(sql, params)

    def _run(self, sql: str, params: Params) -> sa.CursorResult[Any]:
        assert self.connection is not None
        try:
            if params is None:
                return self.connection.exec_driver_sql(
                    sql, execution_options={"no_parameters": True}
                )
            if not isinstance(params, Mapping):
                params = tuple(params)
            return self.connection.exec_driver_sql(sql, params)
        except exc.DBAPIError as err:
            message = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise MigrationFailedError(
                f"The database refused a statement: {message}\n  while running: {sql}"
            ) from err

    def begin_operation(self, operation: object) -> None:
        """Note that the statements from now on are those of ``operation``."""
        self.operation = operation

    def query(
        self, statement: str | sa.ClauseElement, params: Params = None
    ) -> list[sa.Row[*tuple[Any, ...]]]:
        """Return the rows of a query; only possible with a connection."""
        sql = statement if isinstance(statement, str) else self.adapter.compile(statement)
        return list(self._run(sql, params))

    def table_has_rows(self, table: str) -> bool:
        """Return whether ``table`` holds a row; collecting SQL reads nothing, so False."""
        if self.collect:
            return False
        return bool(self.query(sa.select(sa.exists().select_from(sa.table(table))))[0][0])

    def _inline(self, sql: str, params: Params) -> str:
        """Return ``sql`` with its ``%s`` (or ``%(name)s``) parameters as literals."""
        if params is None:
            return sql
        if isinstance(params, Mapping):
            return sql % {key: self.adapter.sql_literal(value) for key, value in params.items()}
        return sql % tuple(self.adapter.sql_literal(value) for value in params)

    def finish(self) -> None:
        """Run what was deferred to the end of the migration and check its integrity."""
        self.flush_deferred()
        if not self.collect:
            self.check_integrity()

    def check_integrity(self) -> None:
        """Raise :class:`MigrationFailedError` if rows break a constraint checked late."""

    def indexes_left_out(self, state: ProjectState) -> list[tuple[ModelState, str, str]]:
        """Return ``(model, index name, why)`` for each index of ``state`` this database
        does not build; every database here builds them all."""
        return []

    # -- Models ---------------------------------------------------------------------------

    def create_model(self, state: ProjectState, model: ModelState) -> None:
        """Create the table of ``model`` with its indexes, constraints and join tables."""
        self.create_table(self.builder.table(state, model), defer_indexes=True)
        for _name, spec in self.builder.join_tables(state, model):
            self.create_table(spec, defer_indexes=True)

    def delete_model(self, state: ProjectState, model: ModelState) -> None:
        """Drop the table of ``model`` and its automatic join tables."""
        for _name, spec in self.builder.join_tables(state, model):
            self.drop_table(spec.name)
        self.drop_table(self.builder.table_name(model))

    def rename_model(
        self, from_state: ProjectState, to_state: ProjectState, old: ModelState, new: ModelState
    ) -> None:
        """Follow a model rename: its table, join tables and the relations pointing at it."""
        self.alter_db_table(from_state, to_state, old, new)
        # Join tables of other models name a column after this model.
        for related, name, field in to_state.related_fields_to(new.label_lower):
            if not (
                isinstance(field, ManyToManyField) and field.has_auto_table and related.managed
            ):
                continue
            if related.key == new.key:
                continue
            before = from_state.get_model(related.app_label, related.name)
            self.apply_renames(
                # The rename changes no field: the field was the same join before it.
                self.builder.join_table(
                    from_state, before, name, cast(ManyToManyField, before.fields[name])
                ),
                self.builder.join_table(to_state, related, name, field),
            )

    def alter_db_table(
        self, from_state: ProjectState, to_state: ProjectState, old: ModelState, new: ModelState
    ) -> None:
        """Rename the table of a model from ``old.db_table`` to ``new.db_table``."""
        self.apply_renames(self.builder.table(from_state, old), self.builder.table(to_state, new))
        old_joins = dict(self.builder.join_tables(from_state, old))
        for name, spec in self.builder.join_tables(to_state, new):
            self.apply_renames(old_joins[name], spec)

    def alter_db_table_comment(
        self, model: ModelState, old_comment: str | None, new_comment: str | None
    ) -> None:
        """Set or clear the table comment; databases without comments do nothing."""
        if self.features.supports_comments and old_comment != new_comment:
            self.execute(ddl.Comment(self.builder.table_name(model), None, new_comment))

    def alter_unique_together(self, old: ModelState, new: ModelState) -> None:
        """Drop and create unique constraints so they match ``new.unique_together``."""
        self._alter_together(
            new, self.builder.unique_together(old), self.builder.unique_together(new)
        )

    def alter_index_together(self, old: ModelState, new: ModelState) -> None:
        """Drop and create indexes so they match ``new.index_together``."""
        self._alter_together(
            new, self.builder.index_together(old), self.builder.index_together(new)
        )

    def _alter_together(
        self, model: ModelState, old: list[IndexSpec], new: list[IndexSpec]
    ) -> None:
        table = self.builder.table_name(model)
        before = {spec.signature: spec for spec in old}
        after = {spec.signature: spec for spec in new}
        for signature, spec in before.items():
            if signature not in after:
                self.drop_object(table, spec)
        for signature, spec in after.items():
            if signature not in before:
                self.create_object(table, spec)

    # -- Fields ------------------------------------------------------------------------------

    def add_field(self, state: ProjectState, model: ModelState, name: str, field: Field) -> None:
        """Add column ``name`` (or a join table); ``field`` may carry a one-off default."""
        if field.many_to_many:
            if field.has_auto_table:  # type: ignore[attr-defined]
                self.create_table(self.builder.join_table(state, model, name, field))  # type: ignore[arg-type]
            return
        before_state, before = _without_field(state, model, name)
        fill = {} if field.has_db_default() else {name: field.effective_default()}
        self.alter_tables(
            [
                diff_tables(
                    self.builder.table(before_state, before),
                    self.builder.table(state, model),
                    fill,
                )
            ]
        )

    def remove_field(self, state: ProjectState, model: ModelState, name: str) -> None:
        """Drop column ``name`` of ``model`` (as in ``state``), or its join table."""
        field = model.get_field(name)
        if field.many_to_many:
            if field.has_auto_table:  # type: ignore[attr-defined]
                self.drop_table(self.builder.join_table(state, model, name, field).name)  # type: ignore[arg-type]
            return
        after_state, after = _without_field(state, model, name)
        self.alter_tables(
            [diff_tables(self.builder.table(state, model), self.builder.table(after_state, after))]
        )

    def alter_field(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old: ModelState,
        new: ModelState,
        old_name: str,
        new_name: str,
        fill_from: Field | None = None,
    ) -> None:
        """Change field ``old.old_name`` into ``new.new_name`` (rename and/or redefine).

        ``fill_from`` supplies the value for existing NULLs when the column becomes
        NOT NULL (its default, possibly a one-off). A rename is applied first, on
        its own, so that it is a pure rename of the column and of the names
        derived from it.
        """
        old_field, new_field = old.get_field(old_name), new.get_field(new_name)
        if old_field.many_to_many or new_field.many_to_many:
            self._alter_many_to_many(from_state, to_state, old, new, old_name, new_name)
            return
        old_spec = self.builder.table(from_state, old)
        if old_name != new_name:
            middle_state = from_state.clone()
            middle_state.replace_model(old)
            middle_state.rename_field(old.app_label, old.name, old_name, new_name)
            middle = middle_state.get_model(old.app_label, old.name)
            middle_spec = self.builder.table(middle_state, middle)
            self.apply_renames(old_spec, middle_spec)
            from_state, old, old_spec = middle_state, middle, middle_spec
        diff = diff_tables(
            old_spec,
            self.builder.table(to_state, new),
            _fill_for_alter(old_field, new_field, fill_from, new_name),
        )
        change = next(pair for pair in diff.pairs if pair.new.key == new_name)
        related = []
        if may_be_referenced(diff.old, change.old) or may_be_referenced(diff.new, change.new):
            related = self._related_diffs(from_state, to_state, new)
        diffs = [item for item in (diff, *related) if not item.is_empty]
        if diffs:
            self.refuse_truncation(diffs)
            self.alter_tables(diffs)

    def refuse_truncation(self, diffs: list[TableDiff]) -> None:
        """Raise :class:`DataLossError` if rows hold values longer than a column's new length.

        PostgreSQL would cut such values and SQLite would keep them over the
        length: neither is what the migration says, so both refuse it before any
        change. Without a connection (``sqlmigrate``) there are no rows to check.
        """
        if self.collect:
            return
        for diff in diffs:
            for change in diff.changes:
                length = change.shortened_to
                if length is not None:
                    self._check_lengths(diff.old.name, change.old.name, length)

    def _check_lengths(self, table: str, column: str, length: int) -> None:
        size = ddl.TextLength(sa.column(column))
        count, longest = self.query(
            sa.select(sa.func.count(), sa.func.max(size))
            .select_from(sa.table(table))
            .where(size > length)
        )[0]
        if count:
            raise DataLossError(
                f"Cannot shorten column {table}.{column} to max_length={length}: {count} "
                f"row(s) hold longer values (up to {longest} characters), which the "
                "database would cut or keep too long. Shorten those values in a data "
                "migration (RunPython or RunSQL) before this one, or keep a larger max_length."
            )

    def _alter_many_to_many(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old: ModelState,
        new: ModelState,
        old_name: str,
        new_name: str,
    ) -> None:
        old_field, new_field = old.get_field(old_name), new.get_field(new_name)
        if not (old_field.many_to_many and new_field.many_to_many):
            raise NotSupportedError(
                f"Cannot alter {new.app_label}.{new.name}.{new_name} between a many-to-many "
                "relation and a column; remove the field and add a new one."
            )
        old_auto, new_auto = old_field.has_auto_table, new_field.has_auto_table  # type: ignore[attr-defined]
        if old_auto != new_auto:
            raise NotSupportedError(
                f"Cannot switch {new.app_label}.{new.name}.{new_name} between an automatic "
                "join table and a through model; use SeparateDatabaseAndState."
            )
        if old_auto:
            before = self.builder.join_table(from_state, old, old_name, old_field)  # type: ignore[arg-type]
            after = self.builder.join_table(to_state, new, new_name, new_field)  # type: ignore[arg-type]
            self.alter_tables([diff_tables(before, after)])

    def _related_diffs(
        self, from_state: ProjectState, to_state: ProjectState, model: ModelState
    ) -> list[TableDiff]:
        """Return the changes of the tables whose keys point at ``model``.

        A foreign key column takes the type of the field it points at, so
        changing a primary key or unique field can change columns elsewhere.
        """
        diffs: dict[str, TableDiff] = {}
        for old_spec, new_spec in self._related_specs(from_state, to_state, model):
            if new_spec.name not in diffs:
                diff = diff_tables(old_spec, new_spec)
                if not diff.is_empty:
                    diffs[new_spec.name] = diff
        return list(diffs.values())

    def _related_specs(
        self, from_state: ProjectState, to_state: ProjectState, model: ModelState
    ) -> Iterator[tuple[TableSpec, TableSpec]]:
        """Yield the specs, before and after, of the tables with keys to ``model``."""
        build = self.builder
        for related, name, field in to_state.related_fields_to(model.label_lower):
            if not related.managed:
                continue
            before = from_state.get_model(related.app_label, related.name)
            if isinstance(field, ManyToManyField):
                if field.has_auto_table:
                    old_field = before.fields[name]
                    yield (
                        build.join_table(from_state, before, name, old_field),  # type: ignore[arg-type]
                        build.join_table(to_state, related, name, field),
                    )
            elif related.key != model.key:
                yield build.table(from_state, before), build.table(to_state, related)
        before = from_state.get_model(model.app_label, model.name)
        for name, spec in build.join_tables(to_state, model):
            yield build.join_table(from_state, before, name, before.fields[name]), spec  # type: ignore[arg-type]

    # -- Indexes and constraints -------------------------------------------------------------

    def add_index(self, model: ModelState, index: Index, concurrently: bool = False) -> None:
        """Create a ``Meta.indexes`` entry; ``concurrently`` lets writes go on meanwhile
        where the database can (outside a transaction)."""
        table, spec = self.builder.table_name(model), self.builder.index(model, index)
        if concurrently and self.features.supports_concurrent_indexes:
            self.create_index_concurrently(table, spec)
        else:
            self.create_object(table, spec)

    def remove_index(self, model: ModelState, index: Index, concurrently: bool = False) -> None:
        """Drop a ``Meta.indexes`` entry; ``concurrently`` as for :meth:`add_index`."""
        table, spec = self.builder.table_name(model), self.builder.index(model, index)
        if concurrently and self.features.supports_concurrent_indexes:
            self.execute(ddl.DropIndex(spec.name, concurrently=True))
        else:
            self.drop_object(table, spec)

    def create_index_concurrently(self, table: str, spec: IndexSpec) -> None:
        """Build an index while writes go on (``CREATE INDEX CONCURRENTLY``)."""
        self.execute(ddl.CreateIndex(table, spec, concurrently=True))

    def rename_index(self, model: ModelState, old_index: Index, new_index: Index) -> None:
        """Rename an index, keeping its definition."""
        table = self.builder.table_name(model)
        self.rename_object(
            table, self.builder.index(model, old_index), self.builder.index(model, new_index)
        )

    def name_index_together(
        self, before: ModelState, after: ModelState, fields: Sequence[str], new_index: Index
    ) -> None:
        """Rename the unnamed index of ``index_together`` group ``fields`` to ``new_index``.

        The index got its name from whichever tool created it, so the name is read
        from the database, as Django does (``sqlmigrate`` shows the name dbshift gives).
        """
        table = self.builder.table_name(before)
        unnamed = self.builder.index(before, Index(fields=list(fields)))
        real_name = self.index_on_columns(table, unnamed.columns)
        old = dataclasses.replace(unnamed, name=real_name or unnamed.name)
        new = self.builder.index(after, new_index)
        if old.name != new.name:
            self.rename_object(table, old, new)

    def unname_index_together(
        self, before: ModelState, after: ModelState, fields: Sequence[str], index: Index
    ) -> None:
        """Give the index ``index`` back the name of its ``index_together`` group."""
        old = self.builder.index(before, index)
        new = self.builder.index(after, Index(fields=list(fields)))
        if old.name != new.name:
            self.rename_object(self.builder.table_name(after), old, new)

    def index_on_columns(self, table: str, columns: Sequence[str]) -> str | None:
        """Return the name of the one plain index on exactly ``columns`` of ``table``.

        ``None`` in collect mode, where no database is read.
        """
        if self.collect or self.connection is None:
            return None
        found = [
            index["name"]
            for index in sa.inspect(self.connection).get_indexes(table)
            if list(index["column_names"]) == list(columns) and not index["unique"]
        ]
        if len(found) != 1:
            raise MigrationFailedError(
                f"Expected one index on {table}({', '.join(columns)}) to rename, found "
                f"{len(found)}{': ' + ', '.join(map(str, found)) if found else ''}. Create or "
                "drop indexes by hand so that exactly one remains, then migrate again."
            )
        return str(found[0])

    def add_constraint(
        self,
        state: ProjectState,
        model: ModelState,
        constraint: BaseConstraint,
        not_valid: bool = False,
    ) -> None:
        """Add a ``Meta.constraints`` entry; ``model`` already declares it. ``not_valid``
        leaves the existing rows unchecked where the database can."""
        if not_valid and self.features.supports_not_valid_constraints:
            spec = self.builder.constraint(model, constraint)
            self.execute(ddl.AddConstraint(self.builder.table_name(model), spec, not_valid=True))
            return
        before = model.with_option(
            "constraints", [item for item in model.constraints if item.name != constraint.name]
        )
        self.alter_tables(
            [diff_tables(self.builder.table(state, before), self.builder.table(state, model))]
        )

    def validate_constraint(self, model: ModelState, constraint: BaseConstraint) -> None:
        """Check the existing rows against a constraint added ``NOT VALID``."""
        if self.features.supports_not_valid_constraints:
            name = self.builder.constraint(model, constraint).name
            self.execute(ddl.ValidateConstraint(self.builder.table_name(model), name))

    def remove_constraint(
        self, state: ProjectState, model: ModelState, constraint: BaseConstraint
    ) -> None:
        """Drop a ``Meta.constraints`` entry; ``model`` still declares it."""
        after = model.with_option(
            "constraints", [item for item in model.constraints if item.name != constraint.name]
        )
        self.alter_tables(
            [diff_tables(self.builder.table(state, model), self.builder.table(state, after))]
        )

    # -- Code written by hand ----------------------------------------------------------------

    def run_sql(self, sql: str | Sequence[str | tuple[str, Any]]) -> None:
        """Run RunSQL statements: one string (possibly several statements) or a list."""
        self.flush_deferred()
        items = [sql] if isinstance(sql, str) else list(sql)
        for item in items:
            if isinstance(item, str):
                self.run_script(item)
            else:
                self.execute(item[0], item[1])

    def run_script(self, sql: str) -> None:
        """Run a string that may hold several statements."""
        if sql.strip():
            self.execute(sql)

    def run_python(self, code: Callable[..., Any], state: ProjectState) -> None:
        """Call ``code(apps, schema_editor)`` with the historical models of ``state``.

        The code runs on :attr:`connection`, inside the migration's transaction, so
        that an error in it rolls back the whole migration. In collect mode
        (``sqlmigrate``, ``migrate --plan``) it does not run: Python is not SQL.
        Indexes of tables created earlier in the migration stay deferred, so rows
        the code loads into them are indexed once, at the end.
        """
        if self.collect:
            return
        # The historical ORM is loaded by the first migration that runs code.
        from dbshift.historical import HistoricalApps

        self.may_have_written_rows = True
        self._give_django_names(self.connection)
        code(HistoricalApps(state, self), self)

    def _give_django_names(self, connection: Any) -> None:
        """Give ``connection`` the attributes Django's documentation teaches code to read.

        ``schema_editor.connection.alias`` is the database's name in the settings
        (for ``using()``) and ``.vendor`` its kind; the connection stays SQLAlchemy's
        own object, so that code can hand it to anything that takes one.
        """
        connection.alias = self.alias
        connection.vendor = self.vendor


def _terminated(sql: str) -> str:
    return sql if sql.rstrip().endswith(";") else f"{sql};"


def _without_field(
    state: ProjectState, model: ModelState, name: str
) -> tuple[ProjectState, ModelState]:
    """Return a state, and ``model`` in it, without field ``name``."""
    reduced = state.clone()
    if reduced.has_model(model.app_label, model.name):
        reduced.replace_model(model)
    else:
        reduced.add_model(model)
    reduced.remove_field(model.app_label, model.name, name)
    return reduced, reduced.get_model(model.app_label, model.name)


def _fill_for_alter(old: Field, new: Field, fill_from: Field | None, name: str) -> dict[str, Any]:
    """Return the value for existing NULLs when a column becomes NOT NULL."""
    if not old.null or new.null:
        return {}
    if new.has_db_default():
        return {name: new.db_default}
    return {name: (fill_from or new).effective_default()}


def may_be_referenced(spec: TableSpec, column: ColumnSpec) -> bool:
    """Return whether foreign keys may point at ``column`` (a key or a unique column)."""
    return column.primary_key or any(
        index.unique and index.columns == (column.name,) and not index.where
        for index in spec.indexes
    )
