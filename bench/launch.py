"""Start one command and report its wall time and peak memory: ``launch.py OUT ARGV...``.

The suite starts its commands through this small process instead of forking them
itself: Linux counts the memory of the process that forks a child in that child's
``ru_maxrss`` (the high-water mark is taken over at ``exec``), so a child of the suite,
which holds SQLAlchemy and the results, would report at least the suite's size. Started
from here it reports at least this launcher's (a bare ``python -S``, about 8 MiB),
below what any measured command uses. It writes "returncode seconds max_rss_kib" to OUT.
"""

import os
import sys
import time


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    with open(out, "w") as fh:
        fh.write(f"{os.waitstatus_to_exitcode(status)} {seconds} {usage.ru_maxrss}\n")


if __name__ == "__main__":
    main()
