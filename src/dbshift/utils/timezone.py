"""Time helpers available to one-off defaults and migration files."""

from __future__ import annotations

import datetime


def now() -> datetime.datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.datetime.now(datetime.UTC)
