"""Engines for the application's own queries, and the editor that creates its tables.

The application reads and writes through ordinary SQLAlchemy engines, not the
migration engines of :mod:`dbshift.backends.database` (which take over SQLite's
transactions and switch its foreign keys off to rebuild tables). What differs
per database is its backend's: SQLite enforces foreign keys only when asked, on
each connection, and the asyncio drivers have their own URL names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbshift.backends.backend import dialect_backend
from dbshift.backends.database import Database
from dbshift.exceptions import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from dbshift.backends.base import SchemaEditor


def app_engine(database: Database, **options: Any) -> sa.Engine:
    """Return an engine for the application's queries on ``database``."""
    engine = sa.create_engine(database.url, **engine_options(database, database.url, options))
    database.backend.prepare_app_engine(engine)
    return engine


def app_async_engine(database: Database, **options: Any) -> AsyncEngine:
    """Return an asyncio engine for ``database``, through its asyncio driver."""
    try:
        from sqlalchemy.ext.asyncio import create_async_engine

        url = async_url(database)
        engine = create_async_engine(url, **engine_options(database, url, options))
    except (ImportError, ValueError) as err:
        raise ConfigurationError(
            f"Cannot make an asyncio engine for database '{database.alias}' "
            f"({database.display_url}): {err}. "
            f"Install dbshift[{database.backend.async_extras}]."
        ) from err
    database.backend.prepare_app_engine(engine.sync_engine)
    return engine


def engine_options(database: Database, url: sa.URL, options: dict[str, Any]) -> dict[str, Any]:
    """Return the backend's session set-up for ``url`` with the application's ``options``,
    which win: its ``connect_args`` one by one, any other option whole."""
    session = database.backend.session_options(url)
    merged = {**session, **options}
    if "connect_args" in options:
        merged["connect_args"] = {**session.get("connect_args", {}), **options["connect_args"]}
    return merged


def async_url(database: Database) -> sa.URL:
    """Return the URL of ``database`` with an asyncio driver (``sqlite+aiosqlite``)."""
    return database.backend.async_url(database.url)


def schema_editor_for(connection: sa.Connection) -> SchemaEditor:
    """Return the schema editor of ``connection``'s database, running on it."""
    editor_class = dialect_backend(connection.dialect).editor_class()
    return editor_class(connection, connection.dialect)
