"""``makemigrations --check`` on SQLAlchemy models against ``alembic check``, side by side.

Both read the same metadata: ``schema.py`` of a generated history (674 tables at
size L). dbshift reads it as an app's models (``models = "schema:metadata"``) and
compares it with its migrations, without a database; Alembic compares it with a
SQLite database built by ``create_all`` and stamped at head, as ``alembic check``
needs. The first ``makemigrations`` (not timed) writes one initial migration per app.
dbshift caches the states it read from unchanged models (``dbshift-sources`` in
``__pycache__``); the second row times it after each edit of the models, when it
imports them again. Each command runs in a new process, as a user runs it::

    python -m bench.sqlalchemy_check --size L --repeats 5
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.projects import materialize, parse_size

SRC = Path(__file__).resolve().parents[1] / "src"


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Return the seconds ``argv`` takes in ``cwd``; raise if it fails.

    Python writes and reads its bytecode cache, as on a user's machine, even where
    this process runs with ``PYTHONDONTWRITEBYTECODE``.
    """
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, env=_user_env(env))
    return time.perf_counter() - started


def _user_env(env: dict[str, str] | None) -> dict[str, str]:
    import os

    environment = dict(os.environ if env is None else env)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def run_after_edit(argv: list[str], project: Path) -> float:
    """Return the seconds ``argv`` takes after the models get a new time, as an edit gives."""
    (project / "schema.py").touch()
    return run(argv, project, _env())


def dbshift_project(schema: Path, root: Path) -> Path:
    """Write a project whose apps take their models from ``schema.py``; make their 0001.

    The tables are split into one app per generated app (``app00_...``), with
    ``tables = [...]``, as a project of that size would be.
    """
    project = root / "dbshift"
    project.mkdir()
    shutil.copy(schema, project / "schema.py")
    owners: dict[str, list[str]] = {}
    for table in re.findall(r"^    '(\w+)',$", schema.read_text(), re.MULTILINE):
        owners.setdefault(table.partition("_")[0], []).append(table)
    entries = []
    for app, tables in owners.items():
        (project / app / "migrations").mkdir(parents=True)
        (project / app / "__init__.py").write_text("")
        (project / app / "migrations" / "__init__.py").write_text("")
        entries.append(f'  {{ name = "{app}", models = "schema:metadata", tables = {tables!r} }},')
    (project / "pyproject.toml").write_text(
        "[tool.dbshift]\napps = [\n" + "\n".join(entries).replace("'", '"') + "\n]\n"
        'database = "sqlite:///db.sqlite3"\n'
    )
    run([sys.executable, "-m", "dbshift", "makemigrations"], project, _env())
    return project


def alembic_project(source: Path, root: Path) -> Path:
    """Copy the Alembic flavour and give it a database at head built by create_all."""
    project = root / "alembic"
    shutil.copytree(source, project)
    script = (
        "import sqlalchemy as sa; from schema import metadata; "
        "metadata.create_all(sa.create_engine('sqlite:///alembic.sqlite3'))"
    )
    run([sys.executable, "-c", script], project)
    run([sys.executable, "-m", "alembic", "stamp", "head"], project)
    return project


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(SRC)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="L")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    generated = materialize(parse_size(args.size))
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        schema = generated.path("alembic") / "schema.py"
        dbshift = dbshift_project(schema, root)
        alembic = alembic_project(generated.path("alembic"), root)
        check = [sys.executable, "-m", "dbshift", "makemigrations", "--check"]
        timings = {
            "dbshift makemigrations --check": [
                run(check, dbshift, _env()) for _ in range(args.repeats)
            ],
            # The models changed since the last command: read again, not from the cache.
            "  after an edit of the models": [
                run_after_edit(check, dbshift) for _ in range(args.repeats)
            ],
            "alembic check": [
                run([sys.executable, "-m", "alembic", "check"], alembic)
                for _ in range(args.repeats)
            ],
        }
    tables = schema.read_text().count("sa.Table(")
    print(f"size {args.size}: {tables} tables, median of {args.repeats} runs")
    for name, values in timings.items():
        print(f"  {name:32} {statistics.median(values):7.2f} s")
    ratio = statistics.median(timings["dbshift makemigrations --check"]) / statistics.median(
        timings["alembic check"]
    )
    print(f"  ratio dbshift/alembic: {ratio:.2f}x")


if __name__ == "__main__":
    main()
