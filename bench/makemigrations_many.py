"""Time ``dbshift makemigrations`` on one app with many new, related models.

Run ``python -m bench.makemigrations_many 100 300 674``: each size writes a scratch
project whose app holds that many models, some with foreign keys to earlier models
and some to later ones, and prints the seconds the command takes.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def models_source(count: int, seed: int = 1) -> str:
    """Return a models.py with ``count`` models related to each other at random."""
    rng = random.Random(seed)
    lines = ["from dbshift import models", ""]
    for number in range(count):
        lines += ["", f"class Model{number}(models.Model):"]
        lines.append("    name = models.CharField(max_length=20)")
        for link in range(rng.randint(0, 3)):
            target = rng.randrange(count)
            lines.append(
                f"    link{link} = models.ForeignKey('Model{target}', on_delete=models.CASCADE,"
                f" related_name='+')"
            )
    return "\n".join(lines) + "\n"


def write_project(root: Path, count: int) -> None:
    """Write a project with one app ``shop`` holding ``count`` models."""
    (root / "pyproject.toml").write_text(
        '[tool.dbshift]\napps = ["shop"]\ndatabase = "sqlite:///db.sqlite3"\n', encoding="utf-8"
    )
    for package in (root / "shop", root / "shop" / "migrations"):
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
    (root / "shop" / "models.py").write_text(models_source(count), encoding="utf-8")


def time_makemigrations(count: int) -> float:
    """Return the seconds ``dbshift makemigrations`` takes for ``count`` new models."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_project(root, count)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "dbshift", "makemigrations"],
            cwd=root,
            env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def main(argv: list[str]) -> None:
    for count in [int(arg) for arg in argv] or [100, 300, 674]:
        print(f"{count} models: {time_makemigrations(count):.2f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
