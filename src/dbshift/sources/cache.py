"""A cache of the model states read from SQLAlchemy sources, beside the history index.

Importing SQLAlchemy models and building their ``Table`` objects is most of what
``makemigrations --check`` spends on such a project. The states read from the
sources are stored in ``__pycache__`` with what they were read from: each app's
source and tables, the dbshift, SQLAlchemy and Python versions, and every module
loading the sources imported or that they import, the project's own by their
content and installed packages' by size and modification time. A change to any
of them reads the sources again. Tables built from anything but Python modules
(a data file, an environment variable) are not followed: delete the cache file.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbshift import __version__
from dbshift.migrations.index import imported_project_modules
from dbshift.migrations.state import ModelState
from dbshift.utils.imports import is_project_module

if TYPE_CHECKING:
    from dbshift.apps import AppConfig, Apps

FORMAT = 1
_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)

#: (path, size, mtime in ns, content digest of a project module or "") of each file.
Files = tuple[tuple[str, int, int, str], ...]
#: The model states of each app, by label.
States = dict[str, list[ModelState]]


def cache_path(cache_dir: Path) -> Path:
    return cache_dir / f"dbshift-sources.{sys.implementation.cache_tag}.pickle"


def read_sources(apps: Apps) -> None:
    """Set the model states of every app that names a SQLAlchemy source.

    They come from the cache when nothing they were read from changed; then neither
    SQLAlchemy nor the sources are imported.
    """
    configs = [config for config in apps.app_configs.values() if config.source]
    key = sources_key(configs)
    states = read_states(apps.cache_dir, key) if apps.cache_dir is not None else None
    if states is None:
        from dbshift.sources import sqlalchemy

        before = set(sys.modules)
        sqlalchemy.read_sources(apps)
        sources = {str(config.source).partition(":")[0] for config in configs}
        loaded = sources | (set(sys.modules) - before)
        states = {config.label: config.source_states for config in configs}
        if apps.cache_dir is not None:
            write_states(apps.cache_dir, key, loaded, states, apps.preloaded)
    for config in configs:
        config.source_states = states[config.label]


def sources_key(configs: Iterable[AppConfig]) -> tuple[Any, ...]:
    """Return what, besides the modules, the states read from ``configs`` depend on."""
    apps = tuple((config.label, config.name, config.source, config.tables) for config in configs)
    return (FORMAT, __version__, installed_version("sqlalchemy"), apps)


def installed_version(package: str) -> str:
    """Return the version of an installed package without importing it."""
    spec = importlib.util.find_spec(package)
    origin = spec.origin if spec is not None else None
    with contextlib.suppress(OSError, TypeError):
        found = _VERSION.search(Path(str(origin)).read_text(encoding="utf-8"))
        if found:
            return f"{found.group(1)} at {origin}"
    return str(getattr(importlib.import_module(package), "__version__", ""))


def read_states(cache_dir: Path, key: tuple[Any, ...]) -> States | None:
    """Return the cached states if they were read under ``key`` from files as they are now."""
    try:
        with cache_path(cache_dir).open("rb") as handle:
            if pickle.load(handle) != key:
                return None
            files: Files = pickle.load(handle)
            if tuple(_file(path, bool(digest)) for path, _, _, digest in files) != files:
                return None
            states: States = pickle.load(handle)
    except Exception:  # a missing or unreadable cache is just a miss
        return None
    return states


def write_states(
    cache_dir: Path,
    key: tuple[Any, ...],
    modules: Iterable[str],
    states: States,
    preloaded: Iterable[str] = (),
) -> None:
    """Store ``states`` with the files of ``modules`` and of the project modules they import.

    Nothing is stored when one of those project modules is among ``preloaded``,
    imported before the apps were: it may hold an older version of its file, which
    the cache would then vouch for. Nor when the cache cannot be written, or the
    states cannot be pickled.
    """
    names = set(modules)
    project = {name for name in names if is_project_module(name)}
    # Only the project's modules are followed: an installed package changes as a whole.
    project |= imported_project_modules(project)
    if not project.isdisjoint(preloaded):
        return
    names |= project
    paths = {
        (file, name in project)
        for name in names
        if (file := getattr(sys.modules.get(name), "__file__", None))
    }
    files = tuple(sorted(_file(path, project) for path, project in paths))
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        payload = pickle.dumps(states, protocol=pickle.HIGHEST_PROTOCOL)
        cache_dir.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".dbshift-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                pickle.dump(key, handle)
                pickle.dump(files, handle)
                handle.write(payload)
            os.replace(temporary, cache_path(cache_dir))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _file(path: str, project: bool) -> tuple[str, int, int, str]:
    """Return the entry of ``path``; a project module's includes a digest of its content.

    The digest sees an edit that keeps the size within one tick of the clock, or
    that a checkout stamps with an older time.
    """
    try:
        stat = os.stat(path)
        digest = hashlib.blake2b(Path(path).read_bytes()).hexdigest() if project else ""
    except OSError:
        return (path, -1, -1, "")
    return (path, stat.st_size, stat.st_mtime_ns, digest)
