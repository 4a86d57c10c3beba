"""Throwaway databases for tests: a migrated template, kept between runs, and its copies.

Migrating a database per test repeats the same work; copying a migrated one is a
file copy on SQLite and ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL (see
https://www.postgresql.org/docs/current/manage-ag-templatedbs.html). A template is
named by a key (a hash of the migration files), so that a changed migration gets a
new template instead of a stale one.
"""

from __future__ import annotations

import abc
import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from dbshift.backends.backend import backend_named, backend_names, listed, load
from dbshift.exceptions import ConfigurationError


class DatabaseCopies(abc.ABC):
    """Make, copy and drop the test databases of one project on one server."""

    def __init__(self, url: str, directory: Path, prefix: str) -> None:
        self.url = sa.make_url(url)
        #: Where files are kept (SQLite), across test sessions.
        self.directory = directory
        #: The start of every name made here, unique to the project.
        self.prefix = prefix

    @abc.abstractmethod
    def has_template(self, key: str) -> bool: ...

    @abc.abstractmethod
    def template_url(self, key: str) -> str: ...

    @abc.abstractmethod
    def new_url(self) -> str:
        """Return the URL of a new, empty database."""
        ...

    @abc.abstractmethod
    def promote(self, url: str, key: str) -> None:
        """Make the database at ``url`` (built by the caller) the template of ``key``."""
        ...

    @abc.abstractmethod
    def copy(self, key: str) -> str:
        """Return the URL of a new database holding what the template of ``key`` holds."""
        ...

    @abc.abstractmethod
    def drop(self, url: str) -> None: ...

    @abc.abstractmethod
    def drop_templates(self, keep: str) -> None:
        """Drop the templates of this project other than ``keep``'s."""
        ...

    def _name(self) -> str:
        return f"{self.prefix}_{uuid.uuid4().hex[:10]}"

    def _template_name(self, key: str) -> str:
        return f"{self.prefix}_tpl_{key[:16]}"


class SQLiteCopies(DatabaseCopies):
    """Databases as files: the template in ``directory``, copies beside it."""

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.sqlite3"

    def _url(self, path: Path) -> str:
        return self.url.set(database=str(path)).render_as_string(hide_password=False)

    def has_template(self, key: str) -> bool:
        return self._path(self._template_name(key)).exists()

    def template_url(self, key: str) -> str:
        return self._url(self._path(self._template_name(key)))

    def new_url(self) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        return self._url(self._path(self._name()))

    def promote(self, url: str, key: str) -> None:
        # A rename is atomic: another session sees no template or a whole one.
        os.replace(_sqlite_path(url), self._path(self._template_name(key)))

    def copy(self, key: str) -> str:
        url = self.new_url()
        shutil.copyfile(self._path(self._template_name(key)), _sqlite_path(url))
        return url

    def drop(self, url: str) -> None:
        path = _sqlite_path(url)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def drop_templates(self, keep: str) -> None:
        kept = self._path(self._template_name(keep))
        for path in self.directory.glob(f"{self.prefix}_tpl_*.sqlite3"):
            if path != kept:
                path.unlink(missing_ok=True)


class ServerCopies(DatabaseCopies):
    """Databases on the server of ``url``, created and dropped through an admin connection."""

    #: The database an admin connection opens when it is given none.
    admin_database: str | None = None

    @contextlib.contextmanager
    def _admin(self, database: str | None = None) -> Iterator[sa.Connection]:
        # CREATE and DROP DATABASE cannot run inside a transaction.
        engine = sa.create_engine(
            self.url.set(database=database or self.admin_database),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def _url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)


class PostgreSQLCopies(ServerCopies):
    """Databases on the server of ``url``; copies are made with ``TEMPLATE``."""

    admin_database = "postgres"

    def has_template(self, key: str) -> bool:
        with self._admin() as connection:
            found = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": self._template_name(key)},
            )
            return found.first() is not None

    def template_url(self, key: str) -> str:
        return self._url(self._template_name(key))

    def new_url(self) -> str:
        name = self._name()
        with self._admin() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return self._url(name)

    def promote(self, url: str, key: str) -> None:
        name = sa.make_url(url).database
        with self._admin() as connection:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" RENAME TO "{self._template_name(key)}"'
            )

    def copy(self, key: str) -> str:
        name = self._name()
        with self._admin() as connection:
            connection.exec_driver_sql(
                f'CREATE DATABASE "{name}" TEMPLATE "{self._template_name(key)}"'
            )
        return self._url(name)

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        with self._admin() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_templates(self, keep: str) -> None:
        with self._admin() as connection:
            names = connection.execute(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                {"pattern": f"{self.prefix}_tpl_%"},
            ).scalars()
            for name in list(names):
                if name != self._template_name(keep):
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_path(url: str) -> Path:
    return Path(sa.make_url(url).database or "")


def database_copies(url: str, directory: Path, prefix: str) -> DatabaseCopies:
    """Return the test databases of the server (or SQLite directory) of ``url``."""
    name = sa.make_url(url).get_backend_name()
    backend = backend_named(name)
    if backend is None or not backend.copies:
        raise ConfigurationError(
            f"Test databases need {listed(backend_names())}; the database URL uses {name!r}."
        )
    copies_class: type[DatabaseCopies] = load(backend.copies)
    return copies_class(url, directory, prefix)
