"""A throwaway MariaDB server for the test suite.

The server lives in a temporary directory, listens on a free loopback port and
its own socket, and is killed and removed when the session ends. Its data is
thrown away, so it runs without the binary log and without flushing to disk.
``mariadbd`` refuses to run as root, so under root the server runs as the
``mysql`` user. Set ``DBSHIFT_TEST_MARIADB_URL`` to use an existing server instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ENV_URL = "DBSHIFT_TEST_MARIADB_URL"
#: How long the server may take to accept connections, in seconds.
START_TIMEOUT = 60.0
#: Where Debian and others install the server, which is not on a user's PATH.
SBIN_DIRECTORIES = ("/usr/sbin", "/usr/libexec", "/usr/local/sbin")
#: Settings for a server whose data may be lost: nothing waits for the disk.
SERVER_OPTIONS = (
    "--skip-log-bin",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    # No fsync of data files, and no file to create and delete per table: the suite
    # creates and drops thousands of tables.
    "--innodb-flush-method=nosync",
    "--innodb-file-per-table=0",
    "--innodb-log-file-size=16M",
    "--innodb-buffer-pool-size=128M",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
    "--skip-name-resolve",
    "--max-connections=200",
)


def _find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for directory in SBIN_DIRECTORIES:
        candidate = Path(directory) / name
        if candidate.is_file():
            return str(candidate)
    raise RuntimeError(
        f"MariaDB binary {name!r} not found; install the mariadb-server package "
        f"(apt-get install mariadb-server) or set {ENV_URL} to a running server's URL."
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MariaDBServer:
    """A private MariaDB server made with ``mariadb-install-db`` and run by ``mariadbd``."""

    def __init__(self) -> None:
        # Looked up first, so that a missing binary fails before anything is made.
        self.install = _find_binary("mariadb-install-db")
        self.server = _find_binary("mariadbd")
        self.directory = Path(tempfile.mkdtemp(prefix="dbshift-mariadb-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.process: subprocess.Popen[bytes] | None = None

    def _as_owner(self) -> dict[str, Any]:
        """Return the Popen arguments that run a command as the server's owner."""
        if not self.as_root:
            return {}
        return {"user": "mysql", "group": "mysql", "extra_groups": []}

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.directory, "mysql", "mysql")
        subprocess.run(
            [
                self.install,
                "--no-defaults",
                f"--datadir={self.data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--innodb-log-file-size=16M",
            ],
            check=True,
            capture_output=True,
            cwd=self.directory,
            **self._as_owner(),
        )
        self.process = subprocess.Popen(
            [
                self.server,
                "--no-defaults",
                f"--datadir={self.data}",
                f"--socket={self.directory / 'mariadb.sock'}",
                f"--pid-file={self.directory / 'mariadb.pid'}",
                f"--log-error={self.log}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                *SERVER_OPTIONS,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.directory,
            **self._as_owner(),
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        import pymysql

        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                pymysql.connect(host="127.0.0.1", port=self.port, user="root").close()
                return
            except pymysql.err.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = self.log.read_text() if self.log.exists() else "(no log)"
                    self.stop()
                    raise RuntimeError(f"MariaDB did not start; its log:\n{log}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            # The data is thrown away: no clean shutdown needed.
            self.process.kill()
            self.process.wait()
            self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/mysql"


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Yield the URL of the ``mysql`` system database of a running server."""
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    server = MariaDBServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server, yield its URL, and drop it afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE `{name}`")
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            _drop(connection, name)
    finally:
        admin.dispose()


def _drop(connection: sa.Connection, name: str) -> None:
    """Drop a database, first ending the sessions still using it (their locks would block)."""
    others = "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()"
    for session in connection.exec_driver_sql(others, (name,)).scalars().all():
        with contextlib.suppress(sa.exc.DBAPIError):  # It may have ended meanwhile.
            connection.exec_driver_sql(f"KILL {int(session)}")
    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
