"""History sizes, and the generated projects on disk (three flavours per history).

Projects live in ``bench/projects/<size>-seed<seed>/{dbshift,django,alembic}`` and are
written again only when the size, the seed or the generator changes. They are compiled
to bytecode once, so that no timed run pays for compiling thousands of files.
"""

from __future__ import annotations

import compileall
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from bench import write_alembic, write_django
from bench.history import GENERATOR_VERSION, History, generate

BENCH_DIR = Path(__file__).resolve().parent
PROJECTS_DIR = BENCH_DIR / "projects"
TOOLS = ("dbshift", "django", "alembic")


@dataclass(frozen=True)
class Size:
    """A history shape: ``apps`` apps of ``per_app`` migrations, for some tools."""

    name: str
    apps: int
    per_app: int
    tools: tuple[str, ...] = TOOLS

    @property
    def migrations(self) -> int:
        return self.apps * self.per_app


SIZES = {
    "S": Size("S", 1, 3),
    "M": Size("M", 10, 20),
    "L": Size("L", 20, 100),
    # Planning-sized history: too slow for Django and Alembic to be worth the wait.
    "XL": Size("XL", 50, 200, tools=("dbshift",)),
}


def parse_size(text: str) -> Size:
    """Return a named size (S, M, L, XL) or an ``APPSxMIGRATIONS`` one such as ``20x25``."""
    if text.upper() in SIZES:
        return SIZES[text.upper()]
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match:
        raise ValueError(f"size {text!r} is neither one of {', '.join(SIZES)} nor APPSxMIGRATIONS")
    return Size(text, int(match[1]), int(match[2]))


@dataclass(frozen=True)
class Project:
    """The three flavours of one generated history."""

    size: Size
    seed: int
    root: Path
    history: History

    def path(self, tool: str) -> Path:
        return self.root / tool

    @property
    def last_migration(self) -> tuple[str, str]:
        """Return (app, name) of the last migration written, the one ``sqlmigrate`` shows."""
        last = self.history.migrations[-1]
        return last.app, last.name


def write_flavor(history: History, tool: str, root: Path) -> None:
    """Write the project of ``tool`` for ``history`` into the empty directory ``root``."""
    root.mkdir(parents=True)
    if tool == "alembic":
        write_alembic.write(history, root)
    else:
        write_django.write(history, root, tool)


def materialize(size: Size, seed: int = 1, directory: Path = PROJECTS_DIR) -> Project:
    """Return the project of ``size``, writing (and compiling) it unless it is up to date.

    Only the flavours of the tools measured on ``size`` are written.
    """
    history = generate(size.apps, size.per_app, seed)
    root = directory / f"{size.name}-seed{seed}"
    stamp = root / "stamp.json"
    wanted = {
        "generator": GENERATOR_VERSION,
        "apps": size.apps,
        "per_app": size.per_app,
        "seed": seed,
        "tools": list(size.tools),
    }
    if not stamp.exists() or json.loads(stamp.read_text()) != wanted:
        shutil.rmtree(root, ignore_errors=True)
        for tool in size.tools:
            write_flavor(history, tool, root / tool)
        compileall.compile_dir(root, quiet=1, workers=0)
        stamp.write_text(json.dumps(wanted))
    return Project(size, seed, root, history)
