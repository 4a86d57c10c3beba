"""The throwaway servers of the test suite: a missing server fails loudly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import mariadb


def test_a_missing_mariadb_server_is_an_error_naming_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(mariadb, "SBIN_DIRECTORIES", ())
    with pytest.raises(RuntimeError, match=r"'mariadb-install-db' not found.*mariadb-server"):
        mariadb.MariaDBServer()


def test_a_fresh_mariadb_database_is_empty_utf8mb4_and_dropped_after(
    mariadb_server: str,
) -> None:
    with mariadb.fresh_database(mariadb_server) as url:
        name = sa.make_url(url).database
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        connection = engine.connect()
        tables = connection.exec_driver_sql("SHOW TABLES").all()
        charset = connection.exec_driver_sql("SELECT @@character_set_database").scalar()
        # A session left inside a transaction, its table locked, must not block the drop.
        connection.exec_driver_sql("CREATE TABLE t (a int)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert tables == []
    assert charset == "utf8mb4"
    admin = sa.create_engine(mariadb_server, poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        databases = connection.exec_driver_sql("SHOW DATABASES").scalars().all()
    admin.dispose()
    assert name not in databases
