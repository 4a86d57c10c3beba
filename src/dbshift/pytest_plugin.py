"""Fixtures for testing a dbshift project with pytest, and checks of its migrations.

Installed with ``pip install dbshift[pytest]``, which registers this module with
pytest. See docs/testing.md. This module imports nothing of dbshift until a
fixture is used, so that it costs nothing to test runs that do not use it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import sqlalchemy as sa

    from dbshift.backends.copies import DatabaseCopies
    from dbshift.historical.apps import HistoricalApps
    from dbshift.migrations.state import ProjectState
    from dbshift.project import Project

ISOLATIONS = ("transaction", "copy")
#: How ``makemigrations`` names a migration it could not name after its operations.
AUTO_NAME = re.compile(r"^\d{4}_auto_\d{8}_\d{4}$")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "dbshift_settings",
        "dbshift settings file (default: the nearest one above the rootdir's files)",
        default="",
    )
    parser.addini(
        "dbshift_test_database",
        "URL whose server (or, for SQLite, any file) holds the test databases "
        "(default: the project's default database)",
        default="",
    )
    parser.addini(
        "dbshift_checks",
        "migration checks to run as tests: roundtrip, missing_migrations, single_leaf, "
        "named_migrations (or all)",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dbshift_db(isolation='transaction'): how dbshift_db isolates the test: "
        "'transaction' (rolled back afterwards) or 'copy' (a database of its own)",
    )


# -- The project and its template -------------------------------------------------------


def with_database(project: Project, url: str) -> Project:
    """Return ``project`` with its default database replaced by ``url``."""
    from dbshift.conf import DEFAULT_ALIAS
    from dbshift.project import Project

    databases = {**project.settings.databases, DEFAULT_ALIAS: url}
    settings = dataclasses.replace(project.settings, databases=databases)
    return Project(settings, project.apps)


def migrations_key(project: Project) -> str:
    """Return a hash of every migration file of the project (and of dbshift's version)."""
    from dbshift import __version__

    digest = hashlib.sha256(__version__.encode())
    for config in sorted(project.apps.app_configs.values(), key=lambda config: config.label):
        directory = config.migrations_path
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.py")):
            digest.update(str(path.relative_to(project.root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


class TestDatabases:
    """The template of one session (built or found), and the copies made of it."""

    __test__ = False

    def __init__(self, project: Project, copies: DatabaseCopies) -> None:
        self.project = project
        self.copies = copies
        self.key = migrations_key(project)
        #: Whether this session migrated the template (False: it was reused).
        self.built = False

    def ensure_template(self) -> None:
        """Migrate a template unless one exists for these migration files."""
        if self.copies.has_template(self.key):
            return
        from dbshift.api import migrate

        url = self.copies.new_url()
        try:
            migrate(settings=with_database(self.project, url))
        except BaseException:
            self.copies.drop(url)
            raise
        self.copies.promote(url, self.key)
        self.copies.drop_templates(keep=self.key)
        self.built = True


def _project(config: pytest.Config) -> Project:
    from dbshift.api import load_project
    from dbshift.project import Project

    settings = config.getini("dbshift_settings")
    if settings:
        return load_project(config.rootpath / settings)
    return Project.load(start=config.rootpath)


@pytest.fixture(scope="session")
def dbshift_project(pytestconfig: pytest.Config) -> Project:
    """Return the dbshift project under test, as its settings describe it."""
    return _project(pytestconfig)


@pytest.fixture(scope="session")
def dbshift_databases(pytestconfig: pytest.Config, dbshift_project: Project) -> TestDatabases:
    """Return the session's test databases, the template migrated (or reused)."""
    databases = _session_databases(pytestconfig, dbshift_project)
    databases.ensure_template()
    return databases


@pytest.fixture(scope="session")
def _dbshift_shared_url(dbshift_databases: TestDatabases) -> Iterator[str]:
    """Yield one copy of the template that transaction-isolated tests share."""
    url = dbshift_databases.copies.copy(dbshift_databases.key)
    yield url
    dbshift_databases.copies.drop(url)


# -- dbshift_db ---------------------------------------------------------------------------


@dataclasses.dataclass
class TestDatabase:
    """A database migrated to the latest migrations, for one test."""

    __test__ = False

    url: str
    #: An open connection; in a transaction rolled back after the test, unless the
    #: test has a database of its own (``isolation="copy"``).
    connection: sa.Connection
    #: The project with this database as its default one, for ``dbshift.migrate()``...
    project: Project


@pytest.fixture
def dbshift_db(
    request: pytest.FixtureRequest, dbshift_databases: TestDatabases
) -> Iterator[TestDatabase]:
    """Yield the test database, isolated as the test's ``dbshift_db`` marker asks."""
    marker = request.node.get_closest_marker("dbshift_db")
    isolation = marker.kwargs.get("isolation", "transaction") if marker else "transaction"
    if isolation not in ISOLATIONS:
        raise pytest.UsageError(
            f"dbshift_db(isolation={isolation!r}) in {request.node.nodeid}: use one of "
            f"{', '.join(ISOLATIONS)}."
        )
    project = dbshift_databases.project
    if isolation == "transaction":
        url = request.getfixturevalue("_dbshift_shared_url")
        with _connection(url) as connection, connection.begin() as transaction:
            yield TestDatabase(url, connection, with_database(project, url))
            transaction.rollback()
        return
    copies = dbshift_databases.copies
    url = copies.copy(dbshift_databases.key)
    try:
        with _connection(url) as connection:
            yield TestDatabase(url, connection, with_database(project, url))
    finally:
        copies.drop(url)


class _connection:
    """Open a connection of its own engine; close both afterwards."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def __enter__(self) -> sa.Connection:
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc_info: object) -> None:
        self.connection.close()
        self.engine.dispose()


# -- migrator -----------------------------------------------------------------------------


@dataclasses.dataclass
class MigrationState:
    """The database after ``migrator.migrate()``: its state and historical models."""

    #: ``apps.get_model("pages", "Article")`` is the model as the history has it here.
    apps: HistoricalApps
    state: ProjectState
    #: The connection the models use; committed before the next migrate.
    connection: sa.Connection


class Migrator:
    """Migrate an empty database to named migrations, one after the other."""

    def __init__(self, project: Project, url: str) -> None:
        from dbshift.backends.database import Database

        self.project = with_database(project, url)
        self.database = Database(url)
        self._connection: sa.Connection | None = None

    def migrate(self, app_label: str, name: str) -> MigrationState:
        """Migrate ``app_label`` to migration ``name`` (or ``"zero"``) and return the state.

        Rows made through the previous state's models are committed first.
        """
        from dbshift.api import migrate

        self.close()
        migrate(app_label, name, one_by_one=True, settings=self.project)
        return self.state()

    def state(self) -> MigrationState:
        """Return the state of what the database has applied."""
        from dbshift.actions.migrate import MigrationSession
        from dbshift.historical.apps import HistoricalApps

        with MigrationSession(self.project, read_only=True) as session:
            state = session.loader.project_state(list(session.applied))
        self._connection = self.database.engine.connect()
        editor = self.database.schema_editor(self._connection)
        return MigrationState(HistoricalApps(state, editor), state, self._connection)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.commit()
            self._connection.close()
            self._connection = None


@pytest.fixture
def migrator(dbshift_databases: TestDatabases) -> Iterator[Migrator]:
    """Yield a migrator on an empty database of its own, dropped after the test."""
    copies = dbshift_databases.copies
    url = copies.new_url()
    migrator = Migrator(dbshift_databases.project, url)
    try:
        yield migrator
    finally:
        migrator.close()
        migrator.database.dispose()
        copies.drop(url)


# -- Built-in checks ----------------------------------------------------------------------


class MigrationCheckFailed(AssertionError):
    """A built-in check of the migrations found a problem."""


def check_missing_migrations(project: Project, databases: Callable[[], TestDatabases]) -> None:
    """Fail if the models have changes that no migration covers."""
    from dbshift.api import makemigrations

    missing = makemigrations(check=True, settings=project)
    if missing:
        names = ", ".join(f"{item.app_label}.{item.name}" for item in missing)
        raise MigrationCheckFailed(
            f"The models have changes without migrations (would write {names}); run "
            "'dbshift makemigrations'."
        )


def check_single_leaf(project: Project, databases: Callable[[], TestDatabases]) -> None:
    """Fail if an app's history has more than one leaf."""
    conflicts = project.loader().detect_conflicts()
    if conflicts:
        details = "; ".join(f"{label}: {', '.join(names)}" for label, names in conflicts.items())
        raise MigrationCheckFailed(
            f"Apps with more than one leaf migration ({details}); run "
            "'dbshift makemigrations --merge'."
        )


def check_named_migrations(project: Project, databases: Callable[[], TestDatabases]) -> None:
    """Fail if a migration kept the name makemigrations gives when it finds none."""
    named = sorted(
        f"{app}.{name}" for app, name in project.loader().disk_migrations if AUTO_NAME.match(name)
    )
    if named:
        raise MigrationCheckFailed(
            f"Migrations named automatically: {', '.join(named)}; rename them after what "
            "they do (and their dependents' dependencies), or pass --name to makemigrations."
        )


def check_roundtrip(project: Project, databases: Callable[[], TestDatabases]) -> None:
    """Fail unless applying, unapplying and reapplying each migration leaves the same database.

    Each migration is applied in the order of the history, on an empty database;
    the schema and the recorded migrations after the first and the second apply
    must be equal.
    """
    test_databases = databases()
    url = test_databases.copies.new_url()
    try:
        _roundtrip_each(with_database(project, url), url)
    finally:
        test_databases.copies.drop(url)


def _roundtrip_each(project: Project, url: str) -> None:
    from dbshift.api import migrate
    from dbshift.exceptions import DbShiftError

    loader = project.loader()
    for app_label, name in loader.graph.forwards_plan_many(loader.all_leaves()):
        previous = [
            parent[1]
            for parent in loader.graph.parents.get((app_label, name), ())
            if parent[0] == app_label
        ]
        migrate(app_label, name, one_by_one=True, settings=project)
        before = _snapshot(url)
        label = f"Migration {app_label}.{name} does not round-trip"
        try:
            migrate(app_label, previous[0] if previous else "zero", settings=project)
        except DbShiftError as err:
            raise MigrationCheckFailed(f"{label}: unapplying it failed: {err}") from err
        try:
            migrate(app_label, name, one_by_one=True, settings=project)
        except DbShiftError as err:
            raise MigrationCheckFailed(
                f"{label}: applying it again after unapplying it failed: {err}"
            ) from err
        after = _snapshot(url)
        if before != after:
            raise MigrationCheckFailed(
                f"{label}: after applying, unapplying and applying it again the database "
                f"differs: {_difference(before, after)}."
            )


def _snapshot(url: str) -> tuple[Any, list[tuple[str, str]]]:
    import sqlalchemy as sa

    from dbshift.backends.introspection import introspect
    from dbshift.migrations.recorder import PROGRESS_TABLE_NAME, TABLE_NAME

    with _connection(url) as connection:
        schema = introspect(connection, ignore=[TABLE_NAME, PROGRESS_TABLE_NAME])
        rows = connection.execute(
            sa.text(f"SELECT app, name FROM {TABLE_NAME} ORDER BY app, name")
        ).all()
    return schema, [tuple(row) for row in rows]


def _difference(before: tuple[Any, list[Any]], after: tuple[Any, list[Any]]) -> str:
    (schema_before, rows_before), (schema_after, rows_after) = before, after
    if rows_before != rows_after:
        return f"recorded migrations {rows_before} became {rows_after}"
    changed = sorted(
        name
        for name in set(schema_before) | set(schema_after)
        if schema_before.get(name) != schema_after.get(name)
    )
    return f"tables {', '.join(changed)} changed"


CHECKS: dict[str, Callable[[Project, Callable[[], TestDatabases]], None]] = {
    "missing_migrations": check_missing_migrations,
    "single_leaf": check_single_leaf,
    "named_migrations": check_named_migrations,
    "roundtrip": check_roundtrip,
}


class MigrationCheckItem(pytest.Item):
    """One built-in check, run as a test named ``dbshift_check_<check>``."""

    def __init__(self, *, check: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        project = _project(self.config)
        CHECKS[self.check](project, lambda: _session_databases(self.config, project))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, MigrationCheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.config.rootpath, 0, f"dbshift check {self.check}"


def _session_databases(config: pytest.Config, project: Project) -> TestDatabases:
    """Return where the test databases of ``project`` go; the template is not built yet.

    Templates are kept in pytest's cache directory (SQLite) or on the server, named
    after the project's directory, so that the next session finds them.
    """
    from dbshift.backends.copies import database_copies

    url = config.getini("dbshift_test_database") or project.database_url()
    assert config.cache is not None, "dbshift's fixtures need pytest's cache plugin"
    directory = config.cache.mkdir("dbshift")
    return TestDatabases(project, database_copies(url, directory, names_prefix(project.root)))


def names_prefix(root: Path) -> str:
    """Return how the names of the test databases of the project in ``root`` start."""
    return "dbshift_" + hashlib.sha256(str(root).encode()).hexdigest()[:8]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the checks named in ``dbshift_checks`` to the tests."""
    names = config.getini("dbshift_checks")
    if "all" in names:
        names = list(CHECKS)
    unknown = [name for name in names if name not in CHECKS]
    if unknown:
        raise pytest.UsageError(
            f"Unknown dbshift_checks {', '.join(unknown)}; choose from {', '.join(CHECKS)}."
        )
    items.extend(
        MigrationCheckItem.from_parent(session, name=f"dbshift_check_{name}", check=name)
        for name in names
    )
