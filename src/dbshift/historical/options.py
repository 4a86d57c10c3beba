"""``Model._meta`` of a historical model: its fields, table and how names resolve."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbshift.backends.expressions import LOOKUPS
from dbshift.exceptions import BadMigrationError, NotSupportedError
from dbshift.models.query import LOOKUP_SEP, Q

if TYPE_CHECKING:
    from dbshift.historical.apps import HistoricalApps
    from dbshift.historical.model import HistoricalModel
    from dbshift.migrations.state import ModelState
    from dbshift.models.fields import Field

#: The name that stands for the primary key in lookups, ``values()`` and ``order_by()``.
PK = "pk"


class HistoricalOptions:
    """What one model looks like at one point of the history, with its table."""

    def __init__(self, apps: HistoricalApps, state: ModelState, table: sa.Table) -> None:
        self.apps = apps
        self.state = state
        self.table = table
        self.app_label = state.app_label
        self.object_name = state.name
        self.model_name = state.name_lower
        self.label = f"{state.app_label}.{state.name}"
        self.label_lower = state.label_lower
        self.db_table = table.name
        self.ordering: list[str] = list(state.options.get("ordering", ()))
        #: Concrete fields (the table's columns) by field name, in column order.
        self.concrete: dict[str, Field] = {
            name: field for name, field in state.fields.items() if field.concrete
        }
        #: The attribute that holds each concrete field's value (``author_id``).
        self.attnames: dict[str, str] = {
            name: field.attname(name) for name, field in self.concrete.items()
        }
        self.pk_name = state.pk_name
        self.pk_attname = self.attnames[self.pk_name]
        self.fields: list[Field] = []
        self.pk: Field | None = None

    def bind(self, model: type[HistoricalModel]) -> None:
        """Give ``model`` bound copies of the fields, as Django's ``_meta.fields`` holds."""
        self.model = model
        self.fields = []
        for name, field in self.concrete.items():
            copy = field.clone()
            copy.bind(model, name)
            self.fields.append(copy)
            if name == self.pk_name:
                self.pk = copy

    def get_field(self, name: str) -> Field:
        """Return the (bound) concrete field called ``name``, or its attribute name."""
        field_name, _field = self.resolve(name)
        return next(field for field in self.fields if field.name == field_name)

    # -- Names in queries -------------------------------------------------------------

    def resolve(self, name: str) -> tuple[str, Field]:
        """Return the field that ``name`` (a field, an attribute such as ``author_id``, or
        ``pk``) means, or raise naming the fields the model has at this point."""
        if name == PK:
            name = self.pk_name
        found = self.state.find_field_by_attname(name)
        if found is None:
            raise BadMigrationError(
                f"{self.label} has no field {name!r} at this point of the history (fields: "
                f"{', '.join(self.state.fields)}). A field added by a later migration does "
                "not exist yet here, and a field renamed later still has its old name."
            )
        if not found[1].concrete:
            raise NotSupportedError(
                f"{self.label}.{found[0]} is a many-to-many field; data migrations query "
                "its join table's own model (the through model) instead."
            )
        return found

    def column(self, name: str) -> sa.Column[Any]:
        """Return the table column of field ``name`` (see :meth:`resolve`)."""
        return self.table.c[self.resolve(name)[0]]

    def normalize(self, q: Q, annotations: Collection[str] = ()) -> Q:
        """Return ``q`` with lookups through a foreign key to its key made local.

        ``author__pk=3`` and ``author__id=3`` are ``author_id=3``: the key is in this
        table. Any other step through a relation would need a join, which historical
        querysets do not make. Lookups on ``annotations`` (names ``annotate()`` gave)
        stay as they are.
        """
        normal = Q(_connector=q.connector, _negated=q.negated)
        for child in q.children:
            if isinstance(child, Q):
                normal.children.append(self.normalize(child, annotations))
            elif child[0].split(LOOKUP_SEP)[0] in annotations:
                normal.children.append(child)
            else:
                normal.children.append((self._local_path(child[0]), child[1]))
        return normal

    def _local_path(self, path: str) -> str:
        head, *rest = path.split(LOOKUP_SEP)
        name, field = self.resolve(head)
        if not rest or (len(rest) == 1 and rest[0] in LOOKUPS):
            return path
        if field.is_relation and rest[0] in (PK, self._target_key(field)):
            return LOOKUP_SEP.join([field.attname(name), *rest[1:]])
        raise NotSupportedError(
            f"Lookup {path!r} on {self.label} follows a relation or uses an unknown lookup; "
            f"data migration querysets filter on their own table's columns with "
            f"{', '.join(sorted(LOOKUPS))}. Filter on the key instead, e.g. "
            f"{head}_id__in=<ids of the rows you want>."
        )

    def _target_key(self, field: Any) -> str:
        target = self.apps.state.get_model_by_label(field.remote_label)
        return field.to_field or target.pk_name
