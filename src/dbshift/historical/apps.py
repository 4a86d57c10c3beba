"""The ``apps`` a RunPython function receives: historical models of one project state.

``apps.get_model("pages", "Article")`` returns the model as the migration history
has it at that point, built from the state alone and never from ``models.py``: a
field added by a later migration does not exist yet, and a renamed field or model
still has its old name. Classes are made on request, one model at a time, and kept
for the life of this object, so that a long history never pays for models its data
migrations do not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from dbshift.backends.rows import model_table
from dbshift.exceptions import (
    ModelNotFoundError,
    MultipleObjectsReturned,
    NotSupportedError,
    ObjectDoesNotExist,
)
from dbshift.historical.manager import Manager
from dbshift.historical.model import HistoricalModel
from dbshift.historical.options import HistoricalOptions
from dbshift.historical.related import ForwardRelation
from dbshift.migrations.state import ModelKey, ModelState, ProjectState
from dbshift.models.related import ManyToManyField

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor


class HistoricalApps:
    """The models of ``state``, bound to the connection of a running migration."""

    def __init__(self, state: ProjectState, editor: SchemaEditor) -> None:
        self.state = state
        self.editor = editor
        self.metadata = sa.MetaData()
        self._models: dict[ModelKey, type[HistoricalModel]] = {}

    @property
    def connection(self) -> sa.Connection:
        """Return the connection of the running migration (inside its transaction)."""
        assert self.editor.connection is not None, "historical models need a connection"
        return self.editor.connection

    def get_model(
        self, app_label: str, model_name: str | None = None, require_ready: bool = True
    ) -> type[HistoricalModel]:
        """Return the model ``app_label.model_name`` (or ``"app_label.ModelName"``)."""
        if model_name is None:
            app_label, _, model_name = app_label.partition(".")
        key = (app_label, model_name.lower())
        if key not in self._models:
            self._models[key] = self._render(self._state_of(app_label, model_name))
        return self._models[key]

    def get_models(
        self, include_auto_created: bool = False, include_swapped: bool = False
    ) -> list[type[HistoricalModel]]:
        """Return every model at this point of the history but proxies, which hold no rows."""
        return [
            self.get_model(model.app_label, model.name)
            for model in self.state.models.values()
            if not model.options.get("proxy")
        ]

    def _state_of(self, app_label: str, model_name: str) -> ModelState:
        if not self.state.has_model(app_label, model_name):
            names = sorted(state.name for state in self.state.app_models(app_label))
            raise ModelNotFoundError(
                f"Model '{app_label}.{model_name}' does not exist at this point of the "
                f"history (models of '{app_label}' here: {', '.join(names) or 'none'}). A "
                "model created by a later migration does not exist yet, and a model renamed "
                "later still has its old name; check the migration's dependencies."
            )
        model = self.state.get_model(app_label, model_name)
        if model.options.get("proxy"):
            raise NotSupportedError(
                f"{model.label_lower} is a proxy model; get the model it proxies from apps, "
                "whose table holds the rows."
            )
        return model

    def join_table(self, model: ModelState, name: str, field: ManyToManyField) -> sa.Table:
        """Return the automatic join table of many-to-many field ``model.name``."""
        join = self.editor.builder.join_model(self.state, model, name, field)
        table = self.metadata.tables.get(self.editor.builder.table_name(join))
        return table if table is not None else self._table(join)

    def _table(self, model: ModelState) -> sa.Table:
        return model_table(self.editor.builder, self.state, model, self.metadata)

    def _render(self, model: ModelState) -> type[HistoricalModel]:
        return render_model(HistoricalOptions(self, model, self._table(model)))

    def __repr__(self) -> str:
        return f"<HistoricalApps of {self.state!r}>"


def render_model(meta: HistoricalOptions) -> type[HistoricalModel]:
    """Return a new model class for ``meta``, with its manager and its own exceptions."""
    namespace: dict[str, Any] = {"__module__": f"dbshift.historical.{meta.app_label}"}
    namespace["_meta"] = meta
    for name, field in meta.concrete.items():
        if field.is_relation:
            namespace[name] = ForwardRelation(name, field)
    model = cast(type[HistoricalModel], type(meta.object_name, (HistoricalModel,), namespace))
    for name, base in (
        ("DoesNotExist", ObjectDoesNotExist),
        ("MultipleObjectsReturned", MultipleObjectsReturned),
    ):
        exception = type(name, (base,), {"__module__": model.__module__})
        exception.__qualname__ = f"{meta.object_name}.{name}"
        setattr(model, name, exception)
    model.objects = model._default_manager = Manager(model)
    meta.bind(model)
    return model
