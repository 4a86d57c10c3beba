"""Historical models for data migrations: the models as a point of the history has them.

A ``RunPython`` function receives :class:`HistoricalApps`; its ``get_model`` returns
classes with a Django-like manager and querysets, built on SQLAlchemy Core over the
tables the schema editor created, and running in the migration's transaction.
"""

from dbshift.historical.apps import HistoricalApps
from dbshift.historical.model import HistoricalModel
from dbshift.historical.query import QuerySet

__all__ = ["HistoricalApps", "HistoricalModel", "QuerySet"]
