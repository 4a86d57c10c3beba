"""Engines for the application's own queries, and the editor that creates its tables.

The application reads and writes through ordinary SQLAlchemy engines, not the
migration engines of :mod:`dbshift.backends.database` (which take over SQLite's
transactions and switch its foreign keys off to rebuild tables). What differs
per database is kept here: SQLite enforces foreign keys only when asked, on each
connection, and the asyncio drivers have their own URL names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event

from dbshift.backends.backend import dialect_backend
from dbshift.backends.database import Database
from dbshift.exceptions import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from dbshift.backends.base import SchemaEditor

#: The asyncio driver used for each database when the URL names a synchronous one.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "psycopg"}


def app_engine(database: Database, **options: Any) -> sa.Engine:
    """Return an engine for the application's queries on ``database``."""
    engine = sa.create_engine(database.url, **options)
    _enforce_foreign_keys(database, engine)
    return engine


def app_async_engine(database: Database, **options: Any) -> AsyncEngine:
    """Return an asyncio engine for ``database``, through its asyncio driver."""
    try:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(async_url(database), **options)
    except (ImportError, ValueError) as err:
        raise ConfigurationError(
            f"Cannot make an asyncio engine for database '{database.alias}' "
            f"({database.display_url}): {err}. Install dbshift[async]."
        ) from err
    _enforce_foreign_keys(database, engine.sync_engine)
    return engine


def async_url(database: Database) -> sa.URL:
    """Return the URL of ``database`` with an asyncio driver (``sqlite+aiosqlite``)."""
    url = database.url
    driver = ASYNC_DRIVERS[database.vendor]
    if database.vendor == "sqlite" and url.get_driver_name() in ("pysqlite", ""):
        return url.set(drivername=f"sqlite+{driver}")
    if database.vendor == "postgresql" and url.get_driver_name() != "asyncpg":
        # psycopg 3 serves both: SQLAlchemy picks its asyncio dialect for an asyncio engine.
        return url.set(drivername=f"postgresql+{driver}")
    return url


def _enforce_foreign_keys(database: Database, engine: sa.Engine) -> None:
    """Make SQLite enforce foreign keys (and their ON DELETE) on every connection.

    SQLite leaves them off unless each connection turns them on (its documentation,
    "Enabling Foreign Key Support"); ``on_delete`` is the database's own rule, as on
    PostgreSQL.
    """
    if database.vendor != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def schema_editor_for(connection: sa.Connection) -> SchemaEditor:
    """Return the schema editor of ``connection``'s database, running on it."""
    editor_class = dialect_backend(connection.dialect).editor_class()
    return editor_class(connection, connection.dialect)
