"""Django 5.2 builds the same history on a database of its own, as a second witness.

dbshift's migration files differ from Django's only by their import line, so the
history a test wrote runs unchanged under Django's ``migrate`` once that line is
swapped. :func:`django_structure` does so in a subprocess (Django is configured
once per process) and reads what Django built with :mod:`tests.structure`.

Where dbshift builds something else than Django on purpose, :func:`as_dbshift_builds`
says so, one commented rule per difference; everything else must be equal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import sqlalchemy as sa

from tests import mariadb, postgres
from tests.structure import (
    Index,
    Structure,
    Table,
    describe_differences,
    read_structure,
    vendor_of,
    without_repeated_unique_rules,
)

DJANGO_INSTALLED = importlib.util.find_spec("django") is not None

_IMPORT = re.compile(r"^from dbshift import ", re.MULTILINE)

#: Django's MySQL backend imports mysqlclient; PyMySQL stands in for it. Django 5.2's
#: CREATE TABLE of a model with a parametrized db_default defers its constraints, and a
#: constraint the server cannot build (a unique one with a condition on MySQL) is queued
#: as None, which its schema editor then sends as the SQL text 'None', whatever the
#: driver. Django builds no such constraint (its warning models.W036 says so); skipping
#: the None does just that.
_MYSQL_PRELUDE = """\
import pymysql
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

pymysql.install_as_MySQLdb()
_execute = BaseDatabaseSchemaEditor.execute


def _execute_unless_none(editor, sql, params=()):
    if sql is not None:
        _execute(editor, sql, params)


BaseDatabaseSchemaEditor.execute = _execute_unless_none
"""

_SETTINGS = """\
SECRET_KEY = "oracle"
INSTALLED_APPS = {apps!r}
DATABASES = {{"default": {database!r}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""


def django_database(url: str) -> dict[str, str]:
    """Return Django's DATABASES entry for a SQLAlchemy URL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parsed.database or ""}
    engine = "mysql" if vendor_of(url) == "mariadb" else "postgresql"
    return {
        "ENGINE": f"django.db.backends.{engine}",
        "NAME": parsed.database or "",
        "USER": parsed.username or "",
        "PASSWORD": parsed.password or "",
        "HOST": parsed.host or "",
        "PORT": str(parsed.port or ""),
    }


def write_django_project(source: Path, apps: Iterable[str], target: Path, url: str) -> None:
    """Write under ``target`` a Django project running the migrations of ``source``'s apps."""
    apps = list(apps)
    for app in apps:
        package = target / app.replace(".", "/")
        (package / "migrations").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        models = source / app.replace(".", "/") / "models.py"
        if models.exists():
            # Migrations may name functions of models.py (a callable default).
            (package / "models.py").write_text(
                _IMPORT.sub("from django.db import ", models.read_text())
            )
        (package / "migrations" / "__init__.py").write_text("")
        for path in sorted((source / app.replace(".", "/") / "migrations").glob("[!_]*.py")):
            text = _IMPORT.sub("from django.db import ", path.read_text())
            (package / "migrations" / path.name).write_text(text)
    settings = _SETTINGS.format(apps=apps, database=django_database(url))
    if vendor_of(url) == "mariadb":
        settings = _MYSQL_PRELUDE + settings
    (target / "django_oracle_settings.py").write_text(settings)


def django_structure(
    source: Path, apps: Iterable[str], like: str, server: str | None, workdir: Path
) -> Structure:
    """Return the tables Django's ``migrate`` builds from ``source``'s migrations.

    Django runs on an empty database of its own, of the same kind as the URL
    ``like`` (a new file in ``workdir`` for SQLite, a new database on ``server``).
    """
    with _empty_database(like, server, workdir) as url:
        write_django_project(source, apps, workdir, url)
        run_django_migrate(workdir)
        return read_structure(url)


@contextlib.contextmanager
def _empty_database(like: str, server: str | None, workdir: Path) -> Iterator[str]:
    if sa.make_url(like).get_backend_name() == "sqlite":
        yield f"sqlite:///{workdir / 'django.sqlite3'}"
        return
    assert server is not None, "a comparison on a server needs the server's URL"
    fresh_database = (
        mariadb.fresh_database if vendor_of(like) == "mariadb" else postgres.fresh_database
    )
    with fresh_database(server) as url:
        yield url


def run_django_migrate(workdir: Path) -> None:
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "PYTHONPATH": str(workdir),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = ["migrate", "-v", "0", "--settings", "django_oracle_settings"]
    result = subprocess.run(
        [sys.executable, "-m", "django", *command],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"Django's migrate failed:\n{result.stdout}{result.stderr}"


# -- Where dbshift builds something else than Django, on purpose ------------------------------


def comparable(structure: Structure, vendor: str, built_by_django: bool = False) -> Structure:
    """Return ``structure`` with the intended differences of dbshift and Django evened out.

    Each rule below says what Django builds and why dbshift builds it otherwise. Rules
    that loosen a comparison apply to both sides; the others only to Django's tables.
    """
    tables = {
        name: _comparable_table(table, vendor, built_by_django) for name, table in structure.items()
    }
    return without_repeated_unique_rules(tables)


def _comparable_table(table: Table, vendor: str, built_by_django: bool) -> Table:
    indexes = list(table.indexes)
    uniques = list(table.unique_constraints)
    columns = dict(table.columns)
    if built_by_django and vendor == "sqlite":
        # Django writes a unique field or unique_together as UNIQUE in the CREATE TABLE;
        # dbshift makes it a unique index, so that changing it needs no table rebuild.
        indexes += [Index(columns, unique=True) for columns in uniques]
        uniques = []
        # Django declares positive integers "integer unsigned" (bigint, smallint) on
        # SQLite; dbshift the plain type. The affinity (INTEGER) and the CHECK are alike.
        columns = {
            name: dataclasses.replace(column, type=column.type.removesuffix(" unsigned"))
            for name, column in columns.items()
        }
    return dataclasses.replace(
        table,
        columns=columns,
        # Django enforces on_delete in Python and leaves every key NO ACTION; dbshift has no
        # ORM beside the database and writes the rule as the key's ON DELETE action (README,
        # "on_delete is enforced by the database"). tests/expectations.py checks the actions.
        foreign_keys=tuple(
            sorted(dataclasses.replace(key, on_delete="*") for key in table.foreign_keys)
        ),
        unique_constraints=tuple(sorted(uniques)),
        indexes=tuple(sorted(indexes)),
        checks=tuple(sorted(_loose_condition(check) for check in table.checks)),
    )


def _loose_condition(condition: str) -> str:
    """Return a CHECK condition with the spellings that differ and mean the same evened out.

    Django and dbshift compile the same ``Q`` differently: Django writes ``NOT (x IS
    NULL)`` where dbshift writes ``x IS NOT NULL``, brackets every ``AND`` inside an
    ``OR``, quotes a Decimal ('0') on SQLite and spells JSON_VALID in capitals.
    Brackets are dropped altogether: they decide nothing in the conditions compared.
    """
    condition = re.sub(r"NOT\((\w+)ISNULL\)", r"\1ISNOTNULL", condition)
    condition = re.sub(r"'(-?\d+(?:\.\d+)?)'", r"\1", condition)
    return condition.replace("(", "").replace(")", "").lower()


def assert_same_schema(dbshift: Structure, django: Structure, vendor: str) -> None:
    """Assert that dbshift built what Django built, but for the intended differences."""
    ours, theirs = comparable(dbshift, vendor), comparable(django, vendor, built_by_django=True)
    assert ours == theirs, "\n".join(describe_differences(ours, theirs))
