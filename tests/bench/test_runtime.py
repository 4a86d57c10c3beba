"""bench.runtime: both ways of starting an application run on a generated history."""

from __future__ import annotations

from pathlib import Path

from bench.projects import materialize, parse_size
from bench.runtime import measure, migrate, report


def test_both_ways_start_and_query(tmp_path: Path) -> None:
    size = parse_size("S")
    project = materialize(size, 1, tmp_path / "projects")
    url = f"sqlite:///{tmp_path / 'runtime.sqlite3'}"
    migrate(project, url)

    results = measure(project, url, repeats=1)

    assert [result.way for result in results] == ["dbshift", "sqlalchemy"]
    assert all(result.seconds > 0 and result.max_rss_kib > 0 for result in results)
    assert "| dbshift |" in report(size, results)
