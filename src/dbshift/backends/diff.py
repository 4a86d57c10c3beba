"""The difference between two specs of one table, which an editor turns into SQL.

Columns are paired by key (the field name), or by position when a change only
renames things (a renamed field, model or table): then every pair differs in
names alone. Indexes and constraints are paired by signature, so an object whose
definition is unchanged but whose derived name changed is renamed, not rebuilt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from dbshift.backends.spec import ColumnSpec, SchemaObject, TableSpec


@dataclasses.dataclass(frozen=True)
class ColumnChange:
    """A column present before and after, with what changed about it."""

    old: ColumnSpec
    new: ColumnSpec

    @property
    def renamed(self) -> bool:
        return self.old.name != self.new.name

    @property
    def type_changed(self) -> bool:
        return self.old.type_sql != self.new.type_sql

    @property
    def null_changed(self) -> bool:
        return self.old.nullable != self.new.nullable

    @property
    def default_changed(self) -> bool:
        return self.old.default_sql != self.new.default_sql

    @property
    def identity_changed(self) -> bool:
        return self.old.identity != self.new.identity

    @property
    def comment_changed(self) -> bool:
        return self.old.comment != self.new.comment

    @property
    def redefined(self) -> bool:
        """Return whether the column's definition changed (not its name or comment)."""
        old, new = self.old, self.new
        return (
            self.type_changed
            or self.null_changed
            or self.default_changed
            or self.identity_changed
            or old.primary_key != new.primary_key
        )

    @property
    def shortened_to(self) -> int | None:
        """Return the new maximum length of a string column, if old values may exceed it."""
        new_type, old_type = self.new.type, self.old.type
        if not isinstance(new_type, sa.String) or new_type.length is None:
            return None
        old_length = old_type.length if isinstance(old_type, sa.String) else None
        if old_length is not None and old_length <= new_type.length:
            return None
        return new_type.length


@dataclasses.dataclass
class TableDiff:
    """What changes between two specs of the same table."""

    old: TableSpec
    new: TableSpec
    #: Columns present before and after, in the new table's order.
    pairs: list[ColumnChange]
    added: list[ColumnSpec]
    dropped: list[ColumnSpec]
    dropped_objects: list[SchemaObject]
    created_objects: list[SchemaObject]
    renamed_objects: list[tuple[SchemaObject, SchemaObject]]
    #: Python values that fill existing rows, by new column name: for added
    #: columns and for columns that become NOT NULL.
    fill: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def changes(self) -> list[ColumnChange]:
        """Return the column pairs that differ in anything."""
        return [pair for pair in self.pairs if pair.old != pair.new]

    @property
    def renamed_table(self) -> bool:
        return self.old.name != self.new.name

    @property
    def comment_changed(self) -> bool:
        return self.old.comment != self.new.comment

    @property
    def is_empty(self) -> bool:
        return not (
            self.changes
            or self.added
            or self.dropped
            or self.dropped_objects
            or self.created_objects
            or self.renamed_objects
            or self.renamed_table
            or self.comment_changed
            or self.fill
        )

    def fill_value(self, column: ColumnSpec) -> Any:
        return self.fill.get(column.name)


def diff_tables(old: TableSpec, new: TableSpec, fill: Mapping[str, Any] | None = None) -> TableDiff:
    """Return the difference between specs whose columns share keys."""
    old_columns = {column.key: column for column in old.columns}
    new_keys = {column.key for column in new.columns}
    pairs = [
        ColumnChange(old_columns[column.key], column)
        for column in new.columns
        if column.key in old_columns
    ]
    dropped_objects, created_objects, renamed_objects = _pair_objects(old, new)
    return TableDiff(
        old=old,
        new=new,
        pairs=pairs,
        added=[column for column in new.columns if column.key not in old_columns],
        dropped=[column for column in old.columns if column.key not in new_keys],
        dropped_objects=dropped_objects,
        created_objects=created_objects,
        renamed_objects=renamed_objects,
        fill=_fill_by_column(new, fill),
    )


def diff_renamed(old: TableSpec, new: TableSpec) -> TableDiff:
    """Return the difference between specs that differ only in names.

    Both specs come from the same declarations (a model before and after a
    rename), so their columns and objects correspond one to one, in order.
    """
    if len(old.columns) != len(new.columns) or len(old.objects) != len(new.objects):
        raise AssertionError(f"Specs of {old.name} and {new.name} differ in more than names.")
    pairs = [ColumnChange(a, b) for a, b in zip(old.columns, new.columns, strict=True)]
    renamed = [(a, b) for a, b in zip(old.objects, new.objects, strict=True) if a.name != b.name]
    return TableDiff(old, new, pairs, [], [], [], [], renamed)


def _pair_objects(
    old: TableSpec, new: TableSpec
) -> tuple[list[SchemaObject], list[SchemaObject], list[tuple[SchemaObject, SchemaObject]]]:
    remaining: dict[Any, list[SchemaObject]] = {}
    for obj in old.objects:
        remaining.setdefault(obj.signature, []).append(obj)
    created, renamed = [], []
    for obj in new.objects:
        candidates = remaining.get(obj.signature)
        if not candidates:
            created.append(obj)
            continue
        same_name = [candidate for candidate in candidates if candidate.name == obj.name]
        match = same_name[0] if same_name else candidates[0]
        candidates.remove(match)
        if match.name != obj.name:
            renamed.append((match, obj))
    dropped = [obj for group in remaining.values() for obj in group]
    return dropped, created, renamed


def _fill_by_column(new: TableSpec, fill: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return fill values by column name; ``fill`` is keyed by field name."""
    if not fill:
        return {}
    return {
        column.name: fill[column.key]
        for column in new.columns
        if column.key in fill and fill[column.key] is not None
    }
