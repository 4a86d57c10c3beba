"""Autodetector steps for whole models: renamed, created, deleted, table options."""

from __future__ import annotations

from typing import Any

from dbshift.migrations.autodetector.changes import Requirement
from dbshift.migrations.autodetector.diff import (
    Diff,
    field_signature,
    related_labels,
    relation_requirements,
)
from dbshift.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterModelOptions,
    AlterModelTable,
    AlterModelTableComment,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameModel,
)
from dbshift.migrations.operations.models import ALTER_OPTION_KEYS
from dbshift.migrations.state import ModelState
from dbshift.models.fields import Field
from dbshift.models.related import RelatedField, split_label

#: Options set by operations of their own, or that never reach the database.
SEPARATE_OPTIONS = ("indexes", "constraints", "unique_together")


def model_fingerprint(state: ModelState, self_labels: set[str]) -> Any:
    """Return what must match for two models to count as one renamed model.

    Relations to any of ``self_labels`` count as relations of the model to itself.
    """
    fields = []
    for name, field in state.fields.items():
        signature = field_signature(field)
        if isinstance(field, RelatedField) and field.to in self_labels:
            signature = ("self-relation", signature[0])
        fields.append((name, signature))
    return sorted(fields, key=lambda item: item[0])


def detect_renamed_models(diff: Diff) -> None:
    """Ask about each new model that matches a removed one of the same app field for field."""
    for new in diff.created():
        for old in diff.deleted():
            if old.app_label != new.app_label:
                continue
            labels = {old.label_lower, new.label_lower}
            if model_fingerprint(old, labels) != model_fingerprint(new, labels):
                continue
            if diff.questioner.ask_rename_model(old.app_label, old.name, new.name):
                diff.emit(
                    new.app_label,
                    RenameModel(old.name, new.name),
                    provides={Requirement(new.app_label, new.name_lower)},
                    apply=True,
                )
                break


def detect_created_models(diff: Diff) -> None:
    """Create new models; relations to models created in the same run follow as AddField.

    Splitting those relations out lets models that point at each other, even across
    apps, be created in an order that works; the optimizer folds each relation back
    into its CreateModel whenever they end up in one migration.
    """
    created_labels = {state.label_lower for state in diff.created()}
    deferred: list[tuple[ModelState, dict[str, Any]]] = []
    for state in diff.created():
        inline: dict[str, Field] = {}
        later: dict[str, Field] = {}
        for name, field in state.fields.items():
            targets = related_labels(field) - {state.label_lower}
            (later if targets & created_labels else inline)[name] = field
        options = {
            key: value for key, value in state.options.items() if key not in SEPARATE_OPTIONS
        }
        separate = {}
        for key in SEPARATE_OPTIONS:
            if key in state.options:
                separate[key] = state.options[key]
        if not later:
            options.update(separate)
            separate = {}
        requires = set().union(*(relation_requirements(field) for field in inline.values()))
        requires.discard(Requirement(state.app_label, state.name_lower))
        provides = {Requirement(state.app_label, state.name_lower)}
        provides |= {Requirement(state.app_label, state.name_lower, name) for name in inline}
        diff.emit(
            state.app_label,
            CreateModel(state.name, list(inline.items()), options),
            requires,
            provides,
        )
        deferred.append((state, {"fields": later, **separate}))
    for state, rest in deferred:
        _emit_deferred(diff, state, rest)


def _emit_deferred(diff: Diff, state: ModelState, rest: dict[str, Any]) -> None:
    own = Requirement(state.app_label, state.name_lower)
    for name, field in rest.pop("fields").items():
        diff.emit(
            state.app_label,
            AddField(state.name_lower, name, field),
            requires={own, *relation_requirements(field)},
            provides={Requirement(state.app_label, state.name_lower, name)},
        )
    every_field = {Requirement(state.app_label, state.name_lower, name) for name in state.fields}
    if rest.get("unique_together"):
        diff.emit(
            state.app_label,
            AlterUniqueTogether(state.name_lower, rest["unique_together"]),
            every_field,
        )
    for index in rest.get("indexes", []):
        diff.emit(state.app_label, AddIndex(state.name_lower, index), every_field)
    for constraint in rest.get("constraints", []):
        diff.emit(state.app_label, AddConstraint(state.name_lower, constraint), every_field)


def detect_deleted_models(diff: Diff) -> None:
    """Delete removed models, after the relations that point at them are gone.

    A deleted model's relations to deleted models of other apps, and those that
    close a ring of deleted models, are removed first, on their own: the apps'
    deletions can then go in any order (models of several apps may point at each
    other in a ring), and no model is deleted while a relation still points at it.
    Other relations between deleted models only order the deletions.
    """
    deleted = diff.deleted()
    cut = _cut_relations(diff, deleted)
    deleted_labels = {state.label_lower for state in deleted}
    for state in deleted:
        requires = {item for item in cut if (item.app_label, item.model) == state.key}
        for other in diff.old.models.values():
            for name, field in other.fields.items():
                if (
                    other.label_lower == state.label_lower
                    or state.label_lower not in related_labels(field)
                ):
                    continue
                removed = Requirement(other.app_label, other.name_lower, name, exists=False)
                if other.label_lower in deleted_labels and removed not in cut:
                    requires.add(Requirement(other.app_label, other.name_lower, exists=False))
                else:
                    requires.add(removed)
        diff.emit(
            state.app_label,
            DeleteModel(state.name),
            requires,
            {Requirement(state.app_label, state.name_lower, exists=False)},
        )


def _cut_relations(diff: Diff, deleted: list[ModelState]) -> set[Requirement]:
    """Remove the relations between deleted models that cannot just order deletions."""
    pointing = {
        state.label_lower: {
            label
            for field in state.fields.values()
            for label in related_labels(field)
            if label != state.label_lower
        }
        for state in deleted
    }
    cut: set[Requirement] = set()
    for state in deleted:
        for name, field in state.fields.items():
            if any(
                label in pointing and _must_cut(state, label, pointing)
                for label in related_labels(field)
                if label != state.label_lower
            ):
                gone = Requirement(state.app_label, state.name_lower, name, exists=False)
                diff.emit(state.app_label, RemoveField(state.name_lower, name), provides={gone})
                cut.add(gone)
    return cut


def _must_cut(state: ModelState, target: str, pointing: dict[str, set[str]]) -> bool:
    """Return whether ``state``'s relation to the deleted ``target`` must go first.

    It must when ``target`` belongs to another app, or points back at ``state``
    through deleted models: neither model could be deleted first.
    """
    if split_label(target)[0] != state.app_label:
        return True
    seen, pending = set(), [target]
    while pending:
        label = pending.pop()
        if label == state.label_lower:
            return True
        if label not in seen:
            seen.add(label)
            pending.extend(pointing.get(label, ()))
    return False


def detect_table_options(diff: Diff) -> None:
    """Find changed table names, table comments and ``managed`` flags."""
    for old, new in diff.kept():
        if old.db_table != new.db_table:
            diff.emit(new.app_label, AlterModelTable(new.name_lower, new.options.get("db_table")))
        if old.options.get("db_table_comment") != new.options.get("db_table_comment"):
            diff.emit(
                new.app_label,
                AlterModelTableComment(new.name_lower, new.options.get("db_table_comment")),
            )
        if old.options.get("managed", True) != new.options.get("managed", True):
            options = {key: new.options[key] for key in ALTER_OPTION_KEYS if key in new.options}
            diff.emit(new.app_label, AlterModelOptions(new.name_lower, options))
