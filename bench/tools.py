"""The measured commands, and how each tool spells them.

Every command runs in a fresh process in the tool's project directory, with the
interpreter running the suite. dbshift runs as ``python -m dbshift`` with ``PYTHONPATH``
pointing at this checkout's ``src``; Django as ``python manage.py``; Alembic as
``python -m alembic``. Alembic has no exact twin for some commands; its nearest
equivalent is used and named in the report.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.databases import Database
from bench.projects import Project
from bench.write_alembic import revision_id

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
FLOOR_SCRIPT = Path(__file__).resolve().parent / "floor.py"


@dataclass(frozen=True)
class Command:
    """One row of the report, and what the database must look like before each run."""

    key: str
    title: str
    prepare: str  # "reset": empty database; "restore": the migrated snapshot; "none"


COMMANDS = (
    Command("plan", "migrate --plan (fresh database)", "reset"),
    Command("migrate", "migrate (fresh database)", "reset"),
    Command("noop", "migrate (nothing to do)", "none"),
    Command("showmigrations", "showmigrations", "none"),
    Command("check", "makemigrations --check", "none"),
    Command("sqlmigrate", "sqlmigrate (last migration)", "none"),
    Command("zero", "migrate app00 zero", "restore"),
)
COMMANDS_BY_KEY = {command.key: command for command in COMMANDS}


def _base_env() -> dict[str, str]:
    hidden = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "BENCH_DATABASE_URL"}
    return {key: value for key, value in os.environ.items() if key not in hidden}


class Tool:
    """A migration tool: its project flavour, its command lines and its environment."""

    name: str = ""
    #: Error messages that mean the tool cannot do this, by design, rather than a failure.
    limitations: tuple[str, ...] = ()
    #: Commands that mean something only once the tool's migrate has succeeded.
    needs_migrated: frozenset[str] = frozenset({"noop", "showmigrations", "zero"})

    def arguments(self, command: str, project: Project) -> list[str] | None:
        """Return the tool's arguments for ``command``, or None if it has no equivalent."""
        raise NotImplementedError

    def warm_up(self, project: Project) -> list[str] | None:
        """Return the arguments of an untimed run that fills the tool's caches, if any."""
        return None

    def argv(self, arguments: list[str]) -> list[str]:
        raise NotImplementedError

    def env(self, database: Database) -> dict[str, str]:
        return {**_base_env(), "BENCH_DATABASE_URL": database.url}

    def cwd(self, project: Project) -> Path:
        return project.path(self.name)


def _django_arguments(command: str, project: Project) -> list[str]:
    app, name = project.last_migration
    return {
        "plan": ["migrate", "--plan"],
        "migrate": ["migrate"],
        "noop": ["migrate"],
        "showmigrations": ["showmigrations"],
        "check": ["makemigrations", "--check"],
        "sqlmigrate": ["sqlmigrate", app, name],
        "zero": ["migrate", project.history.apps[0], "zero"],
    }[command]


class Dbshift(Tool):
    name = "dbshift"

    def arguments(self, command: str, project: Project) -> list[str]:
        return _django_arguments(command, project)

    def warm_up(self, project: Project) -> list[str]:
        # Loading the history writes the loader's index into __pycache__, beside the
        # bytecode that every tool's project has compiled before it is measured.
        return ["makemigrations", "--check"]

    def argv(self, arguments: list[str]) -> list[str]:
        return [sys.executable, "-m", "dbshift", *arguments]

    def env(self, database: Database) -> dict[str, str]:
        return {**_base_env(), "PYTHONPATH": str(SRC), "DATABASE_URL": database.url}


class Django(Tool):
    name = "django"

    def arguments(self, command: str, project: Project) -> list[str]:
        return _django_arguments(command, project)

    def argv(self, arguments: list[str]) -> list[str]:
        return [sys.executable, "manage.py", *arguments]


class Alembic(Tool):
    name = "alembic"
    # Offline (--sql) batch mode cannot reflect the table it must copy on SQLite.
    limitations = ("cannot proceed in --sql mode",)
    # `alembic check` compares the metadata with a database at head.
    needs_migrated = Tool.needs_migrated | {"check"}

    def arguments(self, command: str, project: Project) -> list[str] | None:
        if command == "plan":
            return None  # Alembic plans nothing apart from running or writing SQL
        count = len(project.history.migrations)
        last = revision_id(count)
        previous = revision_id(count - 1) if count > 1 else "base"
        return {
            "migrate": ["upgrade", "head"],
            "noop": ["upgrade", "head"],
            "showmigrations": ["history"],
            "check": ["check"],
            "sqlmigrate": ["upgrade", f"{previous}:{last}", "--sql"],
            "zero": ["downgrade", "base"],
        }[command]

    def argv(self, arguments: list[str]) -> list[str]:
        return [sys.executable, "-m", "alembic", *arguments]


class Floor(Tool):
    """dbshift's captured SQL of a fresh migrate, replayed through the bare driver."""

    name = "floor"

    def __init__(self, capture: Path) -> None:
        self.capture = capture

    def arguments(self, command: str, project: Project) -> list[str] | None:
        return ["replay", str(self.capture)] if command == "migrate" else None

    def argv(self, arguments: list[str]) -> list[str]:
        return [sys.executable, str(FLOOR_SCRIPT), *arguments]

    def env(self, database: Database) -> dict[str, str]:
        return {**_base_env(), "BENCH_VENDOR": database.vendor, "BENCH_DSN": database.driver_dsn}

    def cwd(self, project: Project) -> Path:
        return project.path("dbshift")


TOOLS: dict[str, type[Tool]] = {"dbshift": Dbshift, "django": Django, "alembic": Alembic}
