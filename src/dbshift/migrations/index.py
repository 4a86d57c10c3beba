"""A cache of what the migration files declare, so that unchanged histories load fast.

Importing thousands of migration modules is most of what ``showmigrations``, a
``migrate`` with nothing to do and ``makemigrations --check`` would spend. The
index records, per file, its dependencies, ``replaces``, flags and checksum, and
the project state after all of them. It is keyed on the name, size and
modification time (in nanoseconds) of every migration file, like Python's own
bytecode cache, and lives beside it in ``__pycache__``; any change to any file, or
another dbshift or Python version, rebuilds it. So does a change to a module of
the project that a migration file imports, directly or through another such
module (a models module holding a callable default, a helper that RunPython code
calls): the state and the checksums depend on it. Files are still imported the
moment their operations are needed (to run them, or to explain a changed checksum).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbshift import __version__
from dbshift.apps import Apps, loading
from dbshift.migrations.checksum import migration_checksum
from dbshift.migrations.graph import Key
from dbshift.migrations.migration import Migration
from dbshift.migrations.state import ProjectState
from dbshift.utils.imports import is_project_module

FORMAT = 7

#: (app label, file name, size, mtime in ns) of every migration file, sorted.
Signature = tuple[tuple[str, str, int, int], ...]
#: (path, size, mtime in ns) of every project module that migration files import.
Dependencies = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class MigrationSummary:
    """What the graph, the planner and the history check need of one migration."""

    app_label: str
    name: str
    dependencies: tuple[Key, ...]
    run_before: tuple[Key, ...]
    replaces: tuple[Key, ...]
    initial: bool | None
    atomic: bool
    checksum: str
    #: Whether the migration only changes the schema (see :mod:`migrations.fresh`).
    schema_only: bool
    #: Whether it may leave a model without a table (see :func:`fresh.may_unmanage`).
    may_unmanage: bool
    #: The operations, pickled, so that states build without importing the file
    #: (``None`` when something in them cannot be pickled).
    operations: bytes | None = None
    #: What each operation does, in words (``describe()``), for ``migrate --plan``.
    descriptions: tuple[str, ...] = ()

    @classmethod
    def of(cls, migration: Migration) -> MigrationSummary:
        from dbshift.migrations.fresh import may_unmanage, schema_only

        return cls(
            migration.app_label,
            migration.name,
            tuple(migration.dependencies),
            tuple(migration.run_before),
            tuple(migration.replaces),
            migration.initial,
            migration.atomic,
            str(migration_checksum(migration)),
            schema_only(migration),
            may_unmanage(migration),
            _pickled(migration.operations),
            tuple(operation.describe() for operation in migration.operations),
        )


def _pickled(value: Any) -> bytes | None:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a lambda or a local function in a hand-written file
        return None


class LazyMigration:
    """A migration known from the index; it is rebuilt from the index on first real use.

    Its operations come back from their pickled form; only when they could not be
    pickled (or unpickled) is the file itself imported.
    """

    def __init__(
        self,
        summary: MigrationSummary,
        load: Callable[[], Migration],
        apps: Apps | None = None,
    ) -> None:
        self.summary = summary
        self.app_label = summary.app_label
        self.name = summary.name
        self.dependencies = list(summary.dependencies)
        self.run_before = list(summary.run_before)
        self.replaces = list(summary.replaces)
        self.initial = summary.initial
        self.atomic = summary.atomic
        self._load = load
        #: The registry that models imported while unpickling register with.
        self._apps = apps
        self._migration: Migration | None = None

    @property
    def key(self) -> Key:
        return (self.app_label, self.name)

    @property
    def migration(self) -> Migration:
        if self._migration is None:
            self._migration = self._restore() or self._load()
        return self._migration

    def _restore(self) -> Migration | None:
        if self.summary.operations is None:
            return None
        try:
            # Unpickling a RunPython function imports its migration module, which may
            # import models: under the registry, as when the file itself is loaded.
            with loading(self._apps) if self._apps is not None else contextlib.nullcontext():
                operations = pickle.loads(self.summary.operations)
        except Exception:  # a class or function that moved since the index was built
            return None
        return Migration.copy_of(self, operations)  # type: ignore[arg-type]

    def __getattr__(self, attribute: str) -> Any:
        # Only reached for what the summary does not hold: operations, apply, ...
        return getattr(self.migration, attribute)

    def __repr__(self) -> str:
        return f"<Migration {self.app_label}.{self.name}>"

    def __str__(self) -> str:
        return f"{self.app_label}.{self.name}"


@dataclass
class HistoryIndex:
    """The cached summaries of one project's migrations and the state they build."""

    signature: Signature
    summaries: dict[Key, MigrationSummary]
    final_state: bytes | None
    dependencies: Dependencies = ()

    def state(self) -> ProjectState | None:
        """Return a fresh copy of the state after every migration, if it was cached."""
        return pickle.loads(self.final_state) if self.final_state is not None else None


def index_path(cache_dir: Path) -> Path:
    return cache_dir / f"dbshift-migrations.{sys.implementation.cache_tag}.pickle"


def read_index(cache_dir: Path, signature: Signature) -> HistoryIndex | None:
    """Return the index in ``cache_dir`` if it was built from exactly these files."""
    try:
        with index_path(cache_dir).open("rb") as handle:
            header = pickle.load(handle)
            if header != (FORMAT, __version__, signature):
                return None
            dependencies = pickle.load(handle)
            if _stats(path for path, _size, _mtime in dependencies) != dependencies:
                return None
            summaries, final_state = pickle.load(handle)
    except Exception:  # a missing or unreadable cache is just a miss
        return None
    return HistoryIndex(signature, summaries, final_state, dependencies)


def write_index(cache_dir: Path, index: HistoryIndex) -> None:
    """Store ``index`` atomically; a cache that cannot be written is simply skipped."""
    import tempfile

    with contextlib.suppress(OSError):
        cache_dir.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".dbshift-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                pickle.dump((FORMAT, __version__, index.signature), handle)
                pickle.dump(index.dependencies, handle)
                pickle.dump((index.summaries, index.final_state), handle)
            os.replace(temporary, index_path(cache_dir))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def pickled_state(state: ProjectState) -> bytes | None:
    """Return ``state`` pickled, or ``None`` if something in it cannot be pickled."""
    try:
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # e.g. a lambda default in a hand-written file
        return None


def module_dependencies(module_names: Iterable[str]) -> Dependencies:
    """Return the files of the project modules that ``module_names`` import, transitively."""
    files = {sys.modules[name].__file__ for name in imported_project_modules(module_names)}
    return _stats(sorted(filter(None, files)))


def imported_project_modules(module_names: Iterable[str]) -> set[str]:
    """Return the project modules that ``module_names`` import, transitively, by their source."""
    pending = list(module_names)
    seen = set(pending)
    found = set()
    while pending:
        for name in _imported_names(pending.pop()):
            if name not in seen and is_project_module(name):
                seen.add(name)
                pending.append(name)
                found.add(name)
    return found


def _imported_names(module_name: str) -> set[str]:
    """Return the modules (and their parent packages) that ``module_name`` imports."""
    module = sys.modules.get(module_name)
    try:
        source = Path(module.__file__).read_text(encoding="utf-8")  # type: ignore[union-attr, arg-type]
    except (AttributeError, TypeError, OSError, UnicodeDecodeError):
        return set()
    if source.count("import") < 2:  # only the "from dbshift import ..." of every file
        return set()
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            package = module_name if hasattr(module, "__path__") else module_name.rpartition(".")[0]
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {parent for name in names for parent in _with_parents(name) if parent in sys.modules}


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:count]) for count in range(1, len(parts) + 1)]


def _stats(paths: Iterable[str]) -> Dependencies:
    stats = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            stats.append((path, -1, -1))
        else:
            stats.append((path, stat.st_size, stat.st_mtime_ns))
    return tuple(stats)
