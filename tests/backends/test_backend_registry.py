"""Backends: declaring one registers it; each names the parts a database needs.

A backend is found by the name in a URL without importing SQLAlchemy, so that the
commands with nothing to run stay light.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy.dialects.mssql.base import MSDialect

from dbshift.backends import backend as registry
from dbshift.backends import vendors
from dbshift.backends.backend import Backend, backend_named, backend_names, url_backend
from dbshift.backends.base import SchemaEditor
from dbshift.backends.copies import DatabaseCopies
from dbshift.backends.database import Database
from dbshift.backends.introspection import TableReader
from dbshift.exceptions import ConfigurationError
from tests.helpers import process_env


def _vendor_backends() -> list[type[Backend]]:
    found = []
    for module in pkgutil.iter_modules(vendors.__path__, f"{vendors.__name__}."):
        imported = importlib.import_module(module.name)
        found += [
            value
            for value in vars(imported).values()
            if isinstance(value, type)
            and issubclass(value, Backend)
            and value.__module__ == imported.__name__
        ]
    return found


def test_sqlite_and_postgresql_are_served():
    assert backend_named("sqlite").vendor == "sqlite"
    assert backend_named("postgresql").vendor == "postgresql"
    assert backend_named("oracle") is None
    assert {"sqlite", "postgresql"} <= set(backend_names())


@pytest.mark.parametrize("backend_class", _vendor_backends(), ids=lambda cls: cls.__name__)
def test_every_vendor_backend_names_its_parts(backend_class):
    assert backend_class.names and backend_class.vendor
    for name in backend_class.names:
        assert backend_named(name) is backend_class
    backend = backend_class()
    editor_class = backend.editor_class()
    assert issubclass(editor_class, SchemaEditor)
    # The editor works with the backend's flags, not a copy of its own.
    assert editor_class.features is backend_class.features
    assert editor_class.vendor == backend_class.vendor
    assert issubclass(registry.load(backend_class.copies), DatabaseCopies)
    assert issubclass(backend.table_reader_class(), TableReader)


def test_a_declared_backend_is_found_by_its_names_and_aliases(monkeypatch):
    monkeypatch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
    monkeypatch.setattr(registry, "_ALIASES", dict(registry._ALIASES))

    class WarehouseBackend(Backend):
        names: ClassVar[tuple[str, ...]] = ("warehouse", "warehouse2")
        aliases: ClassVar[tuple[str, ...]] = ("wh",)
        vendor: ClassVar[str] = "warehouse"

    assert backend_named("warehouse") is WarehouseBackend
    assert backend_named("warehouse2") is WarehouseBackend
    # An alias is a settings spelling, which normalize_url rewrites: not a URL name.
    assert backend_named("wh") is None
    assert url_backend("wh+driver://host/db") is WarehouseBackend
    assert "warehouse" in backend_names()


def test_an_unknown_database_lists_the_served_ones():
    with pytest.raises(ConfigurationError) as caught:
        Database("oracle://app@localhost/db")
    message = str(caught.value)
    assert "uses 'oracle'" in message
    assert "postgresql" in message and "sqlite" in message


def test_a_dialect_without_backend_is_refused():
    with pytest.raises(ConfigurationError, match="not on mssql"):
        registry.dialect_backend(MSDialect())


def test_finding_backends_imports_no_sqlalchemy():
    code = (
        "import sys\n"
        "from dbshift.backends.backend import backend_named, backend_names, url_backend\n"
        "backend_names()\n"
        "assert backend_named('sqlite') and backend_named('postgresql')\n"
        "assert url_backend('postgres://app@host/db')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=process_env(),
        cwd=Path(__file__).parent,
        timeout=60,
        check=True,
    )
    assert completed.stdout.strip() == "[]"
