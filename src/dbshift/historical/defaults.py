"""Values a historical model fills in by itself: defaults, and ``auto_now`` dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbshift.historical.model import HistoricalModel
    from dbshift.models.fields import Field


class _DatabaseDefault:
    """The value of a field left to its ``db_default`` until the row is inserted."""

    def __repr__(self) -> str:
        return "DB_DEFAULT"


#: What a new object holds for a field with a ``db_default`` that was not given.
DB_DEFAULT: Any = _DatabaseDefault()


def initial_value(field: Field) -> Any:
    """Return what a new object holds for a field it was not given (Django's rule)."""
    if field.has_default():
        return field.get_default()
    if field.has_db_default():
        return DB_DEFAULT
    if field.null or not field.empty_strings_allowed:
        return None
    return ""


def stamp_dates(instance: HistoricalModel, adding: bool) -> None:
    """Set ``auto_now`` fields, and ``auto_now_add`` ones on insert, to now."""
    meta = instance._meta
    for name, field in meta.concrete.items():
        if getattr(field, "auto_now", False) or (adding and getattr(field, "auto_now_add", False)):
            setattr(instance, meta.attnames[name], field.now())  # type: ignore[attr-defined]
