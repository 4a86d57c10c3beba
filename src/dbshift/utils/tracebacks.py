"""Where user code failed: its frames of a traceback, without dbshift's own.

An error in a RunPython function surfaces through the executor, the migration,
the operation, the schema editor and, for a database error, SQLAlchemy and the
driver. The user needs the lines of their own code that led to it; the rest is
how dbshift got there, and stays available with ``--traceback``.
"""

from __future__ import annotations

import traceback
from types import FrameType

#: Top-level packages whose frames are dbshift's machinery, not the user's code:
#: dbshift itself and the database layer it drives.
INTERNAL_PACKAGES = frozenset({"dbshift", "sqlalchemy", "psycopg", "psycopg_c", "sqlite3"})


def user_frames(error: BaseException) -> traceback.StackSummary:
    """Return the frames of ``error``'s traceback that run user code, outermost first."""
    frames = [
        (frame, line)
        for frame, line in traceback.walk_tb(error.__traceback__)
        if not _is_internal(frame)
    ]
    return traceback.StackSummary.extract(frames)


def format_user_traceback(error: BaseException) -> str:
    """Return the user's frames as Python prints them ("File ..., line N, in f"), or ""."""
    return "".join(user_frames(error).format()).rstrip("\n")


def _is_internal(frame: FrameType) -> bool:
    module = str(frame.f_globals.get("__name__", ""))
    return module.partition(".")[0] in INTERNAL_PACKAGES
