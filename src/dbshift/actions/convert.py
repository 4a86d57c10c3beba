"""``dbshift convert-django``: rewrite migration files written for Django to dbshift imports.

The rewrite is mechanical: every name a file takes from Django (an import, or a
dotted path such as ``django.db.models.deletion.CASCADE``) becomes the dbshift
name that stands for it, from the table :data:`EQUIVALENT_MODULES`. A name with
no dbshift equivalent (``django.db.transaction``) stays as it is and is reported
at its line, for a person to rewrite. A converted file names nothing of Django's
that dbshift has, so converting it again changes nothing.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dbshift.exceptions import MigrationFilesNotFoundError

#: Django's modules that migration files import, with the dbshift module that has
#: the same names. Django writes most objects by the module that defines them
#: (``django.db.models.functions.text.Upper``), hence the submodules.
EQUIVALENT_MODULES = {
    "django.db": "dbshift",
    "django.db.migrations": "dbshift.migrations",
    "django.db.models": "dbshift.models",
    "django.db.models.aggregates": "dbshift.models",
    "django.db.models.constraints": "dbshift.models",
    "django.db.models.deletion": "dbshift.models.deletion",
    "django.db.models.enums": "dbshift.models",
    "django.db.models.expressions": "dbshift.models",
    "django.db.models.fields": "dbshift.models",
    "django.db.models.fields.json": "dbshift.models",
    "django.db.models.fields.related": "dbshift.models",
    "django.db.models.functions": "dbshift.models.functions",
    "django.db.models.functions.comparison": "dbshift.models.functions",
    "django.db.models.functions.datetime": "dbshift.models.functions",
    "django.db.models.functions.math": "dbshift.models.functions",
    "django.db.models.functions.text": "dbshift.models.functions",
    "django.db.models.indexes": "dbshift.models",
    "django.db.models.manager": "dbshift.models",
    "django.db.models.query_utils": "dbshift.models",
    "django.conf": "dbshift.conf",
    "django.core.validators": "dbshift.validators",
    "django.contrib.auth.validators": "dbshift.validators",
    "django.utils.timezone": "dbshift.utils.timezone",
}

#: Managers of Django's own apps (``django.contrib.auth.models.UserManager``): a
#: state keeps a manager only as a declaration, so dbshift's plain one stands in.
CONTRIB_MANAGER = re.compile(r"^django\.contrib\.\w+\.models\.\w*Manager$")
PLAIN_MANAGER = "dbshift.models.Manager"


@dataclass(frozen=True)
class Problem:
    """A line that names something of Django's that dbshift has no equivalent for."""

    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class Conversion:
    """One file: its text before and after, what changed and what could not."""

    path: Path
    source: str
    converted: str
    changes: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.converted != self.source


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def convert_paths(
    paths: Iterable[Path], *, write: bool = True, report: Callable[[Conversion], None] | None = None
) -> list[Conversion]:
    """Convert the migration files at ``paths`` (files, migration packages or apps).

    With ``write``, each changed file is written in place; ``report`` is called
    with each file's conversion as it is done.
    """
    conversions = []
    for path in migration_files(paths):
        conversion = convert_source(path.read_text(encoding="utf-8"), path)
        if write and conversion.changed:
            path.write_text(conversion.converted, encoding="utf-8")
        if report is not None:
            report(conversion)
        conversions.append(conversion)
    return conversions


def migration_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the migration files at ``paths``: a file, or those in a directory's migrations."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        packages = [path] if path.name == "migrations" else sorted(path.rglob("migrations"))
        files = [
            file
            for package in packages
            for file in sorted(package.glob("*.py"))
            if not file.name.startswith("__")
        ]
        if not files:
            raise MigrationFilesNotFoundError(
                f"No migration files in {path}: give a migration file, a migrations "
                "directory, or a directory that holds migrations directories."
            )
        yield from files


def convert_source(source: str, path: Path) -> Conversion:
    """Return the conversion of one file's ``source`` (``path`` names it in problems)."""
    conversion = Conversion(path=path, source=source, converted=source)
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        conversion.problems.append(Problem(path, err.lineno or 1, f"cannot parse: {err.msg}"))
        return conversion
    rewriter = _Rewriter(source, path)
    rewriter.visit(tree)
    rewriter.finish(tree)
    conversion.converted = rewriter.apply()
    conversion.changes = rewriter.changes
    conversion.problems = sorted(rewriter.problems, key=lambda problem: problem.line)
    return conversion


def missing_django_names(source: str, path: Path) -> list[Problem]:
    """Return the lines of ``source`` that use Django names dbshift has no equivalent for."""
    return convert_source(source, path).problems


def equivalent(django_path: str) -> str | None:
    """Return the dbshift path of object ``django_path``, or ``None`` when there is none."""
    if CONTRIB_MANAGER.match(django_path):
        return PLAIN_MANAGER
    module, _, rest = django_path, "", ""
    while module:
        target = EQUIVALENT_MODULES.get(module)
        if target is not None:
            if not rest:
                return target
            name, _, attributes = rest.partition(".")
            if not _provides(target, name):
                return None
            return ".".join(part for part in (target, name, attributes) if part)
        module, _, last = module.rpartition(".")
        rest = f"{last}.{rest}" if rest else last
    return None


def _provides(module_name: str, name: str) -> bool:
    module = importlib.import_module(module_name)
    return hasattr(module, name) or _is_module(f"{module_name}.{name}")


def _dotted(node: ast.expr) -> str | None:
    """Return ``a.b.c`` for an attribute chain over a name, else ``None``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _import_module_of(target: str) -> str:
    """Return the module a file must import to reach dotted ``target``."""
    parts = target.split(".")
    for size in range(len(parts), 0, -1):
        candidate = ".".join(parts[:size])
        if _is_module(candidate):
            return candidate
    return parts[0]


class _Rewriter(ast.NodeVisitor):
    """Collect the edits that turn one file's Django names into dbshift's."""

    def __init__(self, source: str, path: Path) -> None:
        self.source = source
        self.path = path
        self.line_starts = [0]
        for line in source.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.edits: list[_Edit] = []
        self.changes: Counter[str] = Counter()
        self.problems: list[Problem] = []
        #: Local names bound to a dbshift module by a converted import, e.g. ``models``.
        self.module_aliases: dict[str, str] = {}
        self.needed_modules: set[str] = set()
        self.unconverted_chains: set[str] = set()
        self.django_imports: list[ast.Import] = []

    # -- Positions -------------------------------------------------------------------

    def offset(self, line: int, column: int) -> int:
        # ast columns count UTF-8 bytes; convert within the line.
        start = self.line_starts[line - 1]
        text = self.source[start : self.line_starts[line]]
        return start + len(text.encode("utf-8")[:column].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def replace(self, node: ast.AST, text: str) -> None:
        start, end = self.span(node)
        self.edits.append(_Edit(start, end, text))
        before = " ".join(self.source[start:end].split())
        self.changes[f"{before} -> {'; '.join(text.splitlines())}"] += 1

    def problem(self, node: ast.AST, reason: str) -> None:
        self.problems.append(Problem(self.path, node.lineno, reason))  # type: ignore[attr-defined]

    # -- Visitors --------------------------------------------------------------------

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if not node.level and module.split(".")[0] == "dbshift":
            self._remember_modules(module, node.names)
        if node.level or module.split(".")[0] != "django":
            return
        converted: dict[str, list[str]] = {}
        kept: list[str] = []
        for alias in node.names:
            target = equivalent(f"{module}.{alias.name}")
            local = alias.asname or alias.name
            if target is None:
                kept.append(alias.name if alias.asname is None else f"{alias.name} as {local}")
                self.problem(node, _no_equivalent(f"{module}.{alias.name}"))
                continue
            target_module, _, name = target.rpartition(".")
            converted.setdefault(target_module, []).append(
                name if name == local else f"{name} as {local}"
            )
            if _is_module(target):
                self.module_aliases[local] = target
        if not converted:
            return
        lines = [f"from {target} import {', '.join(names)}" for target, names in converted.items()]
        if kept:
            lines.append(f"from {module} import {', '.join(kept)}")
        indent = " " * node.col_offset
        self.replace(node, f"\n{indent}".join(lines))

    def _remember_modules(self, module: str, names: list[ast.alias]) -> None:
        for alias in names:
            if _is_module(f"{module}.{alias.name}"):
                self.module_aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def visit_Import(self, node: ast.Import) -> None:
        if any(alias.name.split(".")[0] == "django" for alias in node.names):
            self.django_imports.append(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain = _dotted(node)
        if chain is None:
            self.generic_visit(node)
            return
        head = chain.split(".")[0]
        if head == "django":
            self._convert_chain(node, chain)
        elif head in self.module_aliases:
            self._check_alias_chain(node, chain)

    def _convert_chain(self, node: ast.Attribute, chain: str) -> None:
        target = None
        # The longest prefix that is an object dbshift has; the rest are its attributes.
        parts = chain.split(".")
        for size in range(len(parts), 1, -1):
            found = equivalent(".".join(parts[:size]))
            if found is not None:
                target = ".".join([found, *parts[size:]])
                break
        if target is None:
            self.unconverted_chains.add(chain)
            self.problem(node, _no_equivalent(chain))
            return
        self.replace(node, target)
        self.needed_modules.add(_import_module_of(target.rpartition(".")[0] or target))

    def _check_alias_chain(self, node: ast.Attribute, chain: str) -> None:
        head, _, rest = chain.partition(".")
        name = rest.split(".")[0]
        if not _provides(self.module_aliases[head], name):
            self.problem(node, _no_equivalent(f"{head}.{name}"))

    # -- Imports of whole modules -----------------------------------------------------

    def finish(self, tree: ast.Module) -> None:
        """Rewrite ``import django...`` lines to import the modules converted names need."""
        provided = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name.split(".")[0] == "dbshift"
        }
        missing = sorted(
            module
            for module in self.needed_modules - provided
            # ``import a.b.c`` makes ``a.b`` reachable too.
            if not any(other.startswith(module + ".") for other in self.needed_modules)
        )
        for node in self.django_imports:
            kept = [alias for alias in node.names if self._keeps(alias)]
            lines = [f"import {_alias_text(alias)}" for alias in kept]
            if node.col_offset == 0:
                lines = [f"import {module}" for module in missing] + lines
                missing = []
            self._rewrite_statement(node, lines)
        if missing:
            self._insert_imports(tree, missing)

    def _keeps(self, alias: ast.alias) -> bool:
        if alias.name.split(".")[0] != "django":
            return True
        if alias.asname is not None:
            return True
        return any(
            chain == alias.name or chain.startswith(alias.name + ".")
            for chain in self.unconverted_chains
        )

    def _rewrite_statement(self, node: ast.Import, lines: list[str]) -> None:
        if lines:
            self.replace(node, ("\n" + " " * node.col_offset).join(lines))
            return
        # Drop the statement with its line.
        start = self.line_starts[node.lineno - 1]
        end = self.line_starts[node.end_lineno]  # type: ignore[index]
        self.edits.append(_Edit(start, end, ""))
        self.changes[f"{self.source[start:end].strip()} -> (removed)"] += 1

    def _insert_imports(self, tree: ast.Module, modules: list[str]) -> None:
        imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
        line = imports[-1].end_lineno if imports else 0
        position = self.line_starts[line or 0]
        text = "".join(f"import {module}\n" for module in modules)
        self.edits.append(_Edit(position, position, text))
        for module in modules:
            self.changes[f"(added) import {module}"] += 1

    def apply(self) -> str:
        text = self.source
        for edit in sorted(self.edits, key=lambda edit: (edit.start, edit.end), reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        return text


def _no_equivalent(name: str) -> str:
    return f"{name} has no dbshift equivalent; rewrite the code that uses it by hand"


def _is_module(target: str) -> bool:
    """Return whether dotted ``target`` is a module (``dbshift.models``), not an object."""
    try:
        return importlib.util.find_spec(target) is not None
    except ModuleNotFoundError:
        return False


def _alias_text(alias: ast.alias) -> str:
    return alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
