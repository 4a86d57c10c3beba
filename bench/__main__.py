"""``python -m bench``: run the benchmark suite and write the report (see bench/README.md)."""

from __future__ import annotations

import argparse
import compileall
import contextlib
import datetime
import importlib
import os
import platform
import signal
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from bench import report, suite
from bench.databases import SERVER_DATABASES
from bench.history import generate
from bench.projects import BENCH_DIR, Size, parse_size
from bench.tools import COMMANDS, REPO, SRC, TOOLS


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Measure dbshift, Django and Alembic on synthetic migration histories.",
    )
    parser.add_argument(
        "--sizes",
        default="S,M",
        help="comma-separated sizes: S (1x3), M (10x20), L (20x100), XL (50x200, dbshift "
        "only) or APPSxMIGRATIONS such as 20x25 (default: S,M)",
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql, mariadb (default: sqlite,postgresql)",
    )
    parser.add_argument("--tools", default="dbshift,django,alembic", help="tools to measure")
    parser.add_argument(
        "--commands",
        default=",".join(command.key for command in COMMANDS),
        help="commands to measure: " + ", ".join(command.key for command in COMMANDS),
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=120,
        metavar="SECONDS",
        help="stop repeating a measurement once its runs add up to this (default 120)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated histories")
    parser.add_argument("--no-floor", dest="floor", action="store_false", help="skip the floor")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results", help="report directory")
    parser.add_argument(
        "--work", type=Path, default=BENCH_DIR / "work", help="directory for SQLite files"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DBSHIFT_TEST_POSTGRES_URL"),
        help="a server to use (its maintenance database URL); default: start a throwaway one",
    )
    parser.add_argument(
        "--mariadb-url",
        default=os.environ.get("DBSHIFT_TEST_MARIADB_URL"),
        help="a MariaDB or MySQL server to use (mysql+pymysql://user@host:port/mysql); "
        "default: start a throwaway one",
    )
    return parser


def _commit() -> str:
    def git(*args: str) -> str:
        completed = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return completed.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--", "src") else "")


def _machine() -> str:
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    return f"{os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}"


def _meta(options: suite.Options, server_urls: dict[str, str]) -> dict:
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "machine": _machine(),
        "python": platform.python_version(),
        "django": metadata.version("django"),
        "alembic": metadata.version("alembic"),
        "sqlalchemy": metadata.version("sqlalchemy"),
        "sqlite": sqlite3.sqlite_version,
        **{
            vendor: SERVER_DATABASES[vendor].server_version(url)
            for vendor, url in server_urls.items()
        },
        "databases": options.databases,
        "repeats": options.repeats,
        "time_limit": options.time_limit,
        "seed": options.seed,
        "load_average_at_start": os.getloadavg(),
    }


def size_info(size: Size, seed: int, tools: list[str]) -> dict:
    """Return what the report says about one history."""
    history = generate(size.apps, size.per_app, seed)
    return {
        "name": size.name,
        "apps": size.apps,
        "per_app": size.per_app,
        "migrations": size.migrations,
        "tables": history.table_count,
        "unapplied_by_zero": len(history.dependents(history.apps[0], "0001_initial")),
        "tools": [tool for tool in size.tools if tool in tools],
    }


def _server(vendor: str, given: str | None) -> contextlib.AbstractContextManager[str]:
    """Return a context yielding the server URL of ``vendor``: ``given``, else a throwaway one."""
    if given:
        return contextlib.nullcontext(given)
    sys.path.insert(0, str(REPO))
    return importlib.import_module(SERVER_DATABASES[vendor].server_module).running_server()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Stop cleanly (servers and databases removed, the command killed) on SIGTERM, and
    # on SIGINT even where a shell started the suite in the background with it ignored.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        options = suite.Options(
            sizes=[parse_size(text) for text in _list(args.sizes)],
            databases=_list(args.databases),
            tools=_list(args.tools),
            commands=_list(args.commands),
            repeats=args.repeats,
            time_limit=args.time_limit,
            seed=args.seed,
            floor=args.floor,
            work=args.work.resolve(),
        )
    except ValueError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 2
    known_databases = {"sqlite", *SERVER_DATABASES}
    unknown = set(options.tools) - set(TOOLS) | set(options.databases) - known_databases
    if unknown:
        print(f"bench: unknown tools or databases: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    options.work.mkdir(parents=True, exist_ok=True)
    compileall.compile_dir(SRC, quiet=1)
    given = {"postgresql": args.postgres_url, "mariadb": args.mariadb_url}
    with contextlib.ExitStack() as servers:
        server_urls = {
            vendor: servers.enter_context(_server(vendor, given[vendor]))
            for vendor in options.databases
            if vendor in SERVER_DATABASES
        }
        results = {
            "meta": _meta(options, server_urls),
            "sizes": [size_info(size, options.seed, options.tools) for size in options.sizes],
            "measurements": [],
        }
        for measurement in suite.run(options, server_urls):
            # Keep the tables current, so that an interrupted run still leaves its numbers.
            results["measurements"].append(measurement.to_json())
            report.write(results, args.out, with_chart=False)
        results["meta"]["load_average_at_end"] = os.getloadavg()
    for path in report.write(results, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
