"""Fixtures shared by the whole suite: projects on disk and real databases."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dbshift.backends.backend import backend_named
from dbshift.migrations.fastpaths import STRICT_VARIABLE
from tests import mariadb, postgres
from tests.helpers import ProjectDir

# Source files in tests change within one second; stale bytecode must never be used.
sys.dont_write_bytecode = True

DATABASES = ("sqlite", "postgresql", "mariadb")
#: How the URL of each kind of database begins.
_URL_PREFIXES = {
    "sqlite": ("sqlite",),
    "postgresql": ("postgresql",),
    "mariadb": ("mysql", "mariadb"),
}

# A fast path that breaks is an error here, not a quiet fallback (commands run in
# this process and those it starts alike); see allow_fast_path_fallback.
os.environ[STRICT_VARIABLE] = "1"


#: Why a test marked ``transactional_ddl`` or ``fast_paths`` does not run where DDL commits
#: by itself (MySQL, MariaDB): there every migration runs an operation at a time.
NEEDS_TRANSACTIONAL_DDL = {
    "transactional_ddl": "a failed migration keeps the operations before the failure done "
    "and recorded here: DDL commits by itself",
    "fast_paths": "migrations run an operation at a time here, without shared transactions "
    "or the fresh build: DDL commits by itself",
}


def rolls_back_ddl(kind: str) -> bool:
    """Tell whether the database of ``kind`` (one of DATABASES) rolls back DDL.

    Where it does not, migrate runs every migration operation by operation and
    takes none of its fast paths (``Features.can_rollback_ddl``).
    """
    backend = backend_named(kind)
    assert backend is not None, kind
    return backend.features.can_rollback_ddl


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip tests that need DDL rolled back on databases that do not roll it back."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("db_url") if callspec is not None else None
        if kind is None or rolls_back_ddl(kind):
            continue
        for marker, reason in NEEDS_TRANSACTIONAL_DDL.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def fast_paths(db_url: str) -> bool:
    """Tell whether migrate takes its fast paths on ``db_url``: batches, the fresh build."""
    return rolls_back_ddl(kind_of(db_url))


@pytest.fixture
def allow_fast_path_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a fast path of migrate break and fall back quietly, as outside the tests."""
    monkeypatch.setenv(STRICT_VARIABLE, "0")


@pytest.fixture(autouse=True)
def _forget_project_imports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Undo what loading a test project does to this process: sys.path and its modules.

    Commands run in-process put the project root on sys.path and import its apps;
    left behind, an app called ``pages`` would shadow the next test's ``pages``.
    """
    path = list(sys.path)
    yield
    sys.path[:] = path
    base = str(tmp_path_factory.getbasetemp())
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None) or next(
            iter(getattr(module, "__path__", ())), None
        )
        if where and str(where).startswith(base):
            del sys.modules[name]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with postgres.running_server() as url:
        yield url


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[str]:
    """Return the URL of a MariaDB server; a missing server fails, it is never skipped."""
    with mariadb.running_server() as url:
        yield url


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """Return the URL of an empty PostgreSQL database, dropped after the test."""
    with postgres.fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
def mariadb_url(mariadb_server: str) -> Iterator[str]:
    """Return the URL of an empty MariaDB database, dropped after the test."""
    with mariadb.fresh_database(mariadb_server) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


def kind_of(url: str) -> str:
    """Return which of DATABASES the database at ``url`` is."""
    return next(kind for kind in DATABASES if url.startswith(_URL_PREFIXES[kind]))


def _empty_database(kind: str, name: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """Yield the URL of an empty database of ``kind`` (one of DATABASES), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{request.getfixturevalue('tmp_path') / f'{name}.sqlite3'}"
    elif kind == "postgresql":
        with postgres.fresh_database(request.getfixturevalue("postgres_server")) as url:
            yield url
    else:
        with mariadb.fresh_database(request.getfixturevalue("mariadb_server")) as url:
            yield url


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Return the URL of an empty database, once for SQLite, PostgreSQL and MariaDB each."""
    yield from _empty_database(request.param, "db", request)


@pytest.fixture
def twin_url(db_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """Return a second empty database of the same kind as ``db_url``."""
    yield from _empty_database(kind_of(db_url), "twin", request)


@pytest.fixture
def another_database(
    request: pytest.FixtureRequest,
) -> Callable[[str], contextlib.AbstractContextManager[str]]:
    """Return a function that makes an empty database of the same kind as a URL, for a block.

    ``with another_database(db_url) as url:`` yields its URL and drops it afterwards.
    """
    numbers = itertools.count()

    def make(url: str) -> contextlib.AbstractContextManager[str]:
        name = f"another{next(numbers)}"
        return contextlib.contextmanager(_empty_database)(kind_of(url), name, request)

    return make


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., ProjectDir]:
    """Return a factory of project directories under the test's temporary directory."""
    counter = iter(range(1000))

    def factory(apps: tuple[str, ...] = ("pages",), database: str | None = None) -> ProjectDir:
        root = tmp_path / f"project{next(counter)}"
        return ProjectDir(root, list(apps), database or f"sqlite:///{root / 'db.sqlite3'}")

    return factory


@pytest.fixture
def project(make_project: Callable[..., ProjectDir]) -> ProjectDir:
    """Return a project with one app, ``pages``, on a SQLite database."""
    return make_project()
