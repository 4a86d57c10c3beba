"""Autodetector steps for the fields of models that exist on both sides."""

from __future__ import annotations

import copy

from dbshift.exceptions import UnansweredQuestionError
from dbshift.migrations.autodetector.changes import Requirement
from dbshift.migrations.autodetector.diff import (
    Diff,
    field_signature,
    relation_requirements,
    same_schema,
)
from dbshift.migrations.operations import AddField, AlterField, RemoveField, RenameField
from dbshift.migrations.state import ModelState
from dbshift.models.fields import NOT_PROVIDED, DateField, Field
from dbshift.models.related import RelatedField


def detect_renamed_fields(diff: Diff) -> None:
    """Ask about each new field that matches a removed field of the same model."""
    for old, new in diff.kept():
        removed = [name for name in old.fields if name not in new.fields]
        for name, field in new.fields.items():
            if name in old.fields:
                continue
            for old_name in removed:
                if not _may_be_renamed(old, old_name, field, name):
                    continue
                if _ask_rename(diff, new, old_name, name, field):
                    if field_signature(old.fields[old_name]) != field_signature(field):
                        # The new field pins the old column with db_column: set that
                        # first, so that the rename leaves the column where it is.
                        diff.emit(
                            new.app_label,
                            AlterField(new.name_lower, old_name, field),
                            apply=True,
                        )
                    diff.emit(
                        new.app_label,
                        RenameField(new.name_lower, old_name, name),
                        provides={
                            Requirement(new.app_label, new.name_lower, name),
                            Requirement(new.app_label, new.name_lower, old_name, exists=False),
                        },
                        apply=True,
                    )
                    removed.remove(old_name)
                    break


def _ask_rename(diff: Diff, model: ModelState, old_name: str, name: str, field: Field) -> bool:
    try:
        return diff.questioner.ask_rename_field(model.name_lower, old_name, name, field)
    except UnansweredQuestionError as err:
        # The question names the model only, as Django's does; the refusal needs the app.
        raise UnansweredQuestionError(f"App '{model.app_label}': {err}") from None


def _may_be_renamed(old_model: ModelState, old_name: str, field: Field, name: str) -> bool:
    old_field = old_model.fields[old_name]
    if same_schema(old_field, field):
        return True
    # A rename that keeps the old column through db_column is a rename too.
    pinned = copy.copy(old_field)
    pinned.db_column = old_field.column_name(old_name)
    return field.db_column == pinned.db_column and field_signature(pinned) == field_signature(field)


def detect_removed_fields(diff: Diff) -> None:
    for old, new in diff.kept():
        for name in old.fields:
            if name not in new.fields:
                _remove(diff, new, name)


def _remove(diff: Diff, model: ModelState, name: str) -> None:
    diff.emit(
        model.app_label,
        RemoveField(model.name_lower, name),
        provides={Requirement(model.app_label, model.name_lower, name, exists=False)},
    )


def detect_added_fields(diff: Diff) -> None:
    for old, new in diff.kept():
        for name, field in new.fields.items():
            if name not in old.fields:
                _add(diff, new, name, field)


def _add(diff: Diff, model: ModelState, name: str, field: Field) -> None:
    operation = AddField(model.name_lower, name, field)
    if _needs_default(field):
        value = diff.questioner.ask_not_null_addition(name, model.name_lower)
        operation = AddField(
            model.name_lower, name, _with_default(field, value), preserve_default=False
        )
    diff.emit(
        model.app_label,
        operation,
        requires={
            Requirement(model.app_label, model.name_lower),
            *relation_requirements(field),
        },
        provides={Requirement(model.app_label, model.name_lower, name)},
    )


def _needs_default(field: Field) -> bool:
    """Return whether existing rows give a new column of ``field`` no value."""
    return not (
        field.null
        or field.has_default()
        or field.has_db_default()
        or field.many_to_many
        or field.auto_increments
        or (field.blank and field.empty_strings_allowed)
        or (isinstance(field, DateField) and (field.auto_now or field.auto_now_add))
    )


def _with_default(field: Field, value: object) -> Field:
    changed = copy.copy(field)
    changed.default = value
    return changed


def detect_altered_fields(diff: Diff) -> None:
    for old, new in diff.kept():
        for name, field in new.fields.items():
            if name not in old.fields:
                continue
            old_field = old.fields[name]
            if same_schema(old_field, field):
                continue
            if old_field.many_to_many != field.many_to_many:
                _remove(diff, new, name)
                _add(diff, new, name, field)
                continue
            _alter(diff, new, name, old_field, field)


def _alter(diff: Diff, model: ModelState, name: str, old_field: Field, field: Field) -> None:
    operation = AlterField(model.name_lower, name, field)
    if old_field.null and not field.null and _needs_default(field):
        value = diff.questioner.ask_not_null_alteration(name, model.name_lower)
        if value is not NOT_PROVIDED:
            operation = AlterField(
                model.name_lower,
                name,
                _with_default(field, value),
                preserve_default=False,
            )
    provides = set()
    if isinstance(old_field, RelatedField) and (
        not isinstance(field, RelatedField) or field.to != old_field.to
    ):
        provides.add(Requirement(model.app_label, model.name_lower, name, exists=False))
    diff.emit(model.app_label, operation, relation_requirements(field), provides)
