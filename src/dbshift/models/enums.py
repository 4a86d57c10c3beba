"""``TextChoices`` and ``IntegerChoices``: enumerations usable as field choices."""

from __future__ import annotations

import enum
from typing import Any


class ChoicesType(enum.EnumMeta):
    """Give choice enumerations Django's class-level ``choices``, ``labels``, ``values``."""

    @property
    def choices(cls: Any) -> list[tuple[Any, str]]:
        return [(member.value, member.label) for member in cls]

    @property
    def labels(cls: Any) -> list[str]:
        return [member.label for member in cls]

    @property
    def values(cls: Any) -> list[Any]:
        return [member.value for member in cls]

    @property
    def names(cls: Any) -> list[str]:
        return [member.name for member in cls]


class Choices(enum.Enum, metaclass=ChoicesType):
    """An enumeration whose members carry a label: ``DRAFT = "d", "Draft"``."""

    _label: str | None

    @classmethod
    def _split(cls, value: Any) -> tuple[Any, str | None]:
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
            return value[0], value[1]
        return value, None

    @property
    def label(self) -> str:
        return self._label or self.name.replace("_", " ").title()


class TextChoices(str, Choices):
    """Choices whose values are strings."""

    def __new__(cls, *args: Any) -> TextChoices:
        value, label = cls._split(args if len(args) > 1 else args[0])
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    def __str__(self) -> str:
        return str(self.value)


class IntegerChoices(int, Choices):
    """Choices whose values are integers."""

    def __new__(cls, *args: Any) -> IntegerChoices:
        value, label = cls._split(args if len(args) > 1 else args[0])
        member = int.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member
