"""MySQL and MariaDB sessions: URLs, session settings, the named lock, the recorder tables."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

import dbshift.sqlalchemy as dsa
from dbshift.backends.database import Database
from dbshift.backends.reading import read_history
from dbshift.backends.runtime import app_async_engine, app_engine, async_url
from dbshift.backends.vendors.mysql import lock_name
from dbshift.conf import normalize_url
from dbshift.exceptions import ConfigurationError, LockTimeoutError
from dbshift.migrations.applied import Progress
from dbshift.migrations.recorder import MigrationRecorder
from tests.helpers import ProjectDir, run_sql
from tests.mariadb import fresh_database
from tests.runtime.conftest import mapped_models

T = TypeVar("T")


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        (
            "mysql://app:secret@db.example:3306/shop",
            "mysql+pymysql://app:secret@db.example:3306/shop",
        ),
        ("mariadb://app@db.example/shop", "mariadb+pymysql://app@db.example/shop"),
        ("mysql+pymysql://app@db.example/shop", "mysql+pymysql://app@db.example/shop"),
        ("mariadb+mysqldb://app@db.example/shop", "mariadb+mysqldb://app@db.example/shop"),
    ],
)
def test_mysql_urls_name_pymysql_unless_they_name_a_driver(url: str, normalized: str) -> None:
    assert normalize_url(url, Path("/")) == normalized


@pytest.mark.parametrize("scheme", ["mysql", "mariadb"])
def test_a_migration_session_is_strict_utf8mb4_and_read_committed(
    mariadb_url: str, scheme: str
) -> None:
    url = sa.make_url(mariadb_url).set(drivername=f"{scheme}+pymysql")
    database = Database(url.render_as_string(hide_password=False))
    with database.connect() as connection:
        mode, charset, isolation = connection.exec_driver_sql(
            "SELECT @@SESSION.sql_mode, @@character_set_connection, @@SESSION.tx_isolation"
        ).one()
        assert connection.dialect.name == scheme
    database.dispose()
    assert set(mode.split(",")) == {
        "STRICT_TRANS_TABLES",
        "ERROR_FOR_DIVISION_BY_ZERO",
        "NO_ENGINE_SUBSTITUTION",
    }
    assert charset == "utf8mb4"
    assert isolation == "READ-COMMITTED"


@pytest.mark.parametrize(
    ("url", "for_asyncio"),
    [
        ("mysql://app@db.example/shop", "mysql+asyncmy://app@db.example/shop"),
        ("mariadb://app@db.example/shop", "mariadb+asyncmy://app@db.example/shop"),
        (
            "mysql+pymysql://app:secret@db.example:3306/shop?charset=utf8mb4",
            "mysql+asyncmy://app:secret@db.example:3306/shop?charset=utf8mb4",
        ),
        ("mariadb+asyncmy://app@db.example/shop", "mariadb+asyncmy://app@db.example/shop"),
    ],
)
def test_asyncio_engines_name_asyncmy_unless_the_url_names_an_asyncio_driver(
    url: str, for_asyncio: str
) -> None:
    database = Database(normalize_url(url, Path("/")))
    assert async_url(database).render_as_string(hide_password=False) == for_asyncio
    database.dispose()


def test_a_missing_asyncio_driver_names_the_extra_that_installs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "asyncmy", None)  # as if it were not installed
    database = Database(normalize_url("mysql://app@db.example/shop", Path("/")))
    with pytest.raises(ConfigurationError, match=r"Install dbshift\[mysql-async\]\.$"):
        app_async_engine(database)
    database.dispose()


SESSION_SETTINGS = "SELECT @@SESSION.sql_mode, @@character_set_connection, @@SESSION.tx_isolation"
STRICT_SESSION = (
    {"STRICT_TRANS_TABLES", "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION"},
    "utf8mb4",
    "READ-COMMITTED",
)


def _as_set_up(row: sa.Row) -> tuple[set[str], str, str]:
    mode, charset, isolation = row
    return set(mode.split(",")), charset, isolation


def on_async_connection(database: Database, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Return what ``work`` returns on a connection of an application's asyncio engine."""

    async def run() -> T:
        engine = app_async_engine(database)
        try:
            async with engine.connect() as connection:
                return await work(connection)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _settings_and_a_long_value(connection: AsyncConnection) -> tuple[sa.Row, Exception]:
    """Return the session's settings, and what inserting 'four' in a varchar(3) raises."""
    settings = (await connection.exec_driver_sql(SESSION_SETTINGS)).one()
    await connection.exec_driver_sql("CREATE TABLE note (text varchar(3) NOT NULL)")
    try:
        await connection.exec_driver_sql("INSERT INTO note VALUES ('four')")
    except sa.exc.DBAPIError as err:
        return settings, err
    stored = (await connection.exec_driver_sql("SELECT text FROM note")).scalar()
    raise AssertionError(f"'four' was stored as {stored!r}")


def test_an_asyncio_session_of_the_application_is_set_up_as_a_migration_session(
    mariadb_url: str,
) -> None:
    database = Database(mariadb_url)
    settings, error = on_async_connection(database, _settings_and_a_long_value)
    database.dispose()
    assert _as_set_up(settings) == STRICT_SESSION
    assert isinstance(error, sa.exc.DataError)
    assert "too long" in str(error)


def test_a_session_of_the_application_is_set_up_as_a_migration_session(mariadb_url: str) -> None:
    database = Database(mariadb_url)
    engine = app_engine(database)
    with engine.connect() as connection:
        settings = connection.exec_driver_sql(SESSION_SETTINGS).one()
    engine.dispose()
    database.dispose()
    assert _as_set_up(settings) == STRICT_SESSION


def test_the_applications_options_win_over_the_session_set_up(mariadb_url: str) -> None:
    database = Database(mariadb_url)
    engine = app_engine(
        database, isolation_level="SERIALIZABLE", connect_args={"connect_timeout": 5}
    )
    with engine.connect() as connection:
        settings = connection.exec_driver_sql(SESSION_SETTINGS).one()
    engine.dispose()
    database.dispose()
    mode, charset, _ = STRICT_SESSION
    assert _as_set_up(settings) == (mode, charset, "SERIALIZABLE")


@contextlib.contextmanager
def server_time_zone(url: str, zone: str) -> Iterator[None]:
    """Start the server's new sessions in ``zone`` during the block, as a server whose
    time zone is not UTC does; sessions opened in the block keep it after."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        server_zone = connection.exec_driver_sql("SELECT @@GLOBAL.time_zone").scalar()
        connection.exec_driver_sql(f"SET GLOBAL time_zone = '{zone}'")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SET GLOBAL time_zone = '{server_zone}'")
    engine.dispose()


#: The session's time zone, and whether its clock (Now() on MySQL) reads UTC.
CLOCK = "SELECT @@SESSION.time_zone, CURRENT_TIMESTAMP(6) = UTC_TIMESTAMP(6)"


async def _clock(connection: AsyncConnection) -> tuple[object, ...]:
    return tuple((await connection.exec_driver_sql(CLOCK)).one())


def test_every_session_dbshift_opens_keeps_utc_whatever_the_servers_time_zone(
    mariadb_url: str,
) -> None:
    # Datetimes are stored as naive UTC (Django's format): a Now() evaluated in
    # another time zone would be read back hours off.
    database = Database(mariadb_url)
    engine = app_engine(database)
    with (
        server_time_zone(mariadb_url, "+05:00"),
        database.connect() as migration,
        engine.connect() as application,
    ):
        clocks = {
            "migration": tuple(migration.exec_driver_sql(CLOCK).one()),
            "application": tuple(application.exec_driver_sql(CLOCK).one()),
            "asyncio": on_async_connection(database, _clock),
        }
    engine.dispose()
    database.dispose()
    assert clocks == dict.fromkeys(clocks, ("+00:00", 1))


STAMPED = "class Stamped(models.Model):\n    at = models.DateTimeField(db_default=Now())\n"


def test_a_now_default_reads_back_as_the_utc_time_on_a_server_in_another_time_zone(
    make_project: Callable[..., ProjectDir], mariadb_url: str
) -> None:
    project = make_project(database=mariadb_url)
    project.models("pages", "from dbshift.models.functions import Now\n\n" + STAMPED)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    with mapped_models(project):
        from pages.models import Stamped

        with server_time_zone(mariadb_url, "-07:00"), Session(dsa.engine()) as session:
            session.add(Stamped())
            session.commit()
            at = session.scalars(sa.select(Stamped)).one().at
    assert abs(datetime.datetime.now(datetime.UTC) - at) < datetime.timedelta(hours=1)


def test_a_value_too_long_for_its_column_is_refused_not_cut(mariadb_url: str) -> None:
    database = Database(mariadb_url)
    with database.connect() as connection, connection.begin():
        connection.exec_driver_sql("CREATE TABLE note (text varchar(3) NOT NULL)")
        with pytest.raises(sa.exc.DataError, match="too long"):
            connection.exec_driver_sql("INSERT INTO note VALUES ('four')")
    database.dispose()


def _lock_holders(url: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        holders = connection.exec_driver_sql(
            "SELECT IS_USED_LOCK(%s) IS NOT NULL", (lock_name(sa.make_url(url).database),)
        ).scalar()
    engine.dispose()
    return int(holders or 0)


def test_the_lock_is_held_for_the_transaction_and_released_after_it(mariadb_url: str) -> None:
    database = Database(mariadb_url)
    with database.connect() as connection:
        with database.locked_transaction(connection):
            held = _lock_holders(mariadb_url)
        after = _lock_holders(mariadb_url)
        with pytest.raises(ZeroDivisionError), database.locked_transaction(connection):
            connection.exec_driver_sql("CREATE TABLE t (a int)")
            1 / 0  # noqa: B018
        after_error = _lock_holders(mariadb_url)
        with database.locked_outside_transaction(connection) as outside:
            held_outside = _lock_holders(mariadb_url)
            assert outside is not connection
        after_outside = _lock_holders(mariadb_url)
    database.dispose()
    assert (held, after, after_error, held_outside, after_outside) == (1, 0, 0, 1, 0)


def test_a_second_migration_waits_for_the_lock_then_gives_up_with_a_clear_error(
    mariadb_url: str,
) -> None:
    first, second = Database(mariadb_url), Database(mariadb_url)
    with first.connect() as holder, second.connect() as waiter:
        with (
            first.locked_transaction(holder),
            pytest.raises(LockTimeoutError) as caught,
            second.locked_transaction(waiter, lock_timeout=0.2),
        ):
            pytest.fail("the lock was taken twice")
        with second.locked_transaction(waiter, lock_timeout=0.2):
            waiter.exec_driver_sql("SELECT 1")
    for database in (first, second):
        database.dispose()
    message = str(caught.value)
    assert "Another dbshift process held the migration lock on mysql+pymysql://" in message
    assert "for more than 0.2 s" in message and "--lock-timeout" in message


def test_databases_on_one_server_have_locks_of_their_own(
    mariadb_url: str, mariadb_server: str
) -> None:
    with fresh_database(mariadb_server) as other_url:
        first, second = Database(mariadb_url), Database(other_url)
        with (
            first.connect() as one,
            second.connect() as two,
            first.locked_transaction(one),
            second.locked_transaction(two, lock_timeout=0.1),
        ):
            both = (_lock_holders(mariadb_url), _lock_holders(other_url))
        first.dispose()
        second.dispose()
    assert both == (1, 1)


def test_a_waiting_migration_takes_the_lock_once_it_is_released(mariadb_url: str) -> None:
    first, second = Database(mariadb_url), Database(mariadb_url)
    taken = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with first.connect() as holder, first.locked_transaction(holder):
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(10)
    with second.connect() as waiter:
        release.set()
        with second.locked_transaction(waiter, lock_timeout=30):
            waiter.exec_driver_sql("SELECT 1")
    thread.join()
    first.dispose()
    second.dispose()


@pytest.mark.parametrize("charset", ["utf8mb4", "latin1"])
def test_the_recorder_tables_hold_utf8mb4_keys_and_refuse_a_second_row(
    mariadb_url: str, charset: str
) -> None:
    # The recorder's tables hold every name whatever the database's character set.
    run_sql(mariadb_url, f"ALTER DATABASE CHARACTER SET {charset}")
    database = Database(mariadb_url)
    app, name = "ü" * 255, "日" * 255  # the longest keys, four bytes a character at most
    with database.connect() as connection, database.locked_transaction(connection):
        recorder = MigrationRecorder(connection)
        recorder.ensure_table()
        recorder.ensure_progress_table()
        recorder.record_applied((app, name), "sum")  # type: ignore[arg-type]
        recorder.record_progress((app, name), Progress("forwards", 2, "sum"))
        with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
            recorder.record_applied((app, name), "sum")  # type: ignore[arg-type]
    with database.connect() as connection:
        keys = connection.exec_driver_sql(
            "SELECT table_name, index_name, GROUP_CONCAT(column_name ORDER BY seq_in_index) "
            "FROM information_schema.statistics WHERE table_schema = DATABASE() "
            "AND non_unique = 0 GROUP BY table_name, index_name"
        ).all()
    database.dispose()
    assert sorted(keys) == [
        ("dbshift_migration_progress", "PRIMARY", "app,name"),
        ("dbshift_migrations", "PRIMARY", "id"),
        ("dbshift_migrations", "dbshift_migrations_app_name_uniq", "app,name"),
    ]
    history = read_history(mariadb_url)
    assert history is not None
    assert list(history.applied) == [(app, name)]
    assert history.interrupted == {(app, name): Progress("forwards", 2, "sum")}


def test_the_bare_driver_reads_a_database_without_recorder_tables(mariadb_url: str) -> None:
    history = read_history(mariadb_url)
    assert history is not None
    assert (history.applied, history.interrupted) == ({}, {})


def test_a_script_runs_statement_by_statement_and_stops_at_the_failing_one(
    mariadb_url: str,
) -> None:
    database = Database(mariadb_url)
    statements = [
        "CREATE TABLE a (id int PRIMARY KEY)",
        "INSERT INTO a VALUES (1)",
        "INSERT INTO a SELECT id FROM a",  # a duplicate key
        "CREATE TABLE b (id int)",
    ]
    with database.connect() as connection:
        with (
            pytest.raises(sa.exc.IntegrityError, match="Duplicate entry"),
            database.transaction(connection),
        ):
            database.execute_script(connection, statements)
        tables = connection.exec_driver_sql("SHOW TABLES").scalars().all()
    database.dispose()
    assert tables == ["a"]


def test_lock_timeout_bounds_the_wait_of_ddl_for_a_busy_table(make_project, mariadb_url):
    """An ALTER queued behind another session's open transaction gives up after
    ``--lock-timeout`` instead of waiting (and blocking the table) for a day."""
    project = make_project(database=mariadb_url)
    project.models(
        "pages", "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
    )
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    project.models(
        "pages",
        "class Article(models.Model):\n    title = models.CharField(max_length=20)\n"
        "    rank = models.IntegerField(default=0)\n",
    )
    assert project.run("makemigrations").code == 0
    engine = sa.create_engine(mariadb_url, poolclass=sa.pool.NullPool)
    with engine.connect() as reader:
        reader.exec_driver_sql("SELECT * FROM pages_article").all()  # holds its metadata lock
        result = project.run_process("migrate", "--lock-timeout", "1", timeout=60)
        reader.rollback()
    engine.dispose()
    assert result.code == 1, result.output
    assert "Lock wait timeout exceeded" in result.stderr
    assert "Traceback" not in result.output
    assert project.run("migrate").code == 0
