"""``dbshift lint``: the lock and compatibility hazards of migrations, before they run."""

from __future__ import annotations

from dbshift.conf import DEFAULT_ALIAS
from dbshift.lint.runner import LintFinding, lint_plan
from dbshift.migrations.graph import Key
from dbshift.migrations.loader import MigrationLoader
from dbshift.project import Project


def lint_migrations(
    project: Project,
    app_label: str | None = None,
    migration_name: str | None = None,
    alias: str = DEFAULT_ALIAS,
) -> list[LintFinding]:
    """Return the findings of one migration, of an app's migrations, or of all of them.

    Each migration is judged on its own (a table is new only to the migration that
    creates it), in the dialect of database ``alias``, which is not connected to.
    """
    from dbshift.backends.database import Database

    loader = project.loader()
    keys = _selected(project, loader, app_label, migration_name)
    database = Database(project.database_url(alias), alias)
    try:
        return lint_plan(database, loader, keys, together=False)
    finally:
        database.dispose()


def _selected(
    project: Project, loader: MigrationLoader, app_label: str | None, migration_name: str | None
) -> list[Key]:
    if app_label is None:
        return list(loader.graph.forwards_plan_many(loader.all_leaves()))
    project.apps.get_app_config(app_label)
    if migration_name is not None:
        return [loader.get_by_prefix(app_label, migration_name).key]
    return [
        key
        for key in loader.graph.forwards_plan_many(loader.leaf_nodes(app_label))
        if key[0] == app_label
    ]
