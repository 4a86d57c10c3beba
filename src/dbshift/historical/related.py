"""The attribute of a foreign key: ``article.author`` loads and sets the related row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dbshift.exceptions import BadMigrationError

if TYPE_CHECKING:
    from dbshift.historical.model import HistoricalModel


class ForwardRelation:
    """``article.author`` for a foreign key ``author``, whose value is ``author_id``.

    Reading it loads the related row once (again only if ``author_id`` changes);
    assigning an object sets ``author_id`` from it.
    """

    def __init__(self, name: str, field: Any) -> None:
        self.name = name
        self.field = field
        self.attname = field.attname(name)

    def target(self, owner: type[HistoricalModel]) -> type[HistoricalModel]:
        """Return the historical model the key points at, from the same state."""
        return owner._meta.apps.get_model(self.field.remote_label)

    def target_attname(self, target: type[HistoricalModel]) -> str:
        """Return the attribute of ``target`` that the key holds (its pk or ``to_field``)."""
        meta = target._meta
        return meta.attnames[self.field.to_field or meta.pk_name]

    def __get__(self, instance: HistoricalModel | None, owner: type[HistoricalModel]) -> Any:
        if instance is None:
            return self
        key = instance.__dict__[self.attname]
        if key is None:
            return None
        cache = instance.__dict__.setdefault("_related", {})
        target = self.target(owner)
        attname = self.target_attname(target)
        cached = cache.get(self.name)
        if cached is None or getattr(cached, attname) != key:
            cached = cache[self.name] = target.objects.get(**{attname: key})
        return cached

    def __set__(self, instance: HistoricalModel, value: Any) -> None:
        cache = instance.__dict__.setdefault("_related", {})
        if value is None:
            instance.__dict__[self.attname] = None
            cache.pop(self.name, None)
            return
        target = self.target(type(instance))
        if not isinstance(value, target):
            raise BadMigrationError(
                f'Cannot assign "{value!r}": "{instance._meta.object_name}.{self.name}" must be '
                f'a "{target._meta.object_name}" instance from this point of the history; to '
                f"set the key itself, assign {self.attname}."
            )
        instance.__dict__[self.attname] = getattr(value, self.target_attname(target))
        cache[self.name] = value
