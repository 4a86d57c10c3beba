"""``Model.objects``: where querysets of a historical model start."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dbshift.historical.query import QuerySet

if TYPE_CHECKING:
    from dbshift.historical.model import HistoricalModel

#: QuerySet methods a manager offers directly, as ``Model.objects.filter(...)``.
QUERYSET_METHODS = frozenset(
    {
        "aggregate",
        "all",
        "annotate",
        "bulk_create",
        "bulk_update",
        "count",
        "create",
        "defer",
        "exclude",
        "exists",
        "filter",
        "first",
        "get",
        "get_or_create",
        "iterator",
        "last",
        "none",
        "only",
        "order_by",
        "prefetch_related",
        "select_related",
        "update",
        "update_or_create",
        "using",
        "values",
        "values_list",
    }
)


class Manager:
    """The manager of one historical model class: a fresh queryset per call."""

    def __init__(self, model: type[HistoricalModel]) -> None:
        self.model = model

    def get_queryset(self) -> QuerySet:
        return QuerySet(self.model)

    def db_manager(self, using: str | None = None, hints: Any = None) -> Manager:
        """Return this manager: historical models always use the migration's connection."""
        return self

    def __getattr__(self, name: str) -> Any:
        if name in QUERYSET_METHODS:
            return getattr(self.get_queryset(), name)
        raise AttributeError(f"'Manager' object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<Manager of {self.model._meta.label} (historical)>"
