"""The floor's capture and replay: the same statements, in the same transactions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.floor import MYSQL_SQL_MODE, record, replay
from dbshift.backends import Database
from dbshift.backends.vendors import mysql


def work(url: str) -> str:
    """Do what a migrate does in small: look for a table, DDL and rows, two transactions."""
    database = Database(url)
    try:
        with database.connect() as connection:
            # On MySQL the dialect asks with a DESCRIBE that fails: an error the replay expects.
            assert not sa.inspect(connection).has_table("pages")
            connection.commit()
            with database.transaction(connection):
                connection.exec_driver_sql(
                    "CREATE TABLE pages (id INTEGER PRIMARY KEY, title TEXT)"
                )
                connection.execute(
                    sa.text("INSERT INTO pages (id, title) VALUES (:id, :title)"),
                    [{"id": 1, "title": "one"}, {"id": 2, "title": "two"}],
                )
            with database.transaction(connection):
                connection.exec_driver_sql("CREATE INDEX pages_title ON pages (title)")
                connection.execute(sa.text("UPDATE pages SET title = :t WHERE id = 2"), {"t": "2"})
    finally:
        database.dispose()
    return "done"


def contents(url: str) -> tuple[list, list]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, title FROM pages ORDER BY id").all()
        return [tuple(row) for row in rows], sa.inspect(engine).get_indexes("pages")
    finally:
        engine.dispose()


def driver_dsn(url: str) -> tuple[str, str]:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "sqlite", parsed.database
    if parsed.get_backend_name() == "mysql":
        return "mariadb", parsed.set(drivername="mysql").render_as_string(False)
    return "postgresql", parsed.set(drivername="postgresql").render_as_string(False)


# The floor replays through sqlite3 and psycopg only.
@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_replay_repeats_the_captured_statements_and_transactions(db_url: str, another_database):
    result, events = record(lambda: work(db_url))
    assert result == "done"
    kinds = [kind for _, kind, _, _ in events]
    assert kinds.count("commit") == 3
    assert kinds[-1] == "close"
    with another_database(db_url) as other:
        replay(events, *driver_dsn(other))
        assert contents(other) == contents(db_url)


def test_recording_stops_with_the_action(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    record(lambda: work(url))
    _, events = record(lambda: None)
    assert events == []


def test_replay_on_mysql_sets_dbshifts_sql_mode():
    assert MYSQL_SQL_MODE == mysql.SQL_MODE
