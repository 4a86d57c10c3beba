"""One kind of database as one object: everything dbshift does differently on it.

A backend is a :class:`Backend` subclass in a module (or package) of
:mod:`dbshift.backends.vendors`; declaring the class registers it under the URL
backend names it lists in :attr:`Backend.names`. Looking a backend up by name
imports those modules, which import no SQLAlchemy: the commands that only read
the recorder (:mod:`dbshift.backends.reading`) find their backend without it, so
the hooks that need SQLAlchemy import it, or the modules that use it, when called.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.backends.features import Features

if TYPE_CHECKING:
    import sqlalchemy as sa

    from dbshift.backends.base import SchemaEditor
    from dbshift.backends.blockers import BlockerWatch
    from dbshift.backends.database import Database
    from dbshift.backends.introspection import ColumnInfo, TableInfo, TableReader
    from dbshift.migrations.limits import StatementLimits

#: How long a migration waits for the lock when no ``--lock-timeout`` is given, in seconds.
DEFAULT_LOCK_WAIT = 3600.0

#: Backend classes by URL backend name, filled as their modules are imported.
_BACKENDS: dict[str, type[Backend]] = {}
#: Backend classes by the other names settings may give them (``postgres``).
_ALIASES: dict[str, type[Backend]] = {}


class LockNotTaken(Exception):
    """The migration lock stayed with another process for the whole wait."""


class RecorderUnreadable(Exception):
    """The bare driver cannot read the recorder; SQLAlchemy will, or will say why."""


class Backend:
    """What dbshift does differently on one kind of database.

    A backend provides, as class attributes:

    - :attr:`names`: the URL backend names it serves (``URL.get_backend_name()``,
      which is also the SQLAlchemy dialect's name), and :attr:`vendor`, its kind;
    - :attr:`editor`: its schema editor class, and :attr:`features`, the flags
      the editor and the executor consult;
    - :attr:`copies`: its class of throwaway test databases;

    and, as methods with a default that suits a plain SQL database:

    - settings: :attr:`aliases`, :attr:`url_has_credentials`, :meth:`normalize_url`,
      :meth:`memory_only`;
    - connecting: :meth:`create_engine`, :meth:`missing_database`,
      :meth:`stand_in_engine`, :meth:`connection_problem`;
    - the application's engines: :meth:`session_options`, :meth:`prepare_app_engine`,
      :meth:`async_url`;
    - the migration lock: :meth:`locked_transaction` (no default),
      :meth:`locked_outside_transaction`;
    - statement limits: :meth:`limit_statements_sql`, :meth:`watching_blockers`;
    - errors: :meth:`is_lock_timeout`, :meth:`is_lock_not_available`,
      :attr:`read_only_markers` and :attr:`read_only_fix`;
    - introspection and drift: :attr:`table_reader`, :attr:`system_tables`,
      :attr:`reports_collations`,
      :attr:`canonical_defaults` and :meth:`canonical_default`,
      :meth:`is_auto_numbered`, :meth:`comparable_type`, :meth:`as_reported`,
      :meth:`check_constraints`;
    - running SQL: :meth:`execute_script`;
    - reading the recorder without SQLAlchemy: :meth:`recorder_connection`,
      :meth:`is_missing_table`.

    A new backend is a module (or package) in :mod:`dbshift.backends.vendors`
    declaring its subclass, the modules of its editor, and its tests. The module
    must stay cheap to import: no SQLAlchemy, no driver at import time.
    """

    #: URL backend names served, as SQLAlchemy spells them (``sqlite``, ``postgresql``).
    names: ClassVar[tuple[str, ...]] = ()
    #: Other names a URL in the settings may use, which :meth:`normalize_url` rewrites.
    aliases: ClassVar[tuple[str, ...]] = ()
    #: The kind of database, as Django's ``connection.vendor`` gives it to migration code.
    vendor: ClassVar[str] = ""
    #: The schema editor class, as ``"module:Class"``, imported on first use.
    editor: ClassVar[str] = ""
    #: What the database can do, as the schema editor and the executor need to know.
    features: ClassVar[Features] = Features()
    #: The class of throwaway test databases, as ``"module:Class"``.
    copies: ClassVar[str] = ""
    #: URLs may carry a password (a SQLite URL is a path, which messages show whole).
    url_has_credentials: ClassVar[bool] = True
    #: The extra of the dbshift package that installs the driver (``dbshift[postgresql]``).
    driver_extra: ClassVar[str] = ""
    #: The extras that install what the application's asyncio engines need (``async``).
    async_extras: ClassVar[str] = "async"
    #: Lowercase words of the database's refusals to write (a standby, a read-only file).
    read_only_markers: ClassVar[tuple[str, ...]] = ()
    #: What the user does about such a refusal.
    read_only_fix: ClassVar[str] = "connect with a role that may write"
    #: Lowercase words of the database's error when a lock wait runs out.
    lock_timeout_markers: ClassVar[tuple[str, ...]] = ()
    #: The class reading its tables for introspection, as ``"module:Class"``.
    table_reader: ClassVar[str] = "dbshift.backends.introspection:TableReader"
    #: Tables the database keeps for itself, which introspection leaves out.
    system_tables: ClassVar[frozenset[str]] = frozenset()
    #: Introspection reports the collation of columns.
    reports_collations: ClassVar[bool] = True
    #: Introspection reports defaults in the database's own words: a constant as the
    #: text of its value, an expression with lowercase names. Expected defaults are
    #: put in those words (:meth:`canonical_default`) before they are compared.
    canonical_defaults: ClassVar[bool] = False
    #: Rows can be streamed (``yield_per``) while other statements run on the same
    #: connection, as a data migration's ``iterator()`` followed by writes does.
    streams_results_between_statements: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.names:
            _BACKENDS[name] = cls
        for name in cls.aliases:
            _ALIASES[name] = cls

    # -- Settings --------------------------------------------------------------------

    def normalize_url(self, url: str, root: Path) -> str:
        """Return a URL from the settings as dbshift connects to it.

        Name the driver dbshift installs when the URL names none, and make paths
        relative to ``root``, the directory of the settings file, absolute. The URL
        is taken as it is by default.
        """
        return url

    def memory_only(self, url: str) -> str | None:
        """Return ``None`` for a database that outlives its connections; for one that
        does not (SQLite's in-memory databases, which ``migrate`` refuses), a note for
        the message on why the URL means that, which may be empty."""
        return None

    # -- The schema editor -------------------------------------------------------------

    def editor_class(self) -> type[SchemaEditor]:
        """Return the schema editor class, importing its module."""
        return load(self.editor)  # type: ignore[no-any-return]

    # -- Connecting --------------------------------------------------------------------

    def create_engine(self, url: sa.URL) -> sa.Engine:
        """Return the engine migrations connect with: no pool, the driver's defaults.

        Override to set the connection up the way migrations need (transactions,
        session settings) with ``connect`` events.
        """
        import sqlalchemy as sa

        return sa.create_engine(url, poolclass=sa.pool.NullPool)

    def missing_database(self, url: sa.URL) -> bool:
        """Return whether connecting to ``url`` would create the database (a SQLite file)."""
        return False

    def stand_in_engine(self) -> sa.Engine:
        """Return an engine on an empty database, standing in for a missing one.

        Only called when :meth:`missing_database` is true, by commands that must not
        create the database: an empty one has applied nothing, like the missing one.
        """
        raise NotImplementedError(f"{type(self).__name__} has no missing databases")

    def connection_problem(self, url: sa.URL, where: str) -> str | None:
        """Return a message saying why connecting to ``url`` fails, when the URL tells.

        ``where`` names the database for the message. ``None`` leaves it to the
        driver's own error.
        """
        return None

    # -- The application's engines ---------------------------------------------------

    def session_options(self, url: sa.URL) -> dict[str, Any]:
        """Return the ``create_engine`` arguments that set up each session on ``url``,
        for the application's engines as for the migrations'; none by default."""
        return {}

    def prepare_app_engine(self, engine: sa.Engine) -> None:
        """Set up an engine of the application's own queries (not a migration engine),
        so that it behaves as the models declare; nothing to do by default."""

    def async_url(self, url: sa.URL) -> sa.URL:
        """Return ``url`` naming the asyncio driver for the application's asyncio engines.

        By default the URL is taken as it is: it must name an asyncio driver itself.
        """
        return url

    # -- The migration lock ------------------------------------------------------------

    @contextlib.contextmanager
    def locked_transaction(
        self, connection: sa.Connection, lock_timeout: float | None
    ) -> Iterator[None]:
        """Run the block in one transaction on ``connection`` that holds the migration lock.

        The lock must not outlive the block, and a process that dies must lose it.
        Raise :class:`LockNotTaken` when another process holds it for longer than
        ``lock_timeout`` seconds (``None``: the default wait); errors of the
        database that :meth:`is_lock_timeout` recognises mean the same.
        """
        raise NotImplementedError(f"{type(self).__name__} has no migration lock")
        yield  # pragma: no cover

    @contextlib.contextmanager
    def locked_outside_transaction(
        self, database: Database, connection: sa.Connection, lock_timeout: float | None
    ) -> Iterator[sa.Connection]:
        """Hold the migration lock and yield a connection outside any transaction.

        For the hand-written SQL of non-atomic migrations. By default the block
        runs inside the locked transaction on ``connection`` itself, which suits a
        database where no statement a migration needs refuses a transaction;
        ``database`` opens more connections where one is needed. Raise
        :class:`LockNotTaken` as :meth:`locked_transaction` does.
        """
        with database.locked_transaction(connection, lock_timeout):
            yield connection

    # -- Statement limits --------------------------------------------------------------

    def limit_statements_sql(self, limits: StatementLimits) -> list[str]:
        """Return the statements that bound lock waits and run times in a transaction.

        None by default: ``--lock-timeout`` then bounds only the migration lock.
        """
        return []

    @contextlib.contextmanager
    def limited_statements(
        self,
        engine: sa.Engine,
        connection: sa.Connection,
        limits: StatementLimits,
        watch: BlockerWatch,
    ) -> Iterator[None]:
        """Apply :meth:`limit_statements_sql` to the transaction open on ``connection``,
        watching who blocks it meanwhile (:meth:`watching_blockers`)."""
        statements = self.limit_statements_sql(limits)
        if not statements:
            yield
            return
        for statement in statements:
            connection.exec_driver_sql(statement)
        with self.watching_blockers(engine, connection, watch):
            yield

    def watching_blockers(
        self, engine: sa.Engine, connection: sa.Connection, watch: BlockerWatch
    ) -> contextlib.AbstractContextManager[object]:
        """Note in ``watch``, from connections of ``engine``, the sessions that block
        ``connection`` while the block runs. Nothing by default: the database cannot tell."""
        return contextlib.nullcontext()

    # -- Errors ------------------------------------------------------------------------

    def is_lock_timeout(self, error: BaseException | None) -> bool:
        """Return whether ``error`` (a driver's) says the migration lock wait ran out."""
        text = str(error).lower()
        return any(marker in text for marker in self.lock_timeout_markers)

    def is_lock_not_available(self, error: BaseException) -> bool:
        """Return whether ``error`` (or one it came from) is a statement's lock wait cut
        short by the statement limits, which the executor may retry."""
        return False

    # -- Reading the recorder without SQLAlchemy ---------------------------------------

    def recorder_connection(self, url: str) -> Any | None:
        """Return a DB-API connection to the database at ``url``, for reading the recorder.

        Commands with nothing to run read the recorder tables through the bare
        driver, without importing SQLAlchemy. Return ``None`` when the database
        does not exist, and so recorded nothing; raise :class:`RecorderUnreadable`
        when the driver cannot tell (no driver, no connection, a URL it does not
        take), as the default does: SQLAlchemy then reads, or says what is wrong.
        """
        raise RecorderUnreadable

    def is_missing_table(self, error: Exception) -> bool:
        """Return whether an error of the bare driver says a recorder table does not exist."""
        return False

    # -- Introspection -----------------------------------------------------------------

    def table_reader_class(self) -> type[TableReader]:
        """Return the class that reads one table for introspection."""
        return load(self.table_reader)  # type: ignore[no-any-return]

    def canonical_default(self, connection: sa.Connection, expression: str) -> str:
        """Return the text of a constant ``expression``'s value, as introspection reports
        a default; only called when :attr:`canonical_defaults` is set."""
        raise NotImplementedError(f"{type(self).__name__} reports defaults as written")

    def is_auto_numbered(self, column: ColumnInfo) -> bool:
        """Return whether the database numbers the new rows of an introspected column."""
        return column.identity

    def check_constraints(self, connection: sa.Connection, table: str) -> list[dict[str, Any]]:
        """Return the check constraints of ``table``, each with its ``name`` and ``sqltext``;
        SQLAlchemy's reflection of them by default."""
        import sqlalchemy as sa

        return [dict(check) for check in sa.inspect(connection).get_check_constraints(table)]

    def as_reported(self, table: TableInfo) -> TableInfo:
        """Return a table made from the migrations' specs as introspection reads it back
        on this database (another spelling of its types, say); unchanged by default."""
        return table

    def comparable_type(self, declared: str) -> str:
        """Return what decides the values a column of type ``declared`` holds, for
        comparing a database's columns with the migrations': the type itself by default."""
        return declared

    # -- Running SQL -------------------------------------------------------------------

    def execute_script(self, connection: sa.Connection, statements: list[str]) -> None:
        """Run SQL statements that take no parameters; by default one per round trip."""
        for statement in statements:
            connection.exec_driver_sql(statement)


def backend_named(name: str) -> type[Backend] | None:
    """Return the backend of URL backend name ``name``, or ``None`` if none serves it."""
    if name not in _BACKENDS:
        _import_vendors()
    return _BACKENDS.get(name)


def url_backend(url: str) -> type[Backend] | None:
    """Return the backend of a URL as the settings give it, aliases included."""
    name = url.partition("://")[0].split("+")[0]
    return backend_named(name) or _ALIASES.get(name)


def dialect_backend(dialect: sa.Dialect) -> Backend:
    """Return the backend of a SQLAlchemy dialect; refuse a database dbshift does not serve."""
    backend_class = backend_named(dialect.name)
    if backend_class is None:
        from dbshift.exceptions import ConfigurationError

        raise ConfigurationError(
            f"dbshift creates tables on {listed(backend_names())}, not on {dialect.name}."
        )
    return backend_class()


def backend_names() -> list[str]:
    """Return every URL backend name served, sorted."""
    _import_vendors()
    return sorted(_BACKENDS)


@functools.cache
def _import_vendors() -> None:
    """Import every module of :mod:`dbshift.backends.vendors`, declaring their backends.

    Once: a name none of them serves is not looked for again.
    """
    from dbshift.backends import vendors

    for module in pkgutil.iter_modules(vendors.__path__, f"{vendors.__name__}."):
        importlib.import_module(module.name)


def listed(names: list[str]) -> str:
    """Return ``names`` as a phrase: "a, b and c"."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def load(path: str) -> Any:
    """Return the object ``"module:name"`` names, importing its module."""
    module_name, _, name = path.partition(":")
    return getattr(importlib.import_module(module_name), name)
