"""Squashing and optimizing migration files (``squashmigrations``, ``optimizemigration``)."""

from __future__ import annotations

from dataclasses import dataclass

from dbshift.actions.makemigrations import MigrationFile, check_name
from dbshift.migrations.codecopy import copy_functions, is_migration_function, operation_functions
from dbshift.migrations.migration import Migration
from dbshift.migrations.optimizer import optimize
from dbshift.migrations.squash import Squash, build_squash, squash_range
from dbshift.migrations.writer import render_migration
from dbshift.project import Project


def plan_squash(
    project: Project,
    app_label: str,
    start: str | None,
    end: str,
    name: str | None = None,
    optimized: bool = True,
    include_header: bool = True,
) -> tuple[Squash, MigrationFile]:
    """Return the verified squash of ``start..end`` and the file it would be written to."""
    config = project.apps.get_app_config(app_label)
    check_name(name)
    loader = project.loader()
    chain = squash_range(loader, app_label, start, end)
    squash = build_squash(loader, app_label, chain, name, optimized, from_start=start is None)
    source = render_migration(squash.migration, include_header, code=squash.code)
    path = config.migrations_path / f"{squash.migration.name}.py"
    return squash, MigrationFile(squash.migration, path, source)


@dataclass
class Optimization:
    """A migration before and after optimizing, and its rewritten file."""

    migration: Migration
    before: int
    after: int
    file: MigrationFile


def plan_optimization(
    project: Project, app_label: str, name: str, include_header: bool = True
) -> Optimization:
    """Return ``app_label.name`` with its operations optimized, and its rewritten file."""
    config = project.apps.get_app_config(app_label)
    migration = project.loader().get_by_prefix(app_label, name)
    operations = optimize(migration.operations, app_label)
    rewritten = Migration.copy_of(migration, operations)
    functions = [
        value
        for operation in operations
        for value in operation_functions(operation)
        if is_migration_function(value)
    ]
    source = render_migration(rewritten, include_header, code=copy_functions(functions))
    path = config.migrations_path / f"{migration.name}.py"
    file = MigrationFile(rewritten, path, source)
    return Optimization(migration, len(migration.operations), len(operations), file)
