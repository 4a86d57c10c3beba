"""Writing new migration files from model changes (``makemigrations``)."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dbshift.exceptions import ConfigurationError, ConflictError
from dbshift.migrations.autodetector import MigrationAutodetector, parse_number
from dbshift.migrations.graph import MigrationGraph
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.migration import Migration
from dbshift.migrations.questioner import Questioner
from dbshift.migrations.safeforms import safe_forms
from dbshift.migrations.writer import render_migration
from dbshift.project import Project


@dataclass
class MigrationFile:
    """A migration and the file it is (or would be) written to."""

    migration: Migration
    path: Path
    source: str

    @property
    def app_label(self) -> str:
        return self.migration.app_label


def check_name(name: str | None) -> None:
    if name is not None and not name.isidentifier():
        raise ConfigurationError(
            f"The migration name {name!r} is not a valid Python identifier; use letters, "
            "digits and underscores, not starting with a digit."
        )


def conflict_message(conflicts: dict[str, list[str]]) -> str:
    details = "; ".join(f"{', '.join(names)} in {label}" for label, names in conflicts.items())
    return (
        f"Conflicting migrations detected; multiple leaf nodes in the migration graph: "
        f"({details}). To fix them run 'dbshift makemigrations --merge'."
    )


def detect_changes(
    project: Project,
    app_labels: Iterable[str] = (),
    *,
    questioner: Questioner | None = None,
    name: str | None = None,
    loader: MigrationLoader | None = None,
) -> dict[str, list[Migration]]:
    """Return the migrations that would bring the files in line with the models."""
    labels = project.check_app_labels(app_labels)
    check_name(name)
    loader = loader or project.loader()
    conflicts = loader.detect_conflicts()
    if labels:
        conflicts = {label: names for label, names in conflicts.items() if label in labels}
    if conflicts:
        raise ConflictError(conflict_message(conflicts))
    migrated = loader.project_state()
    autodetector = MigrationAutodetector(migrated, project.models_state(migrated), questioner)
    changes = autodetector.changes(loader.graph, labels or None, name)
    if project.settings.safe_postgres:
        changes = safe_forms(changes, migrated, name)
    return changes


def empty_migrations(
    project: Project, app_labels: Iterable[str], name: str | None = None
) -> dict[str, list[Migration]]:
    """Return one empty migration per app, to be filled in by hand."""
    labels = project.check_app_labels(app_labels)
    if not labels:
        raise ConfigurationError("You must supply at least one app label when using --empty.")
    check_name(name)
    graph = project.loader().graph
    return {label: [_empty_migration(graph, label, name)] for label in labels}


def _empty_migration(graph: MigrationGraph, app_label: str, name: str | None) -> Migration:
    leaves = graph.leaf_nodes(app_label)
    leaf = leaves[0] if leaves else None
    number = (parse_number(leaf[1]) or 0) + 1 if leaf else 1
    suffix = name or "auto_" + datetime.datetime.now().strftime("%Y%m%d_%H%M")
    migration = Migration(f"{number:04d}_{suffix}", app_label)
    migration.dependencies = [leaf] if leaf else []
    migration.initial = leaf is None
    return migration


def render_files(
    project: Project, changes: dict[str, list[Migration]], include_header: bool = True
) -> list[MigrationFile]:
    """Return the files ``changes`` become, without writing them."""
    files = []
    for label, migrations in changes.items():
        directory = project.apps.get_app_config(label).migrations_path
        for migration in migrations:
            source = render_migration(migration, include_header)
            files.append(MigrationFile(migration, directory / f"{migration.name}.py", source))
    return files


def write_files(files: list[MigrationFile]) -> None:
    """Write every file, or none: a failure removes what was already written."""
    written: list[Path] = []
    try:
        for item in files:
            _ensure_package(item.path.parent, written)
            if item.path.exists():
                raise ConfigurationError(f"{item.path} already exists; not overwriting it.")
            item.path.write_text(item.source, encoding="utf-8")
            written.append(item.path)
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
            if path.name == "__init__.py":
                with contextlib.suppress(OSError):
                    path.parent.rmdir()
        raise


def _ensure_package(directory: Path, written: list[Path]) -> None:
    init = directory / "__init__.py"
    if init.exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    init.write_text("", encoding="utf-8")
    written.append(init)
