"""The models of ``models.py`` as SQLAlchemy ORM classes, for the application's queries.

::

    import dbshift.sqlalchemy as dsa

    dsa.setup()                          # read the settings, map every model of every app
    from pages.models import Article

    with Session(dsa.engine()) as session:
        session.scalars(select(Article)).all()

The tables are built from the code ``migrate`` creates them with, so the mapped
classes always agree with the migrated database (see ``docs/runtime.md``).
Importing this module imports the SQLAlchemy ORM; the command line never does.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbshift.conf import DEFAULT_ALIAS
from dbshift.sqlalchemy.runtime import Runtime, load_project

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "Runtime",
    "async_engine",
    "check_migrated",
    "engine",
    "metadata",
    "reset",
    "setup",
]

_runtime: Runtime | None = None


def setup(settings: str | PathLike[str] | None = None) -> Runtime:
    """Read the settings, import every app's models and map them; later calls do nothing.

    ``settings`` is the settings file; by default the nearest one above the
    working directory, as for the command line. Model classes imported before
    are the ones mapped, as are those imported after.
    """
    global _runtime
    if _runtime is None:
        project = load_project(Path(settings) if settings is not None else None)
        _runtime = Runtime(project)
    return _runtime


def reset() -> None:
    """Undo :func:`setup`: close the engines and unmap the classes (for tests)."""
    global _runtime
    if _runtime is not None:
        runtime, _runtime = _runtime, None
        runtime.close()


def _current() -> Runtime:
    if _runtime is None:
        from dbshift.exceptions import ConfigurationError

        raise ConfigurationError(
            "dbshift.sqlalchemy.setup() has not been called; call it once at start-up."
        )
    return _runtime


def engine(alias: str = DEFAULT_ALIAS, **options: Any) -> sa.Engine:
    """Return the engine of database ``alias``, made on first use with ``options``."""
    return _current().engine(alias, options)


def async_engine(alias: str = DEFAULT_ALIAS, **options: Any) -> AsyncEngine:
    """Return the asyncio engine of database ``alias`` (needs ``dbshift[async]``)."""
    return _current().async_engine(alias, options)


def metadata() -> sa.MetaData:
    """Return the ``MetaData`` with one table per model and per automatic join table."""
    return _current().metadata


def check_migrated(alias: str = DEFAULT_ALIAS) -> None:
    """Raise :class:`NotMigratedError` unless database ``alias`` is fully migrated.

    Unapplied migrations and model changes no migration covers are named in the
    error, so that an application stops at start-up instead of failing later.
    """
    from dbshift.sqlalchemy.guard import check_migrated as check

    check(_current().project, alias)
