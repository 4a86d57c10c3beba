"""The SQLite schema editor: alter in place where SQLite can, rebuild where not.

SQLite's ``ALTER TABLE`` adds, renames and drops columns and renames tables, but
cannot change a column or a constraint. Such changes rebuild the table the way
SQLite's documentation prescribes ("Making Other Kinds Of Table Schema
Changes"): create ``new__<table>`` with the final definition, copy the rows,
drop the old table, rename the new one and re-create its indexes, along with
the triggers, views and indexes made by hand (:mod:`.sqlite_objects`). Foreign
key enforcement is off on our connections (``database.py``), and ``finish()``
runs ``PRAGMA foreign_key_check`` before the migration commits.

One method decides, per table, how a change is made (:meth:`alter_table`).
``RENAME COLUMN``, ``DROP COLUMN`` and ``RENAME TO`` make SQLite rewrite and
re-check its whole schema, which is what a long history spends its time on; an
empty table (every table of a fresh ``migrate``) is instead dropped and created
again under its own name, which costs no such rewrite. Unique rules are unique
indexes, so making a field unique or not needs no rebuild.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa

from dbshift.backends import ddl, names
from dbshift.backends.base import Params, SchemaEditor, may_be_referenced
from dbshift.backends.datatypes import (
    CHAR_TYPES,
    POSITIVE_CHECKS,
    SQLType,
    TypeFactory,
    fixed,
)
from dbshift.backends.diff import TableDiff
from dbshift.backends.existing import find_existing
from dbshift.backends.features import Features
from dbshift.backends.spec import CheckSpec, ColumnSpec, ForeignKeySpec, IndexSpec, TableSpec
from dbshift.backends.sqlite_objects import SCHEMA_QUERY, CarriedObjects, carried_objects
from dbshift.backends.values import SQLiteValueAdapter
from dbshift.backends.vendors.sqlite import SQLiteBackend
from dbshift.conf import DEFAULT_ALIAS
from dbshift.exceptions import MigrationFailedError, NotSupportedError

if TYPE_CHECKING:
    from dbshift.migrations.state import ProjectState

DATA_TYPES: dict[str, TypeFactory] = {
    **CHAR_TYPES,
    "AutoField": fixed(sa.INTEGER()),
    "BigAutoField": fixed(sa.INTEGER()),
    "SmallAutoField": fixed(sa.INTEGER()),
    "BinaryField": fixed(sa.BLOB()),
    "BooleanField": fixed(SQLType("bool")),
    "DateField": fixed(sa.DATE()),
    "DateTimeField": fixed(sa.DATETIME()),
    "DecimalField": fixed(sa.DECIMAL()),
    "DurationField": fixed(sa.BIGINT()),
    "FloatField": fixed(sa.REAL()),
    "IntegerField": fixed(sa.INTEGER()),
    "BigIntegerField": fixed(sa.BIGINT()),
    "SmallIntegerField": fixed(sa.SMALLINT()),
    "PositiveIntegerField": fixed(sa.INTEGER()),
    "PositiveBigIntegerField": fixed(sa.BIGINT()),
    "PositiveSmallIntegerField": fixed(sa.SMALLINT()),
    "GenericIPAddressField": fixed(sa.CHAR(39)),
    "JSONField": fixed(sa.TEXT()),
    "TimeField": fixed(sa.TIME()),
    "UUIDField": fixed(sa.CHAR(32)),
}


def _json_check(column: sa.ColumnClause[Any]) -> sa.ColumnElement[bool]:
    return sa.or_(sa.func.json_valid(column), column.is_(None))


FIELD_CHECKS = {**POSITIVE_CHECKS, "JSONField": ("json", _json_check)}

#: Django-style placeholders in RunSQL statements with parameters.
_FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")
_NAMED_PLACEHOLDER = re.compile(r"(?<!%)%\((\w+)\)s")


@dataclasses.dataclass(frozen=True)
class TableRows:
    """What an editor knows of a table's rows: whether it has any, and its counter."""

    empty: bool
    #: The table's AUTOINCREMENT counter (its row in ``sqlite_sequence``), or None
    #: when it has none: no row was ever inserted, or the table has no counter.
    sequence: int | None = None


class SQLiteSchemaEditor(SchemaEditor):
    """Change a SQLite schema, rebuilding tables where ``ALTER TABLE`` cannot."""

    vendor: ClassVar[str] = SQLiteBackend.vendor
    features: ClassVar[Features] = SQLiteBackend.features
    data_types = DATA_TYPES
    field_checks = FIELD_CHECKS
    value_adapter_class = SQLiteValueAdapter
    index_reflection_options: ClassVar[dict[str, Any]] = {"include_auto_indexes": True}

    def __init__(
        self,
        connection: sa.Connection | None,
        dialect: sa.Dialect,
        collect: bool = False,
        alias: str = DEFAULT_ALIAS,
    ) -> None:
        super().__init__(connection, dialect, collect, alias)
        #: What this migration learnt of tables' rows, by table name (see :meth:`rows_of`).
        self.known_rows: dict[str, TableRows] = {}

    # -- Choosing how to change a table ------------------------------------------------

    def alter_tables(self, diffs: list[TableDiff]) -> None:
        for diff in diffs:
            self.alter_table(diff)

    def alter_table(self, diff: TableDiff) -> None:
        """Change one table in place, by re-creating it empty, or by rebuilding it.

        Measured on a schema of 660 tables, ``RENAME COLUMN`` takes 32 ms, ``DROP
        COLUMN`` 28 ms, ``RENAME TO`` 19 ms and ``ADD COLUMN`` 6 ms, while dropping
        an empty table and creating it again with an index takes 3 ms. So an empty
        table is re-created whenever its definition changes; only a change of
        indexes (and the table's name, which other tables' keys must follow) is
        made in place regardless.
        """
        inline = self.drops_inline_rule(diff)
        if not inline and not _changes_definition(diff):
            self.alter_in_place(diff)
        elif not self.collect and self.rows_of(diff.old).empty:
            self.recreate_table(diff)
        elif not inline and self.can_alter_in_place(diff):
            self.alter_in_place(diff)
        else:
            self.rebuild_table(diff)

    def drops_inline_rule(self, diff: TableDiff) -> bool:
        """Return whether ``diff`` drops a unique rule written inside ``CREATE TABLE``.

        dbshift makes unique rules indexes, but a table built by another tool
        (Django writes ``UNIQUE`` in the column definition) may hold one inline,
        which goes only with the table: then the table is rebuilt.
        """
        if not any(isinstance(obj, IndexSpec) for obj in diff.dropped_objects):
            return False
        existing = self.existing_objects(diff.old.name)
        for obj in diff.dropped_objects:
            if isinstance(obj, IndexSpec) and not obj.given_name:
                found = find_existing(obj, existing)
                if found is not None and found.name is None:
                    return True
        return False

    def can_alter_in_place(self, diff: TableDiff) -> bool:
        """Return whether ``ALTER TABLE`` and index statements give exactly the new table."""
        added = {column.name for column in diff.added}
        dropped = {column.name for column in diff.dropped}
        if any(change.redefined for change in diff.changes):
            return False
        if any(not isinstance(old, IndexSpec) for old, _new in diff.renamed_objects):
            return False
        for obj in diff.dropped_objects:
            if not (isinstance(obj, IndexSpec) or _inline_column(obj) in dropped):
                return False
        for obj in diff.created_objects:
            if not (isinstance(obj, IndexSpec) or _inline_column(obj) in added):
                return False
        for column in diff.added:
            # SQLite adds NOT NULL columns only with a default, which must then stay.
            if column.primary_key or (not column.nullable and column.default_sql is None):
                return False
        old_keys = {foreign_key.column for foreign_key in diff.old.foreign_keys}
        return not any(column.primary_key or column.name in old_keys for column in diff.dropped)

    # -- What tables hold ----------------------------------------------------------------

    def rows_of(self, spec: TableSpec) -> TableRows:
        """Return whether the table of ``spec`` has rows, and its AUTOINCREMENT counter.

        One query answers both, once per migration: the answer then follows this
        editor's own changes to the table, so that several operations on one table
        ask once. Statements the editor did not write may add rows, and make it
        forget every answer (:meth:`execute`, :meth:`run_python`).
        """
        known = self.known_rows.get(spec.name)
        if known is None:
            known = self.known_rows[spec.name] = self._read_rows(spec)
        return known

    def _read_rows(self, spec: TableSpec) -> TableRows:
        table = self.dialect.identifier_preparer.quote(spec.name)
        if not _has_identity(spec):
            (has_rows,) = self.query(f"SELECT EXISTS (SELECT 1 FROM {table})")[0]
            return TableRows(empty=not has_rows)
        # sqlite_sequence exists from the first AUTOINCREMENT table on; a database
        # whose only tables were created by hand (RunSQL) may have none.
        try:
            has_rows, sequence = self.query(
                f"SELECT EXISTS (SELECT 1 FROM {table}), "
                "(SELECT seq FROM sqlite_sequence WHERE name = %s)",
                (spec.name,),
            )[0]
        except MigrationFailedError:
            if self.query("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
                raise
            (has_rows,) = self.query(f"SELECT EXISTS (SELECT 1 FROM {table})")[0]
            return TableRows(empty=not has_rows)
        return TableRows(empty=not has_rows, sequence=sequence)

    def execute(self, statement: str | sa.ClauseElement, params: Params = None) -> None:
        """Run or collect one statement, keeping what is known of tables' rows true."""
        self._follow_rows(statement)
        super().execute(statement, params)

    def _follow_rows(self, statement: str | sa.ClauseElement) -> None:
        known = self.known_rows
        if isinstance(statement, ddl.RenameTable):
            # The counter moves with the table, like its rows.
            moved = known.pop(statement.old, None)
            known.pop(statement.new, None)
            if moved is not None:
                known[statement.new] = moved
        elif isinstance(statement, ddl.DropTable | ddl.CreateTable):
            known.pop(statement.name, None)
        elif not isinstance(statement, ddl.Statement):
            # RunSQL, a row copy or a fill: rows may come and go anywhere.
            known.clear()

    def run_python(self, code: Callable[..., Any], state: ProjectState) -> None:
        # The code may add and delete rows through the connection itself.
        self.known_rows.clear()
        try:
            super().run_python(code, state)
        finally:
            self.known_rows.clear()

    # -- In place ------------------------------------------------------------------------

    def alter_in_place(self, diff: TableDiff) -> None:
        """Apply ``diff`` with ``ALTER TABLE`` and index statements."""
        self.flush_deferred(diff.old.name)
        table = diff.new.name
        for obj in diff.dropped_objects:
            if isinstance(obj, IndexSpec):
                self.drop_object(diff.old.name, obj)
        self.rename_and_drop_columns(diff)
        for column in diff.added:
            self.add_inline_column(diff.new, column, diff.fill_value(column))
        for old, new in diff.renamed_objects:
            self.rename_object(table, old, new)
        for obj in diff.created_objects:
            if isinstance(obj, IndexSpec):
                self.create_object(table, obj)

    def add_inline_column(self, spec: TableSpec, column: ColumnSpec, fill: Any) -> None:
        """Add a column with its checks and key written inline, then fill its rows."""
        checks = tuple(check for check in spec.checks if check.column == column.name)
        references = next((fk for fk in spec.foreign_keys if fk.column == column.name), None)
        definition = ddl.ColumnDefinition(column, checks, references, column.default_sql)
        self.execute(ddl.AddColumn(spec.name, definition))
        if fill is not None and column.default_sql is None:
            self.fill_nulls(spec.name, column, fill)

    # -- Re-creating -----------------------------------------------------------------------

    def recreate_table(self, diff: TableDiff) -> None:
        """Drop an empty table and create it again with the new definition.

        ``DROP TABLE`` deletes the table's AUTOINCREMENT counter; a table that had
        one gets it back, so that ids of deleted rows are never used again. A table
        that never had a row has no counter, and costs no statement for it.
        """
        self.deferred.pop(diff.old.name, None)
        new = diff.new
        sequence = self.rows_of(diff.old).sequence if _has_identity(new) else None
        current, _renamed, carried = self.set_aside(diff)
        self.execute(ddl.DropTable(current))
        self.execute(ddl.CreateTable(new, new.name, inline_foreign_keys=True))
        if sequence is not None:
            # Not through self.execute: this row is accounted for just below.
            super().execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", (new.name, sequence)
            )
        self.create_indexes(new)
        self.restore(carried)
        self.known_rows[new.name] = TableRows(empty=True, sequence=sequence)

    def rebuild_table(self, diff: TableDiff) -> None:
        """Copy the table into a new one with the final definition and swap them."""
        self.deferred.pop(diff.old.name, None)
        current, renamed, carried = self.set_aside(diff)
        new = diff.new
        temporary = names.shorten(f"new__{new.name}")
        self.execute(ddl.CreateTable(new, temporary, inline_foreign_keys=True))
        self.execute(self.copy_rows(diff, current, temporary, renamed))
        if _has_identity(diff.old) and _has_identity(new):
            self.move_sequence(current, temporary)
        self.execute(ddl.DropTable(current))
        self.execute(ddl.RenameTable(temporary, new.name))
        self.create_indexes(new)
        self.restore(carried)

    def set_aside(self, diff: TableDiff) -> tuple[str, dict[str, str], CarriedObjects]:
        """Prepare to replace a table, keeping the objects made by hand that name it.

        Refuse, before any change, when one of them uses a column the change
        drops. When there are such objects, every renamed column is renamed in
        place, so that SQLite rewrites them for the new name. Then drop the views
        and triggers that dropping the table would leave naming a missing table.
        Return the table's current name, the new names of the columns renamed and
        what :meth:`restore` creates again once the new table stands.
        """
        carried = self.carried_objects(diff.old.name, diff)
        self.refuse_lost_columns(diff, carried)
        current, renamed = self.rename_referenced(diff, every_column=bool(carried))
        if carried and (renamed or current != diff.old.name):
            carried = self.carried_objects(current, diff)
        for entry in reversed(carried.detached):
            self.execute(ddl.DropSchemaObject(entry.kind, entry.name))
        return current, renamed, carried

    def carried_objects(self, table: str, diff: TableDiff) -> CarriedObjects:
        """Return the triggers, views and indexes made by hand that replacing ``table`` loses.

        ``sqlmigrate`` does not read the database, and so shows none of them.
        """
        if self.collect:
            return CarriedObjects(table)
        managed = {index.name.lower() for index in (*diff.old.indexes, *diff.new.indexes)}
        rows = self.query(SCHEMA_QUERY, (table,))
        if any(row[0] == "index" and row[1].lower() not in managed for row in rows):
            managed.update(self.foreign_index_names(table, diff))
        return carried_objects(rows, table, managed)

    def foreign_index_names(self, table: str, diff: TableDiff) -> list[str]:
        """Return the names another tool (Django) gave the indexes of the old spec."""
        existing = self.existing_objects(table)
        found = (find_existing(index, existing) for index in diff.old.indexes)
        return [item.name.lower() for item in found if item is not None and item.name]

    def refuse_lost_columns(self, diff: TableDiff, carried: CarriedObjects) -> None:
        """Raise if an object made by hand uses a column that ``diff`` drops."""
        dropped = [column.name for column in diff.dropped]
        users = carried.using(dropped)
        if not users:
            return
        used = [name for name in dropped if any(name.lower() in user.names for user in users)]
        objects = ", ".join(f"{user.kind} {user.name!r}" for user in users)
        columns = ", ".join(repr(name) for name in used)
        raise NotSupportedError(
            f"Cannot drop column {columns} of table {diff.old.name!r} on sqlite: {objects} "
            "created outside the models use it, and SQLite drops it by creating the table "
            "again. Drop them with RunSQL before this operation and create them again "
            "without the column after it."
        )

    def restore(self, carried: CarriedObjects) -> None:
        """Create the objects :meth:`set_aside` kept again, in the order they were created."""
        for entry in carried.entries:
            self.execute(ddl.Recreate(entry.sql))

    def rename_referenced(
        self, diff: TableDiff, every_column: bool = False
    ) -> tuple[str, dict[str, str]]:
        """Rename the table and the columns other tables may point at, in place.

        Other tables name them in their ``REFERENCES`` clauses, which only
        ``RENAME TO`` and ``RENAME COLUMN`` update (``every_column`` renames the
        others too). Return the table's current name and the new names of the
        columns renamed.
        """
        table = diff.old.name
        if diff.renamed_table:
            self.execute(ddl.RenameTable(table, diff.new.name))
            table = diff.new.name
        renamed = {}
        for change in diff.pairs:
            if change.renamed and (every_column or may_be_referenced(diff.old, change.old)):
                self.execute(ddl.RenameColumn(table, change.old.name, change.new.name))
                renamed[change.old.name] = change.new.name
        return table, renamed

    def copy_rows(
        self, diff: TableDiff, source: str, target: str, renamed: Mapping[str, str]
    ) -> sa.ClauseElement:
        """Return the ``INSERT ... SELECT`` that moves rows into the new table."""
        columns, values = [], []
        for change in diff.pairs:
            value: sa.ColumnElement[Any] = sa.column(renamed.get(change.old.name, change.old.name))
            fill = diff.fill_value(change.new)
            if fill is not None and not change.new.nullable:
                value = sa.func.coalesce(value, self._literal(change.new, fill))
            columns.append(change.new.name)
            values.append(value)
        for column in diff.added:
            fill = diff.fill_value(column)
            if fill is not None:
                columns.append(column.name)
                values.append(self._literal(column, fill))
        table = sa.table(target, *(sa.column(name) for name in columns))
        return sa.insert(table).from_select(
            columns, sa.select(*values).select_from(sa.table(source))
        )

    def _literal(self, column: ColumnSpec, value: Any) -> sa.ColumnElement[Any]:
        return sa.literal_column(self.adapter.literal(column.value_field, value))

    def move_sequence(self, source: str, target: str) -> None:
        """Give ``target`` the AUTOINCREMENT counter of ``source``, so ids are never reused."""
        self.execute("DELETE FROM sqlite_sequence WHERE name = %s", (target,))
        self.execute("UPDATE sqlite_sequence SET name = %s WHERE name = %s", (target, source))

    def create_indexes(self, spec: TableSpec) -> None:
        for index in spec.indexes:
            self.execute(ddl.CreateIndex(spec.name, index))

    # -- Running SQL ---------------------------------------------------------------------------

    def _run(self, sql: str, params: Params) -> sa.CursorResult[Any]:
        # RunSQL statements use Django's placeholders on every database.
        if params is not None:
            if isinstance(params, Mapping):
                sql = _NAMED_PLACEHOLDER.sub(r":\1", sql).replace("%%", "%")
            else:
                sql = _FORMAT_PLACEHOLDER.sub("?", sql).replace("%%", "%")
        return super()._run(sql, params)

    def run_script(self, sql: str) -> None:
        """Run each statement of ``sql``; the driver runs only one per call."""
        for statement in split_statements(sql):
            self.execute(statement)

    def check_integrity(self) -> None:
        """Raise if a row points at a row that does not exist (foreign keys are off)."""
        violations = self.query("PRAGMA foreign_key_check")
        if violations:
            table, rowid, parent, _index = violations[0]
            raise MigrationFailedError(
                f"Foreign key check failed: row {rowid} of table {table!r} points at a row of "
                f"{parent!r} that does not exist ({len(violations)} such row(s)). Fix or "
                "delete those rows in the migration."
            )


def split_statements(script: str) -> list[str]:
    """Split ``script`` into statements, respecting quotes, comments and triggers."""
    statements, start = [], 0
    for position, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : position + 1]):
            statement = script[start : position + 1].strip()
            if statement.strip(";").strip():
                statements.append(statement)
            start = position + 1
    tail = script[start:].strip()
    if tail:
        statements.append(tail)
    return statements


def _changes_definition(diff: TableDiff) -> bool:
    """Return whether ``diff`` changes the table's columns or inline constraints."""
    return bool(
        diff.added
        or diff.dropped
        or any(change.renamed or change.redefined for change in diff.pairs)
        or any(
            not isinstance(obj, IndexSpec) for obj in (*diff.dropped_objects, *diff.created_objects)
        )
        or any(not isinstance(old, IndexSpec) for old, _new in diff.renamed_objects)
    )


def _inline_column(obj: Any) -> str | None:
    """Return the column a check or key is written on, inline in its definition."""
    if isinstance(obj, CheckSpec):
        return obj.column
    if isinstance(obj, ForeignKeySpec):
        return obj.column
    return None


def _has_identity(spec: TableSpec) -> bool:
    return any(column.identity for column in spec.columns)
