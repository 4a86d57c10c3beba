"""examples/runtime_app: its own tests pass on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import process_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "runtime_app"


def test_example_application_tests_pass(tmp_path: Path, db_url: str) -> None:
    root = tmp_path / "runtime_app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=root,
        capture_output=True,
        text=True,
        env=process_env({"DATABASE_URL": db_url}),
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "6 passed" in completed.stdout
