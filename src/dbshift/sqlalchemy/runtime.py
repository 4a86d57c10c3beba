"""The application's view of a project: its models mapped, its tables, its engines."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import orm

from dbshift.apps import load_apps
from dbshift.backends.database import Database
from dbshift.backends.runtime import app_async_engine, app_engine
from dbshift.conf import DEFAULT_ALIAS, load_settings
from dbshift.exceptions import ConfigurationError
from dbshift.migrations.state import ProjectState
from dbshift.project import Project
from dbshift.sqlalchemy.mapping import map_models
from dbshift.sqlalchemy.tables import ModelMetaData, TableBuilder

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import AsyncEngine


class Runtime:
    """A project whose models are mapped classes, with engines for its databases."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.default = Database(project.database_url(DEFAULT_ALIAS), DEFAULT_ALIAS)
        classes = list(project.apps.get_models())
        self.state = ProjectState.from_models(classes)
        builder = self.default.schema_editor(None, collect=True).builder
        self.metadata = ModelMetaData()
        tables = TableBuilder(builder, self.state, self.metadata)
        tables.build()
        self.registry = orm.registry(metadata=self.metadata)
        map_models(self.registry, classes, self.state, tables)
        self.registry.configure()
        self.engines: dict[str, sa.Engine] = {}
        self.async_engines: dict[str, AsyncEngine] = {}

    def database(self, alias: str) -> Database:
        """Return database ``alias``, which must be of the default database's kind."""
        if alias == DEFAULT_ALIAS:
            return self.default
        database = Database(self.project.database_url(alias), alias)
        if database.vendor != self.default.vendor:
            raise ConfigurationError(
                f"Database '{alias}' is {database.vendor} but the default database is "
                f"{self.default.vendor}; the mapped models store values in one database's "
                "formats, so every database the application queries must be of one kind."
            )
        return database

    def engine(self, alias: str, options: Mapping[str, Any]) -> sa.Engine:
        if alias not in self.engines:
            self.engines[alias] = app_engine(self.database(alias), **options)
        return self.engines[alias]

    def async_engine(self, alias: str, options: Mapping[str, Any]) -> AsyncEngine:
        if alias not in self.async_engines:
            self.async_engines[alias] = app_async_engine(self.database(alias), **options)
        return self.async_engines[alias]

    def close(self) -> None:
        """Close the engines' connections and unmap the model classes."""
        for engine in self.engines.values():
            engine.dispose()
        for async_engine in self.async_engines.values():
            # Closing an asyncio connection needs its event loop, which may be gone:
            # the pool is dropped, and its connections close when collected.
            async_engine.sync_engine.dispose(close=False)
        self.default.dispose()
        self.registry.dispose()


def load_project(settings: Path | None) -> Project:
    """Read the settings and import the apps, keeping the models already imported."""
    loaded = load_settings(settings)
    return Project(loaded, load_apps(loaded, fresh=False))
