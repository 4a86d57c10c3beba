"""A throwaway PostgreSQL server for the test suite.

The server lives in a temporary directory, listens on a free loopback port, and
is stopped and removed when the session ends. PostgreSQL refuses to run as root,
so under root the server runs as the ``postgres`` user. Set
``DBSHIFT_TEST_POSTGRES_URL`` to use an existing server instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ENV_URL = "DBSHIFT_TEST_POSTGRES_URL"
#: The one role that must sign in with a password over TCP; every other is trusted.
PASSWORD_ROLE = "dbshift_password_user"


def _find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    raise RuntimeError(
        f"PostgreSQL binary {name!r} not found; install PostgreSQL or set {ENV_URL}."
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A private PostgreSQL cluster started with ``initdb`` and ``pg_ctl``."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="dbshift-pg-"))
        self.data = self.directory / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        if self.as_root:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.directory, "postgres")
        self._run(
            _find_binary("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        # Refused passwords are tested with a role that must give one; the suite's own
        # connections stay trusted. pg_hba.conf takes the first line that matches.
        hba = self.data / "pg_hba.conf"
        rule = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(rule + hba.read_text())
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            _find_binary("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_find_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Yield the URL of the maintenance database of a running server."""
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    server = PostgresServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server, yield its URL, and drop it afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
