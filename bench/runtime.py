"""Benchmark the application's start: ``dbshift.sqlalchemy.setup()`` and a first query.

    python -m bench.runtime --size L
    python -m bench.runtime --size M --database-url postgresql://... --repeats 5

On a generated history (``L``: 674 tables), each run is a fresh Python process that
makes the mapped classes and runs one ORM query (``SELECT ... LIMIT 1`` on the first
model), measured from outside like the suite's commands (wall time and peak resident
memory, ``bench/process.py``). Two ways are compared:

- ``dbshift``: ``dsa.setup()`` reads the settings, imports every ``models.py``, builds
  the tables from the field-to-column code of ``migrate`` and maps the model classes,
  with the relationships of every foreign key, both ways;
- ``sqlalchemy``: the same tables declared by hand in SQLAlchemy (the Alembic
  flavour's ``schema.py``), and one mapped class per table with the same
  relationships, as an application that declares its tables a second time would have.

The database is migrated once, before any timed run; the report is printed as Markdown.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import process
from bench.databases import SQLiteDatabase
from bench.projects import Project, Size, materialize, parse_size
from bench.tools import _base_env

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"

#: The dbshift start: set up, then query the first model.
DBSHIFT_START = """
import importlib
import dbshift.sqlalchemy as dsa
from sqlalchemy import select
from sqlalchemy.orm import Session

dsa.setup()
model = getattr(importlib.import_module("{app}.models"), "{model}")
with Session(dsa.engine()) as session:
    session.scalars(select(model).limit(1)).all()
"""

#: The hand-declared start: the tables of schema.py, a class per table, the same query.
SQLALCHEMY_START = """
import os
import sqlalchemy as sa
from sqlalchemy import orm, select

from schema import metadata

registry = orm.registry(metadata=metadata)
classes = {{name: type(name, (), {{}}) for name in metadata.tables}}
properties = {{name: {{}} for name in metadata.tables}}
for table in metadata.tables.values():
    for key in table.foreign_keys:
        target = key.column.table.name
        forward, backward = key.parent.name[:-3], table.name + "_set"
        properties[table.name][forward] = orm.relationship(
            classes[target], foreign_keys=[key.parent], back_populates=backward
        )
        properties[target][backward] = orm.relationship(
            classes[table.name], foreign_keys=[key.parent], back_populates=forward
        )
for name, table in metadata.tables.items():
    registry.map_imperatively(classes[name], table, properties=properties[name])
engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
with orm.Session(engine) as session:
    session.scalars(select(classes["{table}"]).limit(1)).all()
"""


@dataclass(frozen=True)
class Measured:
    way: str
    seconds: float
    max_rss_kib: int


def first_model(project: Project) -> tuple[str, str]:
    """Return the app and name of the first model of the history."""
    app = project.history.apps[0]
    return app, next(iter(project.history.schema[app]))


def migrate(project: Project, url: str) -> None:
    env = {**_base_env(), "PYTHONPATH": str(SRC), "DATABASE_URL": url}
    done = process.run([sys.executable, "-m", "dbshift", "migrate"], project.path("dbshift"), env)
    if not done.ok:
        raise SystemExit(f"migrate failed: {done.stderr}")


def measure(project: Project, url: str, repeats: int) -> list[Measured]:
    """Return the median time and memory of each way, over ``repeats`` runs."""
    app, model = first_model(project)
    ways = {
        "dbshift": (
            DBSHIFT_START.format(app=app, model=model),
            project.path("dbshift"),
            {"PYTHONPATH": str(SRC), "DATABASE_URL": url},
        ),
        "sqlalchemy": (
            SQLALCHEMY_START.format(table=f"{app}_{model.lower()}"),
            project.path("alembic"),
            {"PYTHONPATH": str(project.path("alembic")), "BENCH_DATABASE_URL": url},
        ),
    }
    results = []
    for way, (code, cwd, extra) in ways.items():
        argv = [sys.executable, "-c", code]
        runs = [process.run(argv, cwd, {**_base_env(), **extra}) for _ in range(repeats)]
        failed = [run for run in runs if not run.ok]
        if failed:
            raise SystemExit(f"{way} failed: {failed[0].stderr}")
        results.append(
            Measured(
                way,
                statistics.median(run.seconds for run in runs),
                int(statistics.median(run.max_rss_kib for run in runs)),
            )
        )
    return results


def report(size: Size, results: list[Measured]) -> str:
    """Return the results as a Markdown table, with each way's ratio to SQLAlchemy's."""
    base = next(result for result in results if result.way == "sqlalchemy")
    lines = [
        f"Start of an application on history {size.name} ({size.apps} apps x "
        f"{size.per_app} migrations): set-up plus a first query, median of the runs.",
        "",
        "| way | time (s) | x SQLAlchemy | peak memory (MiB) | x SQLAlchemy |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        lines.append(
            f"| {result.way} | {result.seconds:.3f} | {result.seconds / base.seconds:.2f} | "
            f"{result.max_rss_kib / 1024:.1f} | {result.max_rss_kib / base.max_rss_kib:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="L", type=parse_size)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a database to migrate into (default: SQLite)")
    args = parser.parse_args(argv)
    size = args.size
    project = materialize(size, args.seed)
    with tempfile.TemporaryDirectory() as work:
        url = args.database_url or SQLiteDatabase(Path(work), "runtime").url
        migrate(project, url)
        print(report(size, measure(project, url, args.repeats)))


if __name__ == "__main__":
    main()
