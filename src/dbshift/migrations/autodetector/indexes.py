"""Autodetector steps for indexes, constraints and ``unique_together``.

Removals run before fields are removed and additions after fields are added, so
each step is split in two.
"""

from __future__ import annotations

from typing import Any

from dbshift.migrations.autodetector.changes import Requirement
from dbshift.migrations.autodetector.diff import Diff
from dbshift.migrations.operations import (
    AddConstraint,
    AddIndex,
    AlterUniqueTogether,
    RemoveConstraint,
    RemoveIndex,
    RenameIndex,
)
from dbshift.migrations.state import ModelState
from dbshift.models.indexes import Index
from dbshift.utils.deconstruct import deep_deconstruct


def _changed(old: list[Any], new: list[Any]) -> tuple[list[Any], list[Any]]:
    """Return the items only in ``old`` and only in ``new``, matched by name and content."""
    old_by_name = {item.name: item for item in old}
    new_by_name = {item.name: item for item in new}
    removed = [item for name, item in old_by_name.items() if new_by_name.get(name) != item]
    added = [item for name, item in new_by_name.items() if old_by_name.get(name) != item]
    return removed, added


def _unnamed(index: Index) -> Any:
    _path, _args, kwargs = index.deconstruct()
    kwargs.pop("name")
    return deep_deconstruct(kwargs)


def _index_changes(
    old: ModelState, new: ModelState
) -> tuple[list[Index], list[tuple[Index, Index]], list[Index]]:
    """Return removed indexes, ``(old, new)`` renamed pairs, and added indexes."""
    removed, added = _changed(old.indexes, new.indexes)
    renamed = []
    for index in list(added):
        match = next((item for item in removed if _unnamed(item) == _unnamed(index)), None)
        if match is not None:
            renamed.append((match, index))
            removed.remove(match)
            added.remove(index)
    return removed, renamed, added


def detect_removed_indexes(diff: Diff) -> None:
    for old, new in diff.kept():
        removed, renamed, _added = _index_changes(old, new)
        for index in removed:
            diff.emit(new.app_label, RemoveIndex(new.name_lower, index.name))
        for old_index, new_index in renamed:
            diff.emit(
                new.app_label,
                RenameIndex(new.name_lower, new_name=new_index.name, old_name=old_index.name),
            )
        removed_constraints, _ = _changed(old.constraints, new.constraints)
        for constraint in removed_constraints:
            diff.emit(new.app_label, RemoveConstraint(new.name_lower, constraint.name))


def detect_added_indexes(diff: Diff) -> None:
    for old, new in diff.kept():
        _removed, _renamed, added = _index_changes(old, new)
        for index in added:
            diff.emit(
                new.app_label,
                AddIndex(new.name_lower, index),
                _field_requirements(new, index.referenced_fields()),
            )
        _, added_constraints = _changed(old.constraints, new.constraints)
        for constraint in added_constraints:
            diff.emit(
                new.app_label,
                AddConstraint(new.name_lower, constraint),
                _field_requirements(new, constraint.referenced_fields()),
            )


def detect_removed_unique_together(diff: Diff) -> None:
    """Drop the ``unique_together`` groups that go away, before their fields may go."""
    for old, new in diff.kept():
        kept = old.unique_together & new.unique_together
        if kept != old.unique_together:
            diff.emit(new.app_label, AlterUniqueTogether(new.name_lower, kept))


def detect_added_unique_together(diff: Diff) -> None:
    """Add the new ``unique_together`` groups, after their fields exist."""
    for old, new in diff.kept():
        kept = old.unique_together & new.unique_together
        if new.unique_together != kept:
            fields = {name for group in new.unique_together for name in group}
            diff.emit(
                new.app_label,
                AlterUniqueTogether(new.name_lower, new.unique_together),
                _field_requirements(new, fields),
            )


def _field_requirements(model: ModelState, names: set[str]) -> set[Requirement]:
    return {Requirement(model.app_label, model.name_lower, name) for name in names}
