"""Run the measurements: every command, for every tool, on every history and database.

For one history on one database, the tools take turns run by run (dbshift, Django,
Alembic, dbshift, ...), so that whatever else the machine does falls on all of them
alike and the ratios compare runs made side by side. Each tool has its own database;
it is emptied before each fresh ``migrate``, snapshotted once migrated, and restored
from the snapshot before each ``migrate zero``, outside the timed run.
"""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import process
from bench.databases import SERVER_DATABASES, Database, SQLiteDatabase, fingerprint
from bench.projects import Project, Size, materialize
from bench.tools import COMMANDS, FLOOR_SCRIPT, TOOLS, Command, Floor, Tool


@dataclass
class Measurement:
    """The runs of one command by one tool on one history and database."""

    size: str
    database: str
    command: str
    tool: str
    arguments: list[str]
    runs: list[dict[str, float]] = field(default_factory=list)
    status: str = "ok"  # ok | failed | unavailable | unsupported | skipped
    error: str | None = None

    @property
    def median_seconds(self) -> float | None:
        if self.status != "ok" or not self.runs:
            return None
        return statistics.median(run["seconds"] for run in self.runs)

    @property
    def max_rss_mib(self) -> float | None:
        if self.status != "ok" or not self.runs:
            return None
        return max(run["max_rss_kib"] for run in self.runs) / 1024

    def to_json(self) -> dict:
        data = asdict(self)
        data["median_seconds"] = self.median_seconds
        data["max_rss_mib"] = self.max_rss_mib
        return data


@dataclass
class Options:
    sizes: list[Size]
    databases: list[str]
    tools: list[str]
    commands: list[str]
    repeats: int
    time_limit: float
    seed: int
    floor: bool
    work: Path
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)


def _error_of(run: process.Run, tool: Tool) -> tuple[str, str]:
    """Return (status, message) for a failed run."""
    text = run.stderr.strip() or run.stdout.strip() or f"exit status {run.returncode}"
    last = text.splitlines()[-1]
    if run.returncode == 2 and "invalid choice" in text:
        return "unavailable", last
    if any(pattern in text for pattern in tool.limitations):
        return "unsupported", last
    return "failed", f"exit status {run.returncode}: {last}"


class Session:
    """The measurements of one history on one database."""

    def __init__(
        self, options: Options, project: Project, vendor: str, databases: dict[str, Database]
    ) -> None:
        self.options = options
        self.project = project
        self.vendor = vendor
        self.databases = databases
        self.migrated: set[str] = set()

    def prefix(self) -> str:
        return f"[{self.project.size.name}/{self.vendor}]"

    def measure(self, command: Command, tools: list[Tool]) -> list[Measurement]:
        """Run ``command`` with each tool in turn, ``repeats`` times or until over budget."""
        active: dict[str, Measurement] = {}
        created: list[Measurement] = []
        for tool in tools:
            arguments = tool.arguments(command.key, self.project)
            if arguments is None:
                continue
            measurement = Measurement(
                self.project.size.name, self.vendor, command.key, tool.name, arguments
            )
            created.append(measurement)
            if command.key in tool.needs_migrated and tool.name not in self.migrated:
                measurement.status = "skipped"
                measurement.error = "needs the database its migrate would have built"
                continue
            active[tool.name] = measurement
        by_name = {tool.name: tool for tool in tools}
        for repeat in range(self.options.repeats):
            for name, measurement in list(active.items()):
                tool, database = by_name[name], self.databases[name]
                self._prepare(command, database)
                load = os.getloadavg()[0]  # other work on the machine, for the record
                run = process.run(
                    tool.argv(measurement.arguments), tool.cwd(self.project), tool.env(database)
                )
                if not run.ok:
                    measurement.status, measurement.error = _error_of(run, tool)
                    measurement.runs.clear()
                    del active[name]
                    self.options.log(f"{self.prefix()} {command.title} {name}: {measurement.error}")
                    continue
                measurement.runs.append(
                    {"seconds": run.seconds, "max_rss_kib": run.max_rss_kib, "load": load}
                )
                self.options.log(
                    f"{self.prefix()} {command.title} {name} run {repeat + 1}: "
                    f"{run.seconds:.3f} s, {run.max_rss_kib / 1024:.0f} MiB"
                )
                spent = sum(r["seconds"] for r in measurement.runs)
                if spent >= self.options.time_limit:
                    del active[name]
        return created

    def _prepare(self, command: Command, database: Database) -> None:
        if command.prepare == "reset":
            database.reset()
        elif command.prepare == "restore":
            database.restore()

    def run(self, tools: list[Tool]) -> Iterator[Measurement]:
        """Yield the measurements of every command, each as soon as it is done."""
        for tool in tools:
            arguments = tool.warm_up(self.project)
            if arguments is not None:
                database = self.databases[tool.name]
                process.run(tool.argv(arguments), tool.cwd(self.project), tool.env(database))
        for command in COMMANDS:
            if command.key not in self.options.commands:
                continue
            measured = self.measure(command, tools)
            yield from measured
            if command.key != "migrate":
                continue
            for measurement in measured:
                if measurement.status == "ok":
                    self.databases[measurement.tool].snapshot()
                    self.migrated.add(measurement.tool)
            if self.options.floor and "dbshift" in self.migrated:
                yield self.measure_floor(command)

    def measure_floor(self, command: Command) -> Measurement:
        """Capture dbshift's SQL of a fresh migrate, then time its bare replay."""
        capture = self.options.work / f"{self.project.size.name}-{self.vendor}.floor.pickle"
        database = self.databases["floor"]
        dbshift = TOOLS["dbshift"]()
        database.reset()
        run = process.run(
            [sys.executable, str(FLOOR_SCRIPT), "capture", str(capture), "migrate"],
            dbshift.cwd(self.project),
            dbshift.env(database),
        )
        if not run.ok:
            status, error = _error_of(run, dbshift)
            self.options.log(f"{self.prefix()} floor capture failed: {error}")
            size = self.project.size.name
            return Measurement(size, self.vendor, "migrate", "floor", [], [], status, error)
        (floor,) = self.measure(command, [Floor(capture)])
        if floor.status == "ok" and fingerprint(database.url) != fingerprint(
            self.databases["dbshift"].url
        ):
            # The floor is only worth its name if the replay built what dbshift built.
            floor.status, floor.runs = "failed", []
            floor.error = "the replay built other tables or recorded other migrations"
            self.options.log(f"{self.prefix()} floor: {floor.error}")
        return floor


def _databases(
    vendor: str, names: list[str], size: Size, work: Path, server_urls: dict[str, str]
) -> dict[str, Database]:
    if vendor == "sqlite":
        directory = work / f"{size.name}-sqlite"
        return {name: SQLiteDatabase(directory, name) for name in names}
    database_class = SERVER_DATABASES[vendor]
    return {
        name: database_class(server_urls[vendor], f"bench_{size.name.lower()}_{name}")
        for name in names
    }


def run(options: Options, server_urls: dict[str, str]) -> Iterator[Measurement]:
    """Yield every measurement of the suite, history by history.

    ``server_urls`` gives the server of each database vendor other than SQLite.
    """
    for size in options.sizes:
        project = materialize(size, options.seed)
        names = [name for name in options.tools if name in size.tools]
        tools = [TOOLS[name]() for name in names]
        with_floor = options.floor and "dbshift" in names
        for vendor in options.databases:
            databases = _databases(
                vendor, [*names, "floor"] if with_floor else names, size, options.work, server_urls
            )
            session = Session(options, project, vendor, databases)
            try:
                yield from session.run(tools)
            finally:
                for database in databases.values():
                    database.drop()
