"""Reading migration files from disk into a graph."""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Iterable
from pathlib import Path

from dbshift.apps import AppConfig, Apps, loading
from dbshift.exceptions import (
    AmbiguityError,
    BadMigrationError,
    DbShiftError,
    InconsistentMigrationHistory,
    MigrationLoadError,
    NodeNotFoundError,
)
from dbshift.migrations.checksum import SCHEME, Checksum, migration_checksum
from dbshift.migrations.graph import Key, MigrationGraph, format_key
from dbshift.migrations.index import (
    HistoryIndex,
    LazyMigration,
    MigrationSummary,
    Signature,
    module_dependencies,
    pickled_state,
    read_index,
    write_index,
)
from dbshift.migrations.migration import Migration
from dbshift.migrations.state import ProjectState
from dbshift.utils.imports import UserCodeError, forget_modules, import_user_module


def migration_names(directory: Path) -> list[str]:
    """Return the names of the migration files in ``directory``, sorted."""
    return sorted(entry.name[:-3] for entry in migration_files(directory))


def migration_files(directory: Path) -> list[os.DirEntry[str]]:
    """Return the directory entries of the migration files in ``directory``."""
    return scan_directory(directory)[0]


def scan_directory(directory: Path) -> tuple[list[os.DirEntry[str]], set[str]]:
    """Return the migration files of ``directory`` and the names of its packages."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return [], set()
    files = [
        entry
        for entry in entries
        if entry.name.endswith(".py")
        and not entry.name.startswith(("_", "~", "."))
        and entry.is_file()
    ]
    packages = {entry.name for entry in entries if entry.is_dir()}
    return files, packages


def check_file_names(
    label: str, directory: Path, names: list[str], subdirectories: set[str]
) -> None:
    """Raise if two migrations of one app could be taken for one another.

    Names that differ only in case are one file on a case-insensitive file system
    (macOS, Windows), and a package beside a module of the same name is imported
    instead of it.
    """
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise BadMigrationError(
                f"Migrations {label}.{other} and {label}.{name} ({directory}) have names "
                "that differ only in case; on a case-insensitive file system (macOS, "
                "Windows) they are one file. Rename one of them, and the dependencies on it."
            )
        if name in subdirectories and (directory / name / "__init__.py").is_file():
            raise BadMigrationError(
                f"{directory / name} is a package with the name of migration "
                f"{label}.{name}, and Python would import it instead of {name}.py. Remove "
                "or rename the package."
            )


class MigrationLoader:
    """Load every app's migrations and build the graph that orders them.

    ``applied`` is what the database has recorded, when known; it decides whether a
    squash stands in for the migrations it replaces.
    """

    def __init__(
        self, apps: Apps, applied: Iterable[Key] | None = None, cache_dir: Path | None = None
    ) -> None:
        self.apps = apps
        self.applied: set[Key] = set(applied or ())
        self.disk_migrations: dict[Key, Migration] = {}
        self.replacements: dict[Key, Migration] = {}
        self.migrated_apps: set[str] = set()
        self.graph = MigrationGraph()
        self.cache_dir = cache_dir
        self.index: HistoryIndex | None = None
        #: Whether the state after every migration was built (so every step works).
        self._history_builds = False
        #: The migration modules imported from their files.
        self.imported_modules: list[str] = []
        files = self.scan()
        self.load_disk(files)
        self.build_graph()
        if cache_dir is not None and self.index is None:
            self._write_index()

    # -- Files ----------------------------------------------------------------------------

    def scan(self) -> dict[Key, tuple[AppConfig, str]]:
        """Return every migration file by key; mark the apps that have migrations.

        Also records the files' sizes and modification times, which the history
        index is keyed on.
        """
        files: dict[Key, tuple[AppConfig, str]] = {}
        signature: list[tuple[str, str, int, int]] = []
        for config in self.apps.app_configs.values():
            directory = config.migrations_path
            if not (directory / "__init__.py").is_file():
                continue
            self.migrated_apps.add(config.label)
            forget_modules(config.migrations_module)
            found, subdirectories = scan_directory(directory)
            entries = sorted(found, key=lambda entry: entry.name)
            names = [entry.name[:-3] for entry in entries]
            check_file_names(config.label, directory, names, subdirectories)
            for entry in entries:
                stat = entry.stat()
                files[(config.label, entry.name[:-3])] = (config, entry.path)
                signature.append((config.label, entry.name[:-3], stat.st_size, stat.st_mtime_ns))
        importlib.invalidate_caches()
        self.signature: Signature = tuple(sorted(signature))
        return files

    def load_disk(self, files: dict[Key, tuple[AppConfig, str]]) -> None:
        """Load every file, from the index when it matches the files, else by import."""
        if self.cache_dir is not None:
            self.index = read_index(self.cache_dir, self.signature)
        for key, (config, path) in files.items():
            load = functools.partial(self._load_file, config, key[1], path)
            if self.index is not None and key in self.index.summaries:
                self.disk_migrations[key] = LazyMigration(  # type: ignore[assignment]
                    self.index.summaries[key], load, self.apps
                )
            else:
                self.disk_migrations[key] = load()

    def _write_index(self) -> None:
        assert self.cache_dir is not None
        summaries = {
            key: MigrationSummary.of(migration) for key, migration in self.disk_migrations.items()
        }
        try:
            state = pickled_state(self.project_state())
        except DbShiftError:
            state = None
        dependencies = module_dependencies(self.imported_modules)
        write_index(self.cache_dir, HistoryIndex(self.signature, summaries, state, dependencies))

    def checksum(self, key: Key, scheme: str = SCHEME) -> Checksum:
        """Return the checksum of migration ``key`` as it is on disk, in ``scheme``."""
        migration = self.disk_migrations[key]
        if isinstance(migration, LazyMigration) and scheme == SCHEME:
            return Checksum.parse(migration.summary.checksum)
        return migration_checksum(migration, scheme)

    def _load_file(self, config: AppConfig, name: str, file: str) -> Migration:
        path = Path(file)
        module_name = f"{config.migrations_module}.{name}"
        try:
            # A migration may import an app's models (a callable default, say); under
            # the registry those models register with their app as they are defined.
            with loading(self.apps):
                module = import_user_module(module_name)
        except UserCodeError as err:
            raise MigrationLoadError(
                f"Cannot import migration {config.label}.{name} ({err.location}): "
                f"{_describe(err.error)}. {_load_hint(err.error, path)}"
            ) from err.error
        migration_class = getattr(module, "Migration", None)
        if not (isinstance(migration_class, type) and issubclass(migration_class, Migration)):
            raise MigrationLoadError(
                f"Migration file {path} has no class Migration(migrations.Migration); "
                "every file in a migrations directory must define one."
            )
        try:
            migration = migration_class(name, config.label)
        except DbShiftError as err:
            raise BadMigrationError(f"{path}: {err}") from err
        migration.source_path = path  # type: ignore[attr-defined]
        self.imported_modules.append(module_name)
        return migration

    # -- Graph ------------------------------------------------------------------------------

    def build_graph(self) -> None:
        graph = self.graph
        for key, migration in self.disk_migrations.items():
            graph.add_node(key, migration)
            if migration.replaces:
                self.replacements[key] = migration
        # Dependencies inside an app first, so that __first__ and __latest__ of other
        # apps resolve against complete chains.
        for key, migration in self.disk_migrations.items():
            for parent in migration.dependencies:
                if parent[0] == key[0] and not parent[1].startswith("__"):
                    graph.add_dependency(key, parent)
        for key, migration in self.disk_migrations.items():
            for parent in migration.dependencies:
                if parent[0] != key[0] or parent[1].startswith("__"):
                    graph.add_dependency(key, self._resolve(parent, key))
            for child in migration.run_before:
                graph.add_dependency(self._resolve(child, key), key)
        self._apply_replacements()
        graph.validate_consistency()
        graph.ensure_not_cyclic()

    def _resolve(self, dependency: Key, origin: Key) -> Key:
        app_label, name = dependency
        if name == "__first__":
            roots = self.graph.root_nodes(app_label) if app_label in self.migrated_apps else []
            return roots[0] if roots else self._missing_app(dependency, origin)
        if name == "__latest__":
            leaves = self.graph.leaf_nodes(app_label) if app_label in self.migrated_apps else []
            return leaves[0] if leaves else self._missing_app(dependency, origin)
        return (app_label, name)

    def _missing_app(self, dependency: Key, origin: Key) -> Key:
        raise NodeNotFoundError(
            f"Migration {format_key(origin)} depends on app '{dependency[0]}' "
            f"({dependency[1]}), which has no migrations. Add the app to 'apps' and run "
            "makemigrations for it."
        )

    def _apply_replacements(self) -> None:
        for key, squash in self.replacements.items():
            statuses = [replaced in self.applied for replaced in squash.replaces]
            if all(statuses):
                self.applied.add(key)
            elif any(statuses):
                self.applied.discard(key)
            if all(statuses) or not any(statuses):
                self.graph.remove_replaced_nodes(key, squash.replaces)
            else:
                self.graph.remove_replacement_node(key, squash.replaces)

    # -- Questions ----------------------------------------------------------------------------

    def leaf_nodes(self, app_label: str) -> list[Key]:
        return self.graph.leaf_nodes(app_label)

    def all_leaves(self) -> list[Key]:
        """Return the leaf migrations of every app, by app label."""
        return [key for label in sorted(self.migrated_apps) for key in self.graph.leaf_nodes(label)]

    def detect_conflicts(self) -> dict[str, list[str]]:
        """Return the apps that have more than one leaf migration, with the leaves."""
        conflicts = {}
        for label in sorted(self.migrated_apps):
            leaves = self.graph.leaf_nodes(label)
            if len(leaves) > 1:
                conflicts[label] = [name for _, name in leaves]
        return conflicts

    def check_consistent_history(self, applied: Iterable[Key]) -> None:
        """Raise when an applied migration depends on one that is not applied."""
        applied = set(applied)
        for key in sorted(applied):
            if key not in self.graph:
                continue
            for parent in sorted(self.graph.parents[key]):
                if parent in applied:
                    continue
                migration = self.graph.nodes[parent]
                if (
                    migration is not None
                    and migration.replaces
                    and all(replaced in applied for replaced in migration.replaces)
                ):
                    continue
                raise InconsistentMigrationHistory(
                    f"Migration {format_key(key)} is applied before its dependency "
                    f"{format_key(parent)}. Apply {format_key(parent)} with --fake if its "
                    "changes are already in the database, or unapply "
                    f"{format_key(key)} first."
                )

    def get_by_prefix(self, app_label: str, prefix: str) -> Migration:
        """Return the migration of ``app_label`` whose name starts with ``prefix``."""
        names = [name for app, name in self.graph.nodes if app == app_label]
        if prefix in names:
            return self.graph.node((app_label, prefix))
        matches = sorted(name for name in names if name.startswith(prefix))
        if len(matches) > 1:
            raise AmbiguityError(
                f"More than one migration of '{app_label}' starts with '{prefix}': "
                f"{', '.join(matches)}. Give more of the name."
            )
        if not matches:
            raise NodeNotFoundError(
                f"App '{app_label}' has no migration named '{prefix}'"
                + (
                    f" (migrations: {', '.join(sorted(names))})."
                    if names
                    else "; it has no migrations."
                )
            )
        return self.graph.node((app_label, matches[0]))

    def project_state(
        self, nodes: Iterable[Key] | None = None, at_end: bool = True
    ) -> ProjectState:
        """Return the state after ``nodes`` (or every migration) and their dependencies.

        With ``at_end=False`` the state is the one just before ``nodes``.
        """
        if nodes is None and self.index is not None:
            cached = self.index.state()
            if cached is not None:
                return cached
        targets = self.all_leaves() if nodes is None else list(nodes)
        plan = self.graph.forwards_plan_many(targets)
        if not at_end:
            excluded = set(targets)
            plan = [key for key in plan if key not in excluded]
        state = ProjectState()
        for key in plan:
            self.graph.node(key).mutate_state(state, preserve=False)
        if nodes is None:
            self._history_builds = True
        return state

    def check_history_builds(self) -> None:
        """Raise :class:`BadMigrationError` unless every migration's state change works.

        Free when the history index holds the final state, or it was built already.
        """
        cached = self.index is not None and self.index.final_state is not None
        if not (cached or self._history_builds):
            self.project_state()


def _load_hint(error: BaseException, path: Path) -> str:
    """Return what to do about ``error``; for a file written for Django, name what it lacks.

    Whether Django is missing or present (and then, say, unconfigured), a file
    that still uses Django's names fails for their sake.
    """
    if isinstance(error, SyntaxError):
        return "Fix the file, or delete it if it was never applied."
    from dbshift.actions.convert import convert_source

    try:
        conversion = convert_source(path.read_text(encoding="utf-8"), path)
    except OSError:
        return "Fix the file, or delete it if it was never applied."
    convert = f"'dbshift convert-django {path}'"
    if conversion.problems:
        names = "; ".join(
            f"line {problem.line}: {problem.reason.split(' ', 1)[0]}"
            for problem in conversion.problems
        )
        rest = f", then run {convert} to convert the rest" if conversion.changed else ""
        return (
            f"It uses names that dbshift has no equivalent for ({names}): rewrite the code "
            f"that uses them by hand{rest}."
        )
    if conversion.changed:
        return f"The file was written for Django; run {convert} to rewrite its imports."
    return "Fix the file, or delete it if it was never applied."


def _describe(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg}"
    return f"{type(error).__name__}: {error}"
