"""The databases the tools run against: emptied, snapshotted and restored between runs.

Each tool gets its own database per history, so that one tool's runs never see
another's tables. Preparing a database (emptying it before a fresh ``migrate``,
restoring the migrated snapshot before ``migrate zero``) is never part of a timed run.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import sqlalchemy as sa


class SQLiteDatabase:
    """A database file; the snapshot is a copy of the file."""

    vendor = "sqlite"

    def __init__(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{name}.sqlite3"
        self.snapshot_path = directory / f"{name}.snapshot.sqlite3"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def driver_dsn(self) -> str:
        """Return what the bare driver connects with: the file's path."""
        return str(self.path)

    def _remove(self, path: Path) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def reset(self) -> None:
        self._remove(self.path)

    def snapshot(self) -> None:
        shutil.copyfile(self.path, self.snapshot_path)

    def restore(self) -> None:
        self._remove(self.path)
        shutil.copyfile(self.snapshot_path, self.path)

    def drop(self) -> None:
        self._remove(self.path)
        self._remove(self.snapshot_path)


class ServerDatabase:
    """A database on one of the benchmark's servers, reached through SQLAlchemy."""

    vendor = ""
    #: The query that returns the server's version, for the report.
    version_query = ""
    #: The test module whose ``running_server()`` starts a throwaway server of this kind.
    server_module = ""

    def __init__(self, server_url: str, name: str) -> None:
        self.server_url = sa.make_url(server_url)
        self.name = name
        self.snapshot_name = f"{name}_snapshot"
        self.admin = sa.create_engine(
            self.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )

    @classmethod
    def server_version(cls, server_url: str) -> str:
        engine = sa.create_engine(server_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                return str(connection.exec_driver_sql(cls.version_query).scalar())
        finally:
            engine.dispose()

    @property
    def url(self) -> str:
        return self.server_url.set(database=self.name).render_as_string(hide_password=False)

    def _execute(self, *statements: str) -> None:
        with self.admin.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)

    def _drop(self, *statements: str) -> None:
        with contextlib.suppress(sa.exc.DBAPIError):
            self._execute(*statements)
        self.admin.dispose()


class PostgresDatabase(ServerDatabase):
    """A database on the benchmark's server; the snapshot is a template database."""

    vendor = "postgresql"
    version_query = "SHOW server_version"
    server_module = "tests.postgres"

    @property
    def driver_dsn(self) -> str:
        """Return the libpq connection string psycopg connects with."""
        url = self.server_url.set(drivername="postgresql", database=self.name)
        return url.render_as_string(hide_password=False)

    def reset(self) -> None:
        self._execute(
            f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"'
        )

    def snapshot(self) -> None:
        self._execute(
            f'DROP DATABASE IF EXISTS "{self.snapshot_name}" WITH (FORCE)',
            f'CREATE DATABASE "{self.snapshot_name}" TEMPLATE "{self.name}"',
        )

    def restore(self) -> None:
        self._execute(
            f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
            f'CREATE DATABASE "{self.name}" TEMPLATE "{self.snapshot_name}"',
        )

    def drop(self) -> None:
        self._drop(
            f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{self.snapshot_name}" WITH (FORCE)',
        )


class MariaDBDatabase(ServerDatabase):
    """A database on the benchmark's MariaDB server; the snapshot is a second database.

    MariaDB has no template databases, so the snapshot is a copy made table by table:
    each table's own ``SHOW CREATE TABLE`` (foreign keys included, naming tables of the
    same database) run in the other database, then its rows, with foreign key checks off
    so that the order of the tables does not matter.
    """

    vendor = "mariadb"
    version_query = "SELECT VERSION()"
    server_module = "tests.mariadb"

    @property
    def driver_dsn(self) -> str:
        """Return a ``mysql://user:password@host:port/database`` URL for the bare driver."""
        url = self.server_url.set(drivername="mysql", database=self.name)
        return url.render_as_string(hide_password=False)

    def reset(self) -> None:
        self._execute(f"DROP DATABASE IF EXISTS `{self.name}`", f"CREATE DATABASE `{self.name}`")

    def _copy(self, source: str, target: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{target}`")
            connection.exec_driver_sql(f"CREATE DATABASE `{target}`")
            connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")
            tables = (
                connection.exec_driver_sql(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (source,),
                )
                .scalars()
                .all()
            )
            connection.exec_driver_sql(f"USE `{source}`")
            definitions = [
                connection.exec_driver_sql(f"SHOW CREATE TABLE `{table}`").one()[1]
                for table in tables
            ]
            connection.exec_driver_sql(f"USE `{target}`")
            for definition in definitions:
                connection.exec_driver_sql(definition)
            for table in connection.exec_driver_sql("SHOW TABLES").scalars().all():
                connection.exec_driver_sql(
                    f"INSERT INTO `{target}`.`{table}` SELECT * FROM `{source}`.`{table}`"
                )

    def snapshot(self) -> None:
        self._copy(self.name, self.snapshot_name)

    def restore(self) -> None:
        self._copy(self.snapshot_name, self.name)

    def drop(self) -> None:
        self._drop(
            f"DROP DATABASE IF EXISTS `{self.name}`",
            f"DROP DATABASE IF EXISTS `{self.snapshot_name}`",
        )


Database = SQLiteDatabase | PostgresDatabase | MariaDBDatabase


def fingerprint(url: str) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Return each table's columns and the migrations dbshift recorded as applied."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        columns = sa.inspect(engine).get_multi_columns()
        tables = {key[1]: sorted(c["name"] for c in value) for key, value in columns.items()}
        applied: list[tuple[str, str]] = []
        if "dbshift_migrations" in tables:
            with engine.connect() as connection:
                query = "SELECT app, name FROM dbshift_migrations ORDER BY app, name"
                applied = [tuple(row) for row in connection.exec_driver_sql(query)]
        return tables, applied
    finally:
        engine.dispose()


#: The database class of each vendor measured on a server; SQLite needs none.
SERVER_DATABASES: dict[str, type[PostgresDatabase] | type[MariaDBDatabase]] = {
    "postgresql": PostgresDatabase,
    "mariadb": MariaDBDatabase,
}
