"""Databases: connections, schema editors and type maps, one module per database."""

from dbshift.backends.database import Database

__all__ = ["Database"]
