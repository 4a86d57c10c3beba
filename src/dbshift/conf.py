"""Finding and reading a project's settings.

Settings live in a ``[tool.dbshift]`` table of the nearest ``pyproject.toml`` or in a
``dbshift.toml`` (whose keys may sit at the top level), found by walking up from the
working directory the way ruff and pytest find theirs::

    [tool.dbshift]
    apps = ["pages", { name = "shop.orders", label = "orders" }]
    # An app whose models are SQLAlchemy tables (see docs/sqlalchemy.md):
    #   { name = "shop", models = "shop.db:Base", tables = ["product", "order"] }
    database = "sqlite:///db.sqlite3"
    default_auto_field = "dbshift.models.AutoField"   # BigAutoField when not set

    [tool.dbshift.databases]          # instead of `database`, to name several
    default = "postgresql://app@localhost/app"
    reporting = "sqlite:///reports.sqlite3"

    [tool.dbshift.swappable_models]   # settings.AUTH_USER_MODEL in migration files
    AUTH_USER_MODEL = "accounts.User" # default: "auth.User"

``DATABASE_URL`` in the environment replaces the default database. A relative SQLite
path is relative to the directory holding the settings file.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbshift.backends.backend import url_backend
from dbshift.exceptions import ConfigurationError, UnknownSettingError

DEFAULT_ALIAS = "default"
SETTINGS_FILE_NAMES = ("dbshift.toml", "pyproject.toml")
#: Every key an app's entry in ``apps`` may hold.
APP_KEYS = ("default_auto_field", "label", "models", "name", "tables")
#: Every key the settings table may hold.
SETTINGS_KEYS = (
    "apps",
    "database",
    "databases",
    "default_auto_field",
    "lock_retries",
    "lock_timeout",
    "safe_postgres",
    "statement_timeout",
    "swappable_models",
)
DEFAULT_AUTO_FIELD = "dbshift.models.BigAutoField"


@dataclass(frozen=True)
class AppSpec:
    """One entry of ``apps``: an importable package and the label it is known by."""

    name: str
    label: str | None = None
    #: The field class of automatic ids in this app, when it differs from the project's.
    default_auto_field: str | None = None
    #: ``module:attribute`` of a SQLAlchemy declarative base or ``MetaData`` that
    #: declares the app's tables, instead of a models module.
    models: str | None = None
    #: The tables of that source the app owns; None for all that no other app lists.
    tables: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Settings:
    """The settings of one project, with the file they came from."""

    path: Path
    apps: tuple[AppSpec, ...]
    databases: Mapping[str, str] = field(default_factory=dict)
    #: The setting each database URL came from, by alias, for messages.
    sources: Mapping[str, str] = field(default_factory=dict)
    #: Model labels by setting name (``AUTH_USER_MODEL``), which migration files
    #: read as ``settings.AUTH_USER_MODEL``.
    swappable_models: Mapping[str, str] = field(default_factory=dict)
    #: The field class (an import path) of the automatic ids of models and of
    #: automatic many-to-many tables, as Django's ``DEFAULT_AUTO_FIELD``.
    default_auto_field: str = DEFAULT_AUTO_FIELD
    #: ``lock_timeout``, ``statement_timeout`` (seconds) and ``lock_retries``: the
    #: limits of each migration's statements on PostgreSQL (``migrations.limits``).
    lock_timeout: float | None = None
    statement_timeout: float | None = None
    lock_retries: int = 3
    #: ``makemigrations`` writes the forms that do not block a busy PostgreSQL table
    #: (``migrations.safeforms``).
    safe_postgres: bool = False

    @property
    def root(self) -> Path:
        """Return the directory that holds the settings file; apps import from it."""
        return self.path.parent

    def database_url(self, alias: str = DEFAULT_ALIAS) -> str:
        """Return the URL of database ``alias``, with SQLite paths made absolute."""
        try:
            url = self.databases[alias]
        except KeyError:
            known = ", ".join(sorted(self.databases)) or "none"
            raise ConfigurationError(
                f"No database named '{alias}' in {self.path} (configured: {known}). "
                "Add it under [tool.dbshift.databases]."
            ) from None
        return normalize_url(url, self.root)

    def persistent_database_url(self, alias: str = DEFAULT_ALIAS) -> str:
        """Return the URL of database ``alias`` for a command that opens it.

        An in-memory SQLite database lives as long as one connection: ``migrate``
        would report every migration applied and keep none, so it is refused.
        """
        url = self.database_url(alias)
        note = _memory_only(url)
        if note is None:
            return url
        setting = self.sources.get(alias, f"'databases.{alias}' in {self.path}")
        raw = self.databases[alias]
        raise ConfigurationError(
            f"Database '{alias}' is an in-memory SQLite database ({setting} is {raw!r}"
            f"{note}), which is gone when dbshift exits, so nothing would be kept. Set "
            f"{setting} to a file, such as 'sqlite:///db.sqlite3'."
        )


def find_settings_file(start: Path | None = None) -> Path:
    """Return the nearest settings file at or above ``start``."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in SETTINGS_FILE_NAMES:
            candidate = directory / name
            if candidate.is_file() and _holds_dbshift_settings(candidate):
                return candidate
    raise ConfigurationError(
        f"No dbshift settings found in {here} or any parent directory. Add a "
        "[tool.dbshift] table to pyproject.toml (or create one with "
        "'dbshift startproject NAME')."
    )


def load_settings(
    path: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read settings from ``path``, or from the nearest settings file."""
    path = (path or find_settings_file()).resolve()
    environ = os.environ if environ is None else environ
    table = _read_table(path)
    _check_keys(table, path)
    entries = table.get("apps", [])
    if not isinstance(entries, list):
        raise ConfigurationError(
            f"'apps' in {path} must be a list of import paths, such as apps = [\"pages\"]; "
            f"it is {entries!r}."
        )
    apps = tuple(_parse_app(entry, path) for entry in entries)
    _check_unique_labels(apps, path)
    databases, sources = _parse_databases(table, path)
    if environ.get("DATABASE_URL"):
        databases[DEFAULT_ALIAS] = environ["DATABASE_URL"]
        sources[DEFAULT_ALIAS] = "DATABASE_URL"
    auto_field = _auto_field_setting(table.get("default_auto_field"), "default_auto_field", path)
    loaded = Settings(
        path=path,
        apps=apps,
        databases=databases,
        sources=sources,
        swappable_models=_parse_swappable_models(table, path),
        default_auto_field=auto_field or DEFAULT_AUTO_FIELD,
        lock_timeout=_seconds(table, "lock_timeout", path),
        statement_timeout=_seconds(table, "statement_timeout", path),
        lock_retries=_count(table, "lock_retries", path, default=3),
        safe_postgres=_flag(table, "safe_postgres", path),
    )
    settings.use(loaded)
    return loaded


#: Swappable models every project has, and the model each stands for unless set.
DEFAULT_SWAPPABLE_MODELS = {"AUTH_USER_MODEL": "auth.User"}


class ProjectSettings:
    """``from dbshift.conf import settings``: the settings of the loaded project.

    Django migration files read ``settings.AUTH_USER_MODEL`` to name the user
    model; the values come from ``swappable_models`` in ``[tool.dbshift]``,
    defaulting to :data:`DEFAULT_SWAPPABLE_MODELS`.
    """

    def __init__(self) -> None:
        self._current: Settings | None = None

    def use(self, loaded: Settings) -> None:
        """Answer from ``loaded`` from now on (the last project loaded)."""
        self._current = loaded

    def __getattr__(self, name: str) -> str:
        current = self.__dict__.get("_current")
        models = {**DEFAULT_SWAPPABLE_MODELS, **(current.swappable_models if current else {})}
        if name in models:
            return models[name]
        where = f" in {current.path}" if current else ""
        raise UnknownSettingError(
            f"Setting {name!r} is not defined{where}; dbshift settings offer swappable "
            f"models only ({', '.join(sorted(models))}). Add it to [tool.dbshift."
            f'swappable_models], such as {name} = "app.Model".'
        )


settings = ProjectSettings()


def _auto_field_setting(value: Any, where: str, path: Path) -> str | None:
    """Return a ``default_auto_field`` value, checked to be an import path."""
    if value is None:
        return None
    if not (isinstance(value, str) and re.fullmatch(r"\w+(\.\w+)+", value)):
        raise ConfigurationError(
            f"'{where}' in {path} must name a field class by its import path, such as "
            f'"dbshift.models.AutoField"; it is {value!r}.'
        )
    return value


def _seconds(table: dict[str, Any], key: str, path: Path) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigurationError(
            f"'{key}' in {path} must be a number of seconds above 0, such as {key} = 2; "
            f"it is {value!r}."
        )
    return float(value)


def _flag(table: dict[str, Any], key: str, path: Path) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigurationError(f"'{key}' in {path} must be true or false; it is {value!r}.")
    return value


def _count(table: dict[str, Any], key: str, path: Path, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(
            f"'{key}' in {path} must be a whole number, 0 or more; it is {value!r}."
        )
    return value


#: ``user:password@`` at the start of a URL's body, the password up to the last ``@``.
_CREDENTIALS = re.compile(r"^(?P<user>[^:/@\s]*):\S*@")


def mask_password(url: str) -> str:
    """Return ``url`` (even a malformed one) with its password replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    backend = url_backend(url) if sep else None
    if backend is not None and not backend.url_has_credentials:
        return url  # a file path, which has no credentials
    masked = _CREDENTIALS.sub(lambda match: f"{match['user']}:***@", rest if sep else url)
    return f"{scheme}{sep}{masked}" if sep else masked


def normalize_url(url: str, root: Path) -> str:
    """Return ``url`` as dbshift connects to it: its driver named, its paths absolute.

    ``postgres://`` and ``postgresql://`` both mean psycopg 3, the driver dbshift
    installs with its ``postgresql`` extra; a SQLite path is relative to ``root``.
    """
    if "://" not in url:
        raise ConfigurationError(
            f"Database URL {mask_password(url)!r} has no scheme; write it like "
            "'sqlite:///db.sqlite3' or 'postgresql://user@host/name'."
        )
    backend = url_backend(url)
    return url if backend is None else backend().normalize_url(url, root)


def _memory_only(url: str) -> str | None:
    backend = url_backend(url)
    return None if backend is None else backend().memory_only(url)


def _holds_dbshift_settings(path: Path) -> bool:
    if path.name == "dbshift.toml":
        return True
    try:
        with path.open("rb") as fh:
            return "dbshift" in tomllib.load(fh).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False


def _read_table(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            document = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigurationError(f"{path} is not valid TOML: {err}.") from err
    except OSError as err:
        raise ConfigurationError(f"Cannot read settings file {path}: {err.strerror}.") from err
    table = document.get("tool", {}).get("dbshift")
    if table is None and path.name == "dbshift.toml":
        table = document
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path} has no [tool.dbshift] table.")
    return table


def _check_keys(
    table: dict[str, Any], path: Path, known: tuple[str, ...] = SETTINGS_KEYS, where: str = ""
) -> None:
    """Refuse a key dbshift does not know: a typo would silently use a default instead."""
    for key in table:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        suggestion = f"did you mean '{close[0]}'? " if close else ""
        raise ConfigurationError(
            f"Unknown setting '{key}'{where} in {path}; {suggestion}dbshift reads "
            f"{', '.join(repr(name) for name in known)}."
        )


def _parse_app(entry: Any, path: Path) -> AppSpec:
    if isinstance(entry, str) and entry:
        return AppSpec(name=entry)
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        _check_keys(entry, path, APP_KEYS, f" of app {entry['name']!r}")
        label = entry.get("label")
        if label is not None and not (isinstance(label, str) and label.isidentifier()):
            raise ConfigurationError(
                f"App {entry['name']!r} in {path} has label {label!r}; a label must "
                "be a Python identifier."
            )
        where = f"default_auto_field of app {entry['name']!r}"
        auto_field = _auto_field_setting(entry.get("default_auto_field"), where, path)
        return AppSpec(
            name=entry["name"],
            label=label,
            default_auto_field=auto_field,
            **_model_source(entry, path),
        )
    raise ConfigurationError(
        f"Entry {entry!r} of 'apps' in {path} is not an app; write an import path "
        'such as "pages" or a table such as { name = "shop.pages", label = "pages" }.'
    )


def _model_source(entry: dict[str, Any], path: Path) -> dict[str, Any]:
    """Return the ``models`` and ``tables`` keys of an app entry, checked."""
    source, tables = entry.get("models"), entry.get("tables")
    where = f"App {entry['name']!r} in {path}"
    if source is not None and not (isinstance(source, str) and ":" in source):
        raise ConfigurationError(
            f"{where} has models = {source!r}; write 'module:attribute', such as "
            '"shop.db:Base" (a declarative base or a MetaData).'
        )
    if tables is not None:
        if source is None:
            raise ConfigurationError(
                f"{where} lists 'tables' but names no SQLAlchemy source; add "
                'models = "module:Base" or remove tables.'
            )
        if not (isinstance(tables, list) and all(isinstance(t, str) and t for t in tables)):
            raise ConfigurationError(f"{where}: 'tables' must be a list of table names.")
        tables = tuple(tables)
    return {"models": source, "tables": tables}


def _check_unique_labels(apps: tuple[AppSpec, ...], path: Path) -> None:
    seen: set[str] = set()
    for app in apps:
        if app.name in seen:
            raise ConfigurationError(f"App {app.name!r} is listed twice in 'apps' of {path}.")
        seen.add(app.name)


def _parse_swappable_models(table: dict[str, Any], path: Path) -> dict[str, str]:
    models = table.get("swappable_models", {})
    if not isinstance(models, dict) or not all(
        isinstance(value, str) and value.count(".") == 1 for value in models.values()
    ):
        raise ConfigurationError(
            f"'swappable_models' in {path} must be a table of setting = \"app_label.Model\", "
            f'such as AUTH_USER_MODEL = "accounts.User"; it is {models!r}.'
        )
    return dict(models)


def _parse_databases(table: dict[str, Any], path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Return the URLs by alias, and the setting each came from."""
    databases: dict[str, str] = {}
    sources: dict[str, str] = {}
    if "database" in table:
        databases[DEFAULT_ALIAS] = table["database"]
        sources[DEFAULT_ALIAS] = f"'database' in {path}"
    named = table.get("databases", {})
    if not isinstance(named, dict):
        raise ConfigurationError(f"'databases' in {path} must be a table of alias = URL.")
    databases.update(named)
    sources.update({alias: f"'databases.{alias}' in {path}" for alias in named})
    for alias, url in databases.items():
        if not isinstance(url, str) or not url:
            raise ConfigurationError(
                f"Database '{alias}' in {path} must be a URL string, not {url!r}."
            )
    return databases, sources
