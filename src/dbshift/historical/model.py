"""The base class of historical models: a row of one table as a Python object.

A class is made per model state (:meth:`HistoricalApps.get_model`). An instance
holds one attribute per column, named as Django names it (``title``,
``author_id``), and writes itself back with :meth:`HistoricalModel.save`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.exceptions import BadMigrationError, MultipleObjectsReturned, ObjectDoesNotExist
from dbshift.historical import persistence
from dbshift.historical.defaults import initial_value

if TYPE_CHECKING:
    from dbshift.historical.manager import Manager
    from dbshift.historical.options import HistoricalOptions


class HistoricalModel:
    """A row of a model's table at one point of the history."""

    _meta: ClassVar[HistoricalOptions]
    objects: ClassVar[Manager]
    _default_manager: ClassVar[Manager]
    DoesNotExist: ClassVar[type[ObjectDoesNotExist]] = ObjectDoesNotExist
    MultipleObjectsReturned: ClassVar[type[MultipleObjectsReturned]] = MultipleObjectsReturned

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        meta = self._meta
        if len(args) > len(meta.concrete):
            raise TypeError(f"{meta.object_name}() takes at most {len(meta.concrete)} values.")
        # Values given by position are column values, in column order (as in Django).
        for attname, value in zip(meta.attnames.values(), args, strict=False):
            if attname in kwargs:
                raise TypeError(f"{meta.object_name}() got {attname!r} twice.")
            kwargs[attname] = value
        if "pk" in kwargs:
            kwargs[meta.pk_attname] = kwargs.pop("pk")
        for name, field in meta.concrete.items():
            attname = meta.attnames[name]
            if name in kwargs and name != attname:
                setattr(self, name, kwargs.pop(name))  # through the relation's descriptor
            elif attname in kwargs:
                self.__dict__[attname] = kwargs.pop(attname)
            else:
                self.__dict__[attname] = initial_value(field)
        if kwargs:
            raise TypeError(
                f"{meta.object_name}() got unexpected field(s) {', '.join(sorted(kwargs))}; "
                f"at this point of the history it has {', '.join(meta.concrete)}."
            )

    @classmethod
    def from_db(cls, values: dict[str, Any]) -> HistoricalModel:
        """Return an instance of a row read from the table, by attribute name."""
        instance = cls.__new__(cls)
        instance.__dict__.update(values)
        return instance

    @property
    def pk(self) -> Any:
        return getattr(self, self._meta.pk_attname)

    @pk.setter
    def pk(self, value: Any) -> None:
        setattr(self, self._meta.pk_attname, value)

    def save(
        self,
        force_insert: bool = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Any = None,
    ) -> None:
        """Write this object's row: UPDATE it when its key exists, else INSERT it.

        ``using`` names a database as in Django; a historical model always writes on
        the connection of the running migration.
        """
        persistence.save(self, force_insert, force_update, update_fields)

    def delete(self, using: str | None = None) -> tuple[int, dict[str, int]]:
        """Delete this object's row; the object keeps its values but loses its key."""
        if self.pk is None:
            raise BadMigrationError(
                f"Cannot delete this {self._meta.object_name} object: its primary key is None "
                "(it was never saved, or is deleted already)."
            )
        deleted = type(self).objects.filter(pk=self.pk).delete()
        self.pk = None
        return deleted

    def refresh_from_db(self, fields: Any = None) -> None:
        """Read this object's values (or only ``fields``) from its row again."""
        names = list(fields) if fields is not None else list(self._meta.concrete)
        row = type(self).objects.filter(pk=self.pk).values(*names).get()
        for name, value in row.items():
            self.__dict__[self._meta.attnames[self._meta.resolve(name)[0]]] = value
        self.__dict__.pop("_related", None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HistoricalModel):
            return NotImplemented
        if other._meta is not self._meta:
            return False
        return self.pk is not None and self.pk == other.pk

    def __hash__(self) -> int:
        if self.pk is None:
            raise TypeError("Model instances without primary key value are unhashable")
        return hash(self.pk)

    def __str__(self) -> str:
        return f"{self._meta.object_name} object ({self.pk})"

    def __repr__(self) -> str:
        return f"<{self._meta.object_name}: {self}>"
