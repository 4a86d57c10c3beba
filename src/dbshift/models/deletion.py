"""What happens to rows that point at a deleted row (``on_delete``).

dbshift leaves no ORM running beside the database to emulate these rules, so each
becomes the matching ``ON DELETE`` action of the foreign key constraint.
"""

from __future__ import annotations

from typing import Any


class OnDelete:
    """A deletion rule, written into migrations as ``models.<NAME>``."""

    def __init__(self, name: str, sql_action: str | None) -> None:
        self.name = name
        #: The ``ON DELETE`` action; ``None`` leaves the database's default (NO ACTION).
        self.sql_action = sql_action
        self.__qualname__ = name
        self.__module__ = "dbshift.models"

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return (f"dbshift.models.{self.name}", (), {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OnDelete) and self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"models.{self.name}"

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (an unpickled history index, a deep-copied field) is the module's own
        # rule, which migration files name (models.CASCADE) rather than call.
        return (_rule_named, (self.name,))


class SetValue(OnDelete):
    """``SET(value)``: Django sets a given value in Python; the database cannot."""

    def __init__(self, value: Any) -> None:
        super().__init__("SET", None)
        self.value = value

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return ("dbshift.models.SET", (self.value,), {})

    def __hash__(self) -> int:
        return hash(("SET", repr(self.value)))

    def __repr__(self) -> str:
        return f"models.SET({self.value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (SetValue, (self.value,))


CASCADE = OnDelete("CASCADE", "CASCADE")
PROTECT = OnDelete("PROTECT", "RESTRICT")
RESTRICT = OnDelete("RESTRICT", "RESTRICT")
SET_NULL = OnDelete("SET_NULL", "SET NULL")
SET_DEFAULT = OnDelete("SET_DEFAULT", "SET DEFAULT")
DO_NOTHING = OnDelete("DO_NOTHING", None)


def SET(value: Any) -> SetValue:
    """Return the rule that sets ``value`` on rows pointing at a deleted row."""
    return SetValue(value)


#: Rules by the name migration files use.
RULES = {
    rule.name: rule for rule in (CASCADE, PROTECT, RESTRICT, SET_NULL, SET_DEFAULT, DO_NOTHING)
}


def _rule_named(name: str) -> OnDelete:
    return RULES[name]


def as_rule(value: Any) -> Any:
    """Return the dbshift rule for ``value``, which may be one of Django's.

    A migration file written by Django names its rules
    ``django.db.models.deletion.CASCADE``; with Django installed that is Django's
    function, which stands for the dbshift rule of the same name. Anything else
    is returned unchanged, for ``ForeignKey.check`` to judge.
    """
    if isinstance(value, OnDelete) or not callable(value):
        return value
    deconstruct = getattr(value, "deconstruct", None)
    if callable(deconstruct):
        path, args, _kwargs = deconstruct()
        if path == "django.db.models.SET" and len(args) == 1:
            return SET(args[0])
    if getattr(value, "__module__", None) == "django.db.models.deletion":
        return RULES.get(getattr(value, "__name__", ""), value)
    return value
