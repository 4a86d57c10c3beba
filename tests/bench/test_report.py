"""Merging benchmark runs: the main run's measurements stand, others fill in."""

from __future__ import annotations

import json

import pytest

from bench import report


def run_meta(date: str, commit: str) -> dict:
    return {
        "date": date,
        "commit": commit,
        "machine": "test machine",
        "python": "3.11",
        "django": "5.2",
        "alembic": "1.0",
        "sqlalchemy": "2.0",
        "sqlite": "3.40",
        "postgresql": None,
        "databases": ["sqlite"],
        "repeats": 3,
        "time_limit": 120,
        "seed": 1,
    }


def size(name: str, migrations: int) -> dict:
    return {
        "name": name,
        "apps": 1,
        "per_app": migrations,
        "migrations": migrations,
        "tables": 1,
        "tools": ["dbshift"],
    }


def measurement(size_name: str, seconds: float, command: str = "plan") -> dict:
    return {
        "size": size_name,
        "database": "sqlite",
        "command": command,
        "tool": "dbshift",
        "arguments": ["migrate", "--plan"],
        "runs": [{"seconds": seconds, "max_rss_kib": 1024, "load": 0.5}],
        "status": "ok",
        "error": None,
        "median_seconds": seconds,
        "max_rss_mib": 1.0,
    }


def results(meta: dict, sizes: list[dict], measurements: list[dict]) -> dict:
    return {"meta": meta, "sizes": sizes, "measurements": measurements}


def seconds_of(merged: dict) -> dict:
    return {(m["size"], m["command"]): m["median_seconds"] for m in merged["measurements"]}


def test_the_first_run_stands_and_another_adds_what_it_lacks():
    new = results(
        run_meta("2026-02-01", "bbb"),
        [size("S", 3)],
        [measurement("S", 0.1)],
    )
    old = results(
        run_meta("2026-01-01", "aaa"),
        [size("S", 3), size("XL", 10000)],
        [measurement("S", 0.9), measurement("S", 0.8, "check"), measurement("XL", 0.5)],
    )
    merged = report.merge(new, old)
    assert seconds_of(merged) == {("S", "plan"): 0.1, ("S", "check"): 0.8, ("XL", "plan"): 0.5}
    assert [s["name"] for s in merged["sizes"]] == ["S", "XL"]
    assert merged["meta"]["commit"] == "bbb"
    assert [(run["commit"], run["sizes"]) for run in merged["meta"]["merged"]] == [
        ("aaa", ["S", "XL"])
    ]
    assert new["measurements"] == [measurement("S", 0.1)], "the inputs are left as they were"


def test_a_size_merged_before_keeps_the_run_that_measured_it():
    xl_run = run_meta("2025-12-01", "xxx")
    old = results(
        {**run_meta("2026-01-01", "aaa"), "merged": [{**xl_run, "sizes": ["XL"]}]},
        [size("S", 3), size("XL", 10000)],
        [measurement("S", 0.9), measurement("XL", 0.5)],
    )
    new = results(run_meta("2026-02-01", "bbb"), [size("S", 3)], [measurement("S", 0.1)])
    merged = report.merge(new, old)
    assert seconds_of(merged) == {("S", "plan"): 0.1, ("XL", "plan"): 0.5}
    assert [(run["commit"], run["sizes"]) for run in merged["meta"]["merged"]] == [("xxx", ["XL"])]
    assert "on commit `xxx`" in report.markdown(merged)
    assert "on commit `aaa`" not in report.markdown(merged)


def test_a_run_that_adds_nothing_is_not_named():
    first = results(run_meta("2026-02-01", "bbb"), [size("S", 3)], [measurement("S", 0.1)])
    same = results(run_meta("2026-01-01", "aaa"), [size("S", 3)], [measurement("S", 0.9)])
    merged = report.merge(first, same)
    assert seconds_of(merged) == {("S", "plan"): 0.1}
    assert "merged" not in merged["meta"]


def test_the_merged_report_goes_to_the_out_directory(tmp_path):
    pytest.importorskip("matplotlib")
    new_dir, old_dir, out = tmp_path / "new", tmp_path / "old", tmp_path / "out"
    new_dir.mkdir()
    old_dir.mkdir()
    new = results(run_meta("2026-02-01", "bbb"), [size("S", 3)], [measurement("S", 0.1)])
    old = results(run_meta("2026-01-01", "aaa"), [size("XL", 9)], [measurement("XL", 0.5)])
    (new_dir / "results.json").write_text(json.dumps(new))
    (old_dir / "results.json").write_text(json.dumps(old))
    argv = [str(new_dir / "results.json"), str(old_dir / "results.json"), "--out", str(out)]
    assert report.main(argv) == 0
    assert json.loads((new_dir / "results.json").read_text()) == new
    assert json.loads((old_dir / "results.json").read_text()) == old
    written = json.loads((out / "results.json").read_text())
    assert seconds_of(written) == {("S", "plan"): 0.1, ("XL", "plan"): 0.5}
    assert "## XL (9 migrations), SQLite" in (out / "results.md").read_text()
