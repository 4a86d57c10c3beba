"""Module-level values that migration files written by tests refer to by import path."""

from __future__ import annotations

import enum
import functools

from dbshift import models


def default_title() -> str:
    return "untitled"


def positive(value: int) -> None:
    if value < 0:
        raise ValueError(value)


class Colour(enum.Enum):
    RED = "r"
    GREEN = "g"


class Size(enum.IntEnum):
    SMALL = 1
    LARGE = 2


class Status(models.TextChoices):
    DRAFT = "d", "Draft"
    PUBLISHED = "p", "Published"


class Priority(models.IntegerChoices):
    LOW = 1
    HIGH = 2


class Holder:
    @classmethod
    def make(cls) -> str:
        return "made"


class Limit:
    """A deconstructible value, as a validator class would be."""

    def __init__(self, limit: int, *, inclusive: bool = True) -> None:
        self.limit = limit
        self.inclusive = inclusive

    def deconstruct(self):
        kwargs = {} if self.inclusive else {"inclusive": False}
        return ("tests.writer_values.Limit", (self.limit,), kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limit) and self.deconstruct() == other.deconstruct()

    __hash__ = None  # type: ignore[assignment]


FUNCTIONS = (default_title, positive, Holder.make, functools.partial(positive, 1))
