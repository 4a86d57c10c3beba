"""Run one command in a fresh process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One finished process: exit code, wall time, peak RSS and the tail of its output."""

    returncode: int
    seconds: float
    max_rss_kib: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _tail(handle: tempfile.SpooledTemporaryFile, limit: int = 4000) -> str:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - limit))
    return handle.read().decode("utf-8", "replace")


LAUNCHER = Path(__file__).resolve().parent / "launch.py"


def run(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = 3600,
) -> Run:
    """Run ``argv`` and return how long it took and its maximum resident set size.

    The time is measured around the process from spawn to exit; the memory is the
    ``ru_maxrss`` that ``wait4`` reports for that process alone. Both are taken by
    ``launch.py`` (which see for why). Output goes to files, so a chatty command (Django
    prints a line per migration) cannot block on a full pipe.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as report,
    ):
        launcher = subprocess.Popen(
            [sys.executable, "-S", str(LAUNCHER), report.name, *argv],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, os.killpg, (launcher.pid, signal.SIGKILL))
        timer.start()
        try:
            launcher.wait()
        except BaseException:
            # Interrupted: the command must not outlive the suite.
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
            raise
        finally:
            timer.cancel()
        fields = report.read().split()
        if launcher.returncode != 0 or len(fields) != 3:
            reason = _tail(err) or f"launcher exit status {launcher.returncode}"
            return Run(launcher.returncode or -1, 0.0, 0, _tail(out), reason)
        return Run(int(fields[0]), float(fields[1]), int(fields[2]), _tail(out), _tail(err))
