"""Benchmark a large data migration: load rows, then backfill a column in batches.

    python -m bench.backfill --rows 1000000 --database sqlite
    python -m bench.backfill --rows 1000000 --database postgresql

A throwaway project gets three migrations: ``0001`` creates ``Article(title,
content, slug NULL)``, ``0002`` loads ``--rows`` articles with ``bulk_create`` from
a generator, and ``0003`` fills every slug from its title, reading the rows with
``iterator()`` and writing them with ``bulk_update()`` in batches. Each of the two
data migrations runs as ``python -m dbshift migrate`` in a process of its own, from
this checkout's ``src``, and is measured from outside: wall time, rows per second,
and the process's peak resident memory (``wait4``'s ``ru_maxrss``). PostgreSQL is a
throwaway server started like the test suite's (``tests/postgres.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"

MIGRATIONS = {
    "0001_initial": """
        from dbshift import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(
                    name="Article",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                        ("title", models.CharField(max_length=200)),
                        ("content", models.TextField()),
                        ("slug", models.SlugField(max_length=220, null=True)),
                    ],
                ),
            ]
        """,
    "0002_load": """
        import os

        from dbshift import migrations

        WORDS = ["data", "migration", "backfill", "schema", "sqlite", "postgres", "batch"]


        def load(apps, schema_editor):
            Article = apps.get_model("pages", "Article")
            rows = int(os.environ["BENCH_ROWS"])
            batch_size = int(os.environ["BENCH_BATCH_SIZE"])
            articles = (
                Article(
                    title=f"Article {number}: {WORDS[number % 7]} and {WORDS[number % 5]}",
                    content="Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 2,
                )
                for number in range(rows)
            )
            Article.objects.bulk_create(articles, batch_size=batch_size)


        class Migration(migrations.Migration):
            dependencies = [("pages", "0001_initial")]
            operations = [migrations.RunPython(load, migrations.RunPython.noop)]
        """,
    "0003_backfill": """
        import os
        import re

        from dbshift import migrations


        def slugify(text):
            return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


        def backfill(apps, schema_editor):
            Article = apps.get_model("pages", "Article")
            batch_size = int(os.environ["BENCH_BATCH_SIZE"])
            chunk_size = int(os.environ["BENCH_CHUNK_SIZE"])
            batch = []
            for article in Article.objects.order_by("pk").iterator(chunk_size=chunk_size):
                article.slug = f"{slugify(article.title)}-{article.pk}"
                batch.append(article)
                if len(batch) == batch_size:
                    Article.objects.bulk_update(batch, ["slug"])
                    batch = []
            Article.objects.bulk_update(batch, ["slug"])


        def clear(apps, schema_editor):
            apps.get_model("pages", "Article").objects.update(slug=None)


        class Migration(migrations.Migration):
            dependencies = [("pages", "0002_load")]
            operations = [migrations.RunPython(backfill, clear)]
        """,
}


@dataclass
class Measurement:
    """One ``migrate`` process: what it did and what it cost."""

    phase: str
    rows: int
    seconds: float
    migration_seconds: float
    peak_mib: float

    def line(self) -> str:
        rate = self.rows / self.migration_seconds if self.migration_seconds else float("nan")
        return (
            f"{self.phase:<34} {self.rows:>9,} rows  {self.migration_seconds:8.2f} s  "
            f"{rate:>9,.0f} rows/s  peak RSS {self.peak_mib:6.1f} MiB  "
            f"(process {self.seconds:.2f} s)"
        )


def write_project(root: Path, database_url: str) -> None:
    """Write the benchmark project: settings, the pages app and its migrations."""
    (root / "pages" / "migrations").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[tool.dbshift]\napps = ["pages"]\ndatabase = "{database_url}"\n'
    )
    (root / "pages" / "__init__.py").write_text("")
    (root / "pages" / "migrations" / "__init__.py").write_text("")
    for name, source in MIGRATIONS.items():
        path = root / "pages" / "migrations" / f"{name}.py"
        path.write_text(textwrap.dedent(source).lstrip())


def migrate(root: Path, target: str, env: dict[str, str], phase: str, rows: int) -> Measurement:
    """Run ``migrate pages <target>`` in a new process; measure it from outside."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "dbshift", "migrate", "pages", target, "-v", "2"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    process.stdout.close()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"migrate pages {target} failed:\n{output}")
    # "  Applying pages.0003_backfill... OK (12.345s)": the migration's own time.
    timings = re.findall(rf"Applying pages\.{target}\S*\.\.\. OK \(([\d.]+)s\)", output)
    migration_seconds = float(timings[-1]) if timings else seconds
    # Linux reports ru_maxrss in KiB.
    return Measurement(phase, rows, seconds, migration_seconds, usage.ru_maxrss / 1024)


@contextlib.contextmanager
def database(vendor: str, directory: Path) -> Iterator[str]:
    """Yield the URL of an empty database of ``vendor``."""
    if vendor == "sqlite":
        yield f"sqlite:///{directory / 'bench.sqlite3'}"
        return
    sys.path.insert(0, str(REPO))
    from tests.postgres import fresh_database, running_server

    with running_server() as server_url, fresh_database(server_url) as url:
        yield url


def check(url: str, rows: int) -> None:
    """Fail unless every row was loaded and got its slug."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            total, missing = connection.execute(
                sa.text("SELECT count(*), count(*) - count(slug) FROM pages_article")
            ).one()
    finally:
        engine.dispose()
    if (total, missing) != (rows, 0):
        raise SystemExit(f"Expected {rows} rows with slugs, found {total} ({missing} without).")


def run(options: argparse.Namespace) -> list[Measurement]:
    with tempfile.TemporaryDirectory(prefix="dbshift-backfill-") as scratch:
        root = Path(scratch) / "project"
        with database(options.database, Path(scratch)) as url:
            write_project(root, url)
            env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
            env.update(
                PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")])),
                BENCH_ROWS=str(options.rows),
                BENCH_BATCH_SIZE=str(options.batch_size),
                BENCH_CHUNK_SIZE=str(options.chunk_size),
            )
            migrate(root, "0001", env, "schema", 0)
            results = [
                migrate(root, "0002", env, "load: bulk_create(generator)", options.rows),
                migrate(root, "0003", env, "backfill: iterator + bulk_update", options.rows),
            ]
            check(url, options.rows)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to load and backfill")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batch-size", type=int, default=1000, help="rows per bulk statement")
    parser.add_argument("--chunk-size", type=int, default=2000, help="rows per iterator() fetch")
    options = parser.parse_args(argv)
    print(
        f"dbshift data migration benchmark: {options.rows:,} rows on {options.database}, "
        f"batches of {options.batch_size}, iterator chunks of {options.chunk_size}"
    )
    for measurement in run(options):
        print(measurement.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
