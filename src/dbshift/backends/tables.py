"""The hooks every schema editor builds on: creating, dropping and altering tables.

Editor methods describe a change as table specs (:mod:`dbshift.backends.spec`)
and their differences (:mod:`dbshift.backends.diff`); these hooks turn them into
statements. The generic versions change a table in place with ``ALTER TABLE``,
in phases that run for every table before the next, so that keys pointing at a
column are dropped before its type changes and re-created after. A database
overrides the hooks it does differently (SQLite: :meth:`alter_tables`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import sqlalchemy as sa

from dbshift.backends import ddl
from dbshift.backends.diff import ColumnChange, TableDiff, diff_renamed
from dbshift.backends.existing import ExistingObject, find_existing, read_existing
from dbshift.backends.features import Features
from dbshift.backends.spec import (
    ColumnSpec,
    ForeignKeySpec,
    IndexSpec,
    PrimaryKeySpec,
    SchemaObject,
    TableSpec,
)
from dbshift.backends.values import ValueAdapter
from dbshift.exceptions import DeferredStatementError, MigrationFailedError

#: Order in which objects are dropped: a foreign key may depend on a unique
#: constraint of another table, so keys go first and the primary key last.
_DROP_ORDER = {ForeignKeySpec: 0, IndexSpec: 1, PrimaryKeySpec: 2}


class TableChanges:
    """Turn table specs, and differences between them, into statements."""

    features: ClassVar[Features]
    adapter: ValueAdapter
    #: Statements put off until their table is next touched, or ``finish()``,
    #: by table name, each with the operation that put it off.
    deferred: dict[str, list[tuple[sa.ClauseElement, object]]]
    #: The operation whose statements run now, when the caller says.
    operation: object | None
    connection: sa.Connection | None
    #: Statements are collected, not run: nothing is read from the database.
    collect: bool
    #: Options of the dialect's index reflection that :meth:`existing_objects` needs.
    index_reflection_options: ClassVar[dict[str, Any]] = {}

    def execute(self, statement: str | sa.ClauseElement, params: Any = None) -> None:
        raise NotImplementedError

    def run_deferred(self, statement: sa.ClauseElement, operation: object | None) -> None:
        """Run a statement put off by ``operation``; a failure names that operation."""
        try:
            self.execute(statement)
        except MigrationFailedError as err:
            raise DeferredStatementError(
                f"A statement it put off until after later operations failed. {err}", operation
            ) from err

    def flush_deferred(self, table: str | None = None) -> None:
        """Run the statements deferred for ``table`` (every table when None)."""
        tables = list(self.deferred) if table is None else [table]
        for name in tables:
            for statement, operation in self.deferred.pop(name, []):
                self.run_deferred(statement, operation)

    def create_table(self, spec: TableSpec, defer_indexes: bool = False) -> None:
        """Create a table with its constraints, indexes and comments."""
        self.execute(ddl.CreateTable(spec, spec.name, self.features.inline_foreign_keys))
        if not self.features.inline_foreign_keys:
            for foreign_key in spec.foreign_keys:
                self.execute(ddl.AddConstraint(spec.name, foreign_key))
        for index in spec.indexes:
            if not index.constraint:
                statement = ddl.CreateIndex(spec.name, index)
                if defer_indexes and self.features.defer_new_indexes:
                    self.deferred.setdefault(spec.name, []).append((statement, self.operation))
                else:
                    self.execute(statement)
        self.create_comments(spec)

    def create_comments(self, spec: TableSpec) -> None:
        if not self.features.supports_comments:
            return
        if spec.comment:
            self.execute(ddl.Comment(spec.name, None, spec.comment))
        if self.features.inline_column_comments:
            return
        for column in spec.columns:
            if column.comment:
                self.execute(ddl.Comment(spec.name, column.name, column.comment))

    def drop_table(self, name: str) -> None:
        self.deferred.pop(name, None)
        self.execute(ddl.DropTable(name, cascade=self.features.supports_drop_cascade))

    def apply_renames(self, old: TableSpec, new: TableSpec) -> None:
        """Apply a change that only renames things (table, columns, derived names)."""
        diff = diff_renamed(old, new)
        if not diff.is_empty:
            self.alter_tables([diff])

    def alter_tables(self, diffs: list[TableDiff]) -> None:
        """Change tables in place: drop what goes, change columns, create what comes.

        Each phase runs for every table before the next, so that keys pointing at
        a column are dropped before its type changes and re-created after.
        """
        for diff in diffs:
            self.flush_deferred(diff.old.name)
        for diff in diffs:
            self.drop_objects(diff)
        for diff in diffs:
            self.change_table(diff)
        for diff in diffs:
            self.create_objects(diff)

    def drop_objects(self, diff: TableDiff) -> None:
        for obj in sorted(diff.dropped_objects, key=lambda item: _DROP_ORDER.get(type(item), 1)):
            self.drop_object(diff.old.name, obj)

    def create_objects(self, diff: TableDiff) -> None:
        for obj in sorted(diff.created_objects, key=lambda item: -_DROP_ORDER.get(type(item), 1)):
            self.create_object(diff.new.name, obj)

    def change_table(self, diff: TableDiff) -> None:
        """Rename, drop, add and alter columns; rename objects; set the comment."""
        table = diff.new.name
        self.rename_and_drop_columns(diff)
        for column in diff.added:
            self.add_column(table, column, diff.fill_value(column))
        for change in diff.changes:
            self.alter_column(table, change, diff.fill_value(change.new))
        for old, new in diff.renamed_objects:
            self.rename_object(table, old, new)
        if diff.comment_changed and self.features.supports_comments:
            self.execute(ddl.Comment(table, None, diff.new.comment))

    def rename_and_drop_columns(self, diff: TableDiff) -> None:
        """Rename the table and its renamed columns, then drop the columns it loses.

        The table is renamed first: the statements after it name it by its new name.
        """
        table = diff.new.name
        if diff.renamed_table:
            self.execute(ddl.RenameTable(diff.old.name, table))
        for change in diff.pairs:
            if change.renamed:
                self.execute(ddl.RenameColumn(table, change.old.name, change.new.name))
        for column in diff.dropped:
            self.execute(ddl.DropColumn(table, column.name))

    def add_column(self, table: str, column: ColumnSpec, fill: Any) -> None:
        """Add a column; a fill value is its default just long enough to fill the rows."""
        default = column.default_sql
        if fill is not None and default is None:
            default = self.adapter.literal(column.value_field, fill)
        self.execute(ddl.AddColumn(table, ddl.ColumnDefinition(column, default_sql=default)))
        if default != column.default_sql:
            self.execute(ddl.AlterColumnDefault(table, column.name, None))
        if (
            column.comment
            and self.features.supports_comments
            and not self.features.inline_column_comments
        ):
            self.execute(ddl.Comment(table, column.name, column.comment))

    def alter_column(self, table: str, change: ColumnChange, fill: Any) -> None:
        """Change a column's type, default, nullability, identity and comment in place."""
        old, new = change.old, change.new
        if change.identity_changed and old.identity:
            self.execute(ddl.AlterColumnIdentity(table, new.name, False))
        # A default of the old type may not convert: drop it before the type changes.
        if change.default_changed and old.default_sql is not None:
            self.execute(ddl.AlterColumnDefault(table, new.name, None))
        if change.type_changed:
            # An explicit cast to a shorter VARCHAR cuts values on PostgreSQL, while
            # storing them raises "value too long": strings convert without one.
            cast = not isinstance(new.type, sa.String)
            self.execute(ddl.AlterColumnType(table, new.name, new.type_sql, cast))
        if change.default_changed and new.default_sql is not None:
            self.execute(ddl.AlterColumnDefault(table, new.name, new.default_sql))
        if change.null_changed:
            if not new.nullable and fill is not None:
                self.fill_nulls(table, new, fill)
            self.execute(ddl.AlterColumnNull(table, new.name, new.nullable))
        if change.identity_changed and new.identity:
            self.add_identity(table, new)
        if change.comment_changed and self.features.supports_comments:
            self.execute(ddl.Comment(table, new.name, new.comment))

    def fill_nulls(self, table: str, column: ColumnSpec, value: Any) -> None:
        """Set ``value`` in the rows where ``column`` is NULL."""
        target: sa.ColumnClause[Any] = sa.column(column.name)
        literal: sa.ColumnClause[Any] = sa.literal_column(
            self.adapter.literal(column.value_field, value)
        )
        self.execute(
            sa.update(sa.table(table, target)).where(target.is_(None)).values({target: literal})
        )

    def add_identity(self, table: str, column: ColumnSpec) -> None:
        self.execute(ddl.AlterColumnIdentity(table, column.name, True))

    def existing_objects(self, table: str) -> list[ExistingObject]:
        """Return the indexes and constraints ``table`` holds; none when collecting SQL."""
        if self.collect or self.connection is None:
            return []
        return read_existing(self.connection, table, self.index_reflection_options)

    def existing(self, table: str, obj: SchemaObject) -> ExistingObject | None:
        """Return the database's own record of ``obj``, when dbshift did not name it.

        A name the migration gave is the object's name wherever it was built; a
        derived name is only dbshift's, so the object is looked up by what it is.
        """
        if getattr(obj, "given_name", False):
            return None
        return find_existing(obj, self.existing_objects(table))

    def locate(
        self, table: str, obj: SchemaObject, current: SchemaObject | None = None
    ) -> tuple[str, bool]:
        """Return the name ``obj`` has in ``table`` and whether it is an index (not a constraint).

        ``current`` describes the object as it is now: a rename runs after the
        table's columns are renamed, so the object is then found by its new
        description. Who built the table decides between a unique constraint and
        a unique index.
        """
        found = self.existing(table, current or obj)
        name = found.name if found is not None and found.name is not None else obj.name
        assert name is not None
        if found is not None and found.kind in ("unique", "index"):
            return name, found.kind == "index"
        return name, isinstance(obj, IndexSpec) and not obj.constraint

    def drop_object(self, table: str, obj: SchemaObject) -> None:
        self.flush_deferred(table)
        self.drop_located(table, *self.locate(table, obj))

    def drop_located(self, table: str, name: str, is_index: bool) -> None:
        if is_index:
            self.execute(ddl.DropIndex(name, table=table))
        else:
            self.execute(ddl.DropConstraint(table, name))

    def create_object(self, table: str, obj: SchemaObject) -> None:
        if isinstance(obj, IndexSpec) and not obj.constraint:
            self.execute(ddl.CreateIndex(table, obj))
        else:
            self.execute(ddl.AddConstraint(table, obj))

    def rename_object(self, table: str, old: SchemaObject, new: SchemaObject) -> None:
        self.flush_deferred(table)
        name, is_index = self.locate(table, old, _renamed_like(old, new))
        if name == new.name:
            return
        if not is_index:
            self.execute(ddl.RenameConstraint(table, name, new.name))
        elif self.features.supports_index_rename:
            assert new.name is not None  # only a primary key may be unnamed, never an index
            self.execute(ddl.RenameIndex(name, new.name, table))
        else:
            self.drop_located(table, name, is_index)
            self.create_object(table, new)


def _renamed_like(old: SchemaObject, new: SchemaObject) -> SchemaObject:
    """Return ``new`` under ``old``'s name: the object once its table and columns are renamed."""
    return dataclasses.replace(new, name=old.name)  # type: ignore[arg-type]
