"""Throwaway test databases on a MySQL or MariaDB server.

MySQL has neither ``CREATE DATABASE ... TEMPLATE`` nor a way to rename a
database. A template is made by moving the tables of a migrated database into
it (``RENAME TABLE`` moves a table between databases of one server, keys and
all), and a copy by creating each table as ``SHOW CREATE TABLE`` gives it and
filling it from the template, with foreign key checks off meanwhile.
"""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.backends.copies import ServerCopies


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class MySQLCopies(ServerCopies):
    """Databases on the server of ``url``; copies are made table by table."""

    def _databases(self, connection: sa.Connection, pattern: str) -> list[str]:
        rows = connection.exec_driver_sql(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s",
            (pattern,),
        )
        return [row[0] for row in rows]

    def _tables(self, connection: sa.Connection, database: str) -> list[str]:
        rows = connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (database,),
        )
        return [row[0] for row in rows]

    def has_template(self, key: str) -> bool:
        with self._admin() as connection:
            return bool(self._databases(connection, self._template_name(key)))

    def template_url(self, key: str) -> str:
        return self._url(self._template_name(key))

    def new_url(self) -> str:
        name = self._name()
        with self._admin() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {_quoted(name)}")
        return self._url(name)

    def promote(self, url: str, key: str) -> None:
        name = sa.make_url(url).database or ""
        template = self._template_name(key)
        with self._admin() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {_quoted(template)}")
            for table in self._tables(connection, name):
                connection.exec_driver_sql(
                    f"RENAME TABLE {_quoted(name)}.{_quoted(table)} "
                    f"TO {_quoted(template)}.{_quoted(table)}"
                )
            connection.exec_driver_sql(f"DROP DATABASE {_quoted(name)}")

    def copy(self, key: str) -> str:
        url = self.new_url()
        name, template = sa.make_url(url).database or "", self._template_name(key)
        with self._admin(name) as connection:
            connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")
            for table in self._tables(connection, template):
                source = f"{_quoted(template)}.{_quoted(table)}"
                create = connection.exec_driver_sql(f"SHOW CREATE TABLE {source}").one()[1]
                connection.exec_driver_sql(create, execution_options={"no_parameters": True})
                connection.exec_driver_sql(f"INSERT INTO {_quoted(table)} SELECT * FROM {source}")
        return url

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database or ""
        with self._admin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quoted(name)}")

    def drop_templates(self, keep: str) -> None:
        with self._admin() as connection:
            for name in self._databases(connection, f"{self.prefix}\\_tpl\\_%"):
                if name != self._template_name(keep):
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quoted(name)}")
