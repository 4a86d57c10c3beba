"""The report: raw JSON, a Markdown table per history and database, and a chart."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.tools import COMMANDS_BY_KEY

TOOL_LABELS = {"dbshift": "dbshift", "django": "Django", "alembic": "Alembic", "floor": "floor"}
DATABASE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}
RATIOS = (("django", "dbshift/Django"), ("alembic", "dbshift/Alembic"), ("floor", "dbshift/floor"))
STATUS_TEXT = {
    "unavailable": "not yet",
    "unsupported": "unsupported",
    "failed": "failed",
    "skipped": "needs migrate",
}
CHART_COMMANDS = ("migrate", "noop", "plan", "check")
# One colour per tool in every panel.
COLORS = {"dbshift": "tab:blue", "django": "tab:green", "alembic": "tab:orange", "floor": "gray"}


def seconds_text(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds:.3f} s"
    if seconds < 10:
        return f"{seconds:.2f} s"
    return f"{seconds:.1f} s"


def _cell(measurement: dict[str, Any] | None) -> str:
    if measurement is None:
        return ""
    if measurement["status"] != "ok":
        return STATUS_TEXT[measurement["status"]]
    return f"{seconds_text(measurement['median_seconds'])} · {measurement['max_rss_mib']:.0f} MiB"


def _ratio(mine: dict[str, Any] | None, theirs: dict[str, Any] | None) -> str:
    if not mine or not theirs or mine["median_seconds"] is None:
        return ""
    if theirs["median_seconds"] is None:
        return ""
    return f"{mine['median_seconds'] / theirs['median_seconds']:.2f}x"


def _alembic_equivalents(results: dict[str, Any], size: str) -> str:
    seen = {
        m["command"]: " ".join(m["arguments"])
        for m in results["measurements"]
        if m["size"] == size and m["tool"] == "alembic"
    }
    if not seen:
        return ""
    parts = [f"{COMMANDS_BY_KEY[key].title} → `alembic {args}`" for key, args in seen.items()]
    return "Alembic's nearest equivalents: " + "; ".join(parts) + "."


def _table(results: dict[str, Any], size: str, database: str) -> list[str]:
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for m in results["measurements"]:
        if m["size"] == size and m["database"] == database:
            cells[m["command"], m["tool"]] = m
    tools = [tool for tool in TOOL_LABELS if any(key[1] == tool for key in cells)]
    ratios = [(tool, label) for tool, label in RATIOS if tool in tools and "dbshift" in tools]
    header = ["command", *(TOOL_LABELS[t] for t in tools), *(label for _, label in ratios)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, command in COMMANDS_BY_KEY.items():
        if not any(k[0] == key for k in cells):
            continue
        row = [command.title, *(_cell(cells.get((key, tool))) for tool in tools)]
        mine = cells.get((key, "dbshift"))
        row += [_ratio(mine, cells.get((key, tool))) for tool, _ in ratios]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _load_text(meta: dict[str, Any]) -> list[str]:
    start, end = meta.get("load_average_at_start"), meta.get("load_average_at_end")
    if not start or not end:
        return []
    # A JSON rebuilt from the suite's log keeps what the log shows, not each run's load.
    rebuilt = meta.get("rebuilt_from_log")
    return [
        f"Load average (1, 5, 15 min) at the start {', '.join(f'{x:.1f}' for x in start)}, "
        f"at the end {', '.join(f'{x:.1f}' for x in end)}; "
        + (
            f"measurements rebuilt from the run's log: {rebuilt}."
            if rebuilt
            else "each run's is in the JSON."
        )
    ]


def _merged_text(results: dict[str, Any]) -> list[str]:
    lines = []
    for other in results["meta"].get("merged", []):
        sizes = other.get("sizes", [])
        lines.append(
            f"Merged in: a run of {other['date']} on commit `{other['commit']}` with up to "
            f"{other['repeats']} runs per measurement"
            + (f" (sizes {', '.join(sizes)})" if sizes else "")
            + "."
        )
    return lines


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {meta['date']} on commit `{meta['commit']}`; {meta['machine']}.",
        f"Python {meta['python']}, Django {meta['django']}, Alembic {meta['alembic']}, "
        f"SQLAlchemy {meta['sqlalchemy']}, SQLite {meta['sqlite']}, "
        f"PostgreSQL {meta.get('postgresql') or 'not measured'}, "
        f"MariaDB {meta.get('mariadb') or 'not measured'}.",
        *_load_text(meta),
        *_merged_text(results),
        "",
        f"Each cell: median wall time of up to {meta['repeats']} runs, each in a fresh "
        f"process (a measurement stops repeating once its runs add up to "
        f"{meta['time_limit']:.0f} s), and the largest peak RSS of those runs. "
        "Ratios divide dbshift's median by the other's, measured side by side in this run "
        "(below 1: dbshift is faster). *not yet*: the dbshift checkout has no such command; "
        "*needs migrate*: skipped because the tool's migrate did not run. See `bench/README.md`.",
        "",
        "## Histories",
        "",
        "| size | apps x migrations each | migrations | tables at the end "
        "| unapplied by `migrate app00 zero` | tools |",
        "|---|---|---|---|---|---|",
    ]
    for size in results["sizes"]:
        tools = ", ".join(TOOL_LABELS[t] for t in size["tools"])
        lines.append(
            f"| {size['name']} | {size['apps']} x {size['per_app']} | {size['migrations']} "
            f"| {size['tables']} | {size.get('unapplied_by_zero', '')} | {tools} |"
        )
    for size in results["sizes"]:
        for database in meta["databases"]:
            table = _table(results, size["name"], database)
            if len(table) <= 2:
                continue
            lines += [
                "",
                f"## {size['name']} ({size['migrations']} migrations), {DATABASE_LABELS[database]}",
                "",
                *table,
            ]
        equivalents = _alembic_equivalents(results, size["name"])
        if equivalents:
            lines += ["", equivalents]
    problems = [m for m in results["measurements"] if m["status"] in ("failed", "unsupported")]
    if problems:
        lines += ["", "## Failures and unsupported commands", ""]
        lines += [
            f"- {m['size']}/{m['database']} {m['tool']} {COMMANDS_BY_KEY[m['command']].title}: "
            f"{m['error']}"
            for m in problems
        ]
    return "\n".join([*lines, ""])


def chart(results: dict[str, Any], path: Path) -> bool:
    """Draw time against history length, per command and database; False if nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    migrations = {size["name"]: size["migrations"] for size in results["sizes"]}
    databases = results["meta"]["databases"]
    commands = [
        key
        for key in CHART_COMMANDS
        if any(m["command"] == key and m["median_seconds"] for m in results["measurements"])
    ]
    if not commands:
        return False
    figure, axes = plt.subplots(
        len(commands),
        len(databases),
        figsize=(6 * len(databases), 4 * len(commands)),
        squeeze=False,
    )
    for row, command in enumerate(commands):
        for column, database in enumerate(databases):
            ax = axes[row][column]
            for tool, label in TOOL_LABELS.items():
                points = sorted(
                    (migrations[m["size"]], m["median_seconds"])
                    for m in results["measurements"]
                    if m["command"] == command
                    and m["database"] == database
                    and m["tool"] == tool
                    and m["median_seconds"] is not None
                )
                if points:
                    xs, ys = zip(*points, strict=True)
                    ax.plot(xs, ys, marker="o", label=label, color=COLORS[tool])
            ax.set_title(f"{COMMANDS_BY_KEY[command].title}, {DATABASE_LABELS[database]}")
            ax.set_xlabel("migrations in the history")
            ax.set_ylabel("wall time (s, median)")
            ax.set_ylim(bottom=0)
            ax.grid(True, alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def write(results: dict[str, Any], directory: Path, with_chart: bool = True) -> list[Path]:
    """Write results.json, results.md and (unless told not to) the chart into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "results.json", directory / "results.md"]
    written[0].write_text(json.dumps(results, indent=1) + "\n")
    written[1].write_text(markdown(results))
    if with_chart and chart(results, directory / "time-vs-history.png"):
        written.append(directory / "time-vs-history.png")
    return written


def measured_key(measurement: dict[str, Any]) -> tuple[str, ...]:
    return (
        measurement["size"],
        measurement["database"],
        measurement["command"],
        measurement["tool"],
    )


def runs_by_size(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the metadata of the run that measured each size of ``results``."""
    main_run = {key: value for key, value in results["meta"].items() if key != "merged"}
    runs = {size["name"]: main_run for size in results["sizes"]}
    for run in results["meta"].get("merged", []):
        for name in run.get("sizes", []):
            runs[name] = run
    return runs


def merge(first: dict[str, Any], *others: dict[str, Any]) -> dict[str, Any]:
    """Return ``first`` with what ``others`` measured and it did not.

    The first file is the run the report is about; another one adds a size measured
    apart (say XL, which takes long). Where several files measured the same size,
    database, command and tool, the first of them stands. The metadata stays the first
    run's; each run that added a size is named under ``merged``, also when it came
    into a file by an earlier merge.
    """
    merged = json.loads(json.dumps(first))
    for other in others:
        known = {measured_key(m) for m in merged["measurements"]}
        added = [m for m in other["measurements"] if measured_key(m) not in known]
        if not added:
            continue
        runs = runs_by_size(other)
        added_sizes = [
            size for size in other["sizes"] if size["name"] in {m["size"] for m in added}
        ]
        for size in added_sizes:
            run = runs[size["name"]]
            entry = next(
                (e for e in merged["meta"].setdefault("merged", []) if e["date"] == run["date"]),
                None,
            )
            if entry is None:
                entry = {**run, "sizes": []}
                merged["meta"]["merged"].append(entry)
            if size["name"] not in entry["sizes"]:
                entry["sizes"].append(size["name"])
        databases = merged["meta"]["databases"]
        databases += sorted({m["database"] for m in added} - set(databases))
        known_sizes = {size["name"] for size in merged["sizes"]}
        merged["sizes"] += [size for size in added_sizes if size["name"] not in known_sizes]
        merged["measurements"] += added
    return merged


def main(argv: list[str]) -> int:
    """Write the report again from results.json files, merged (see :func:`merge`)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.report",
        description="Write results.json, results.md and the chart again from the JSON of "
        "one run, or of several merged: the first file's measurements stand, the others "
        "add what it lacks.",
    )
    parser.add_argument("results", nargs="+", type=Path, help="results.json files, main run first")
    parser.add_argument(
        "--out",
        type=Path,
        help="directory to write to (default: the first file's; its results.json is "
        "then rewritten)",
    )
    args = parser.parse_args(argv)
    results = merge(*(json.loads(path.read_text()) for path in args.results))
    for written in write(results, args.out or args.results[0].parent):
        print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
