"""Databases: connections, schema editors and type maps, one module per database.

``Database`` is imported on first use: reading the recorder tables
(:mod:`dbshift.backends.reading`) needs no SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbshift.backends.database import Database

__all__ = ["Database"]


def __getattr__(name: str) -> Any:
    if name == "Database":
        from dbshift.backends.database import Database

        return Database
    raise AttributeError(f"module 'dbshift.backends' has no attribute {name!r}")
