"""Findings that ``check`` and ``lint`` report: an id, a level, where, what and what to do."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass


class Level(enum.IntEnum):
    """How serious a finding is; Django's check levels."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40
    CRITICAL = 50


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, what it is, and what to do about it."""

    id: str
    level: Level
    obj: str
    message: str
    hint: str = ""

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["level"] = self.level.name
        return data
