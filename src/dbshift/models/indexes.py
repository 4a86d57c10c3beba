"""Indexes and constraints declared in a model's ``Meta``."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from dbshift.exceptions import ModelDefinitionError
from dbshift.models.fields import BooleanField
from dbshift.models.functions import RawSQL, referenced_fields, with_field_renamed
from dbshift.models.query import F, Q
from dbshift.utils.deconstruct import deep_deconstruct
from dbshift.utils.sqltext import with_column_renamed


class Deferrable(enum.Enum):
    """When a unique constraint is checked: at the end of the statement or transaction."""

    DEFERRED = "deferred"
    IMMEDIATE = "immediate"

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}.{self._name_}"


class _Declaration:
    """Shared behaviour of named, deconstructible index and constraint declarations."""

    import_name = ""
    name: str

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        raise NotImplementedError

    def clone(self) -> Any:
        """Return a copy built from this declaration's deconstruction."""
        _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **kwargs)

    def referenced_fields(self) -> set[str]:
        """Return the names of the model fields this declaration uses."""
        raise NotImplementedError

    def with_field_renamed(self, old: str, new: str) -> Any:
        """Return a copy that refers to field ``new`` wherever it referred to ``old``."""
        raise NotImplementedError

    def with_name(self, name: str) -> Any:
        """Return a copy named ``name``."""
        _path, args, kwargs = self.deconstruct()
        kwargs["name"] = name
        return type(self)(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__ or deep_deconstruct(self) == deep_deconstruct(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _rename_in(fields: Sequence[str], old: str, new: str) -> list[str]:
    renamed = []
    for entry in fields:
        descending = entry.startswith("-")
        bare = entry[1:] if descending else entry
        renamed.append(("-" if descending else "") + (new if bare == old else bare))
    return renamed


def _check_fields(kind: str, fields: Any) -> list[str]:
    if isinstance(fields, str) or not all(isinstance(item, str) for item in fields):
        raise ModelDefinitionError(f"{kind}.fields must be a list of field names, not {fields!r}.")
    return list(fields)


def _expressions(kind: str, name: Any, expressions: Sequence[Any], fields: Any) -> list[Any]:
    """Return the expressions of an index or unique constraint, a string being a field."""
    if not expressions:
        return []
    if fields:
        raise ModelDefinitionError(f"{kind} {name!r}: give fields=[...] or expressions, not both.")
    if not name:
        raise ModelDefinitionError(f"{kind} over expressions needs a name.")
    return [F(item) if isinstance(item, str) else item for item in expressions]


def _expressions_fields(expressions: Sequence[Any]) -> set[str]:
    return set().union(*(referenced_fields(item) for item in expressions))


def _check_condition(kind: str, condition: Any) -> None:
    if condition is not None and not isinstance(condition, Q):
        raise ModelDefinitionError(f"{kind}.condition must be a Q object, not {condition!r}.")


def _check_sql_condition(name: str, condition: RawSQL) -> None:
    if not isinstance(condition.output_field, BooleanField):
        raise ModelDefinitionError(
            f"CheckConstraint {name!r}: RawSQL is a condition only with "
            "output_field=BooleanField(), as in Django."
        )
    if condition.params:
        raise ModelDefinitionError(
            f"CheckConstraint {name!r}: RawSQL in a constraint takes no params; write the "
            "values into the SQL text."
        )


class Index(_Declaration):
    """An index over fields (``"-name"`` for descending), partial with ``condition``."""

    def __init__(
        self,
        *expressions: Any,
        fields: Sequence[str] = (),
        name: str | None = None,
        db_tablespace: str | None = None,
        opclasses: Sequence[str] = (),
        condition: Q | None = None,
        include: Sequence[str] | None = None,
    ) -> None:
        #: Expressions indexed instead of fields: ``Index(Upper("email"), name=...)``.
        self.expressions = _expressions("Index", name, expressions, fields)
        self.fields = _check_fields("Index", fields)
        if not (self.fields or self.expressions):
            raise ModelDefinitionError("An Index needs at least one field in fields=[...].")
        _check_condition("Index", condition)
        if condition is not None and not name:
            raise ModelDefinitionError("An Index with a condition needs a name.")
        self.name = name or ""
        self.db_tablespace = db_tablespace
        self.opclasses = list(opclasses)
        if self.opclasses and len(self.opclasses) != len(self.fields):
            raise ModelDefinitionError("Index.opclasses needs one entry per field.")
        self.condition = condition
        self.include = list(include) if include else []

    @property
    def field_names(self) -> list[str]:
        """Return the indexed field names without their ``-`` ordering prefix."""
        return [entry.lstrip("-") for entry in self.fields]

    @property
    def orders(self) -> list[str]:
        """Return ``"ASC"`` or ``"DESC"`` for each indexed field."""
        return ["DESC" if entry.startswith("-") else "ASC" for entry in self.fields]

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {"fields": list(self.fields)} if self.fields else {}
        kwargs["name"] = self.name
        if self.db_tablespace is not None:
            kwargs["db_tablespace"] = self.db_tablespace
        if self.opclasses:
            kwargs["opclasses"] = list(self.opclasses)
        if self.condition is not None:
            kwargs["condition"] = self.condition
        if self.include:
            kwargs["include"] = list(self.include)
        return ("dbshift.models.Index", tuple(self.expressions), kwargs)

    def referenced_fields(self) -> set[str]:
        names = set(self.field_names) | set(self.include) | _expressions_fields(self.expressions)
        if self.condition is not None:
            names |= self.condition.referenced_fields()
        return names

    def with_field_renamed(self, old: str, new: str) -> Index:
        _path, args, kwargs = self.deconstruct()
        if self.fields:
            kwargs["fields"] = _rename_in(self.fields, old, new)
        if self.include:
            kwargs["include"] = _rename_in(self.include, old, new)
        if self.condition is not None:
            kwargs["condition"] = self.condition.with_field_renamed(old, new)
        return Index(*(with_field_renamed(item, old, new) for item in args), **kwargs)

    def set_name_with_model(self, table: str, columns: Sequence[str]) -> None:
        """Give an unnamed index the name Django gives it.

        Migration files written by Django name such indexes this way, so the same
        models.py must produce the same names here: 11 characters of the table, 7
        of the first column, and 6 hex digits of the MD5 of the table, the columns
        (``-column`` when descending) and the suffix ``idx``, all run together.
        """
        ordered = [
            ("-" if order == "DESC" else "") + column
            for column, order in zip(columns, self.orders, strict=True)
        ]
        import hashlib

        digest = hashlib.md5(
            "".join([table, *ordered, "idx"]).encode(), usedforsecurity=False
        ).hexdigest()[:6]
        name = f"{table[:11]}_{columns[0][:7]}_{digest}_idx"
        # An identifier may not start with a digit or an underscore; Django uses "D".
        self.name = "D" + name[1:] if name[0] == "_" or name[0].isdigit() else name


class BaseConstraint(_Declaration):
    """A named rule the database enforces on every row."""

    def __init__(
        self,
        *,
        name: str,
        violation_error_code: str | None = None,
        violation_error_message: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ModelDefinitionError(f"{type(self).__name__} needs a name.")
        self.name = name
        self.violation_error_code = violation_error_code
        self.violation_error_message = violation_error_message

    def _base_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"name": self.name}
        if self.violation_error_code is not None:
            kwargs["violation_error_code"] = self.violation_error_code
        if self.violation_error_message is not None:
            kwargs["violation_error_message"] = self.violation_error_message
        return kwargs


class CheckConstraint(BaseConstraint):
    """A condition every row must satisfy, as ``CHECK (...)``.

    The condition is a ``Q`` over fields, or SQL text over columns:
    ``RawSQL("price > 0", [], output_field=BooleanField())``, as Django writes it.
    """

    def __init__(
        self,
        *,
        name: str,
        condition: Q | RawSQL | None = None,
        check: Q | RawSQL | None = None,
        violation_error_code: str | None = None,
        violation_error_message: str | None = None,
    ) -> None:
        # Django 5.1 renamed ``check`` to ``condition``; files of both eras load.
        condition = condition if condition is not None else check
        if condition is None:
            raise ModelDefinitionError(f"CheckConstraint {name!r} needs condition=Q(...).")
        if isinstance(condition, RawSQL):
            _check_sql_condition(name, condition)
        else:
            _check_condition("CheckConstraint", condition)
        super().__init__(
            name=name,
            violation_error_code=violation_error_code,
            violation_error_message=violation_error_message,
        )
        self.condition = condition

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return (
            "dbshift.models.CheckConstraint",
            (),
            {"condition": self.condition, **self._base_kwargs()},
        )

    def referenced_fields(self) -> set[str]:
        if isinstance(self.condition, RawSQL):
            return set()  # SQL text names columns, which no field rename touches
        return self.condition.referenced_fields()

    def with_column_renamed(self, old: str, new: str) -> CheckConstraint:
        """Return a copy whose SQL text reads column ``new`` where it read ``old``."""
        if not isinstance(self.condition, RawSQL):
            return self
        raw = self.condition
        sql = with_column_renamed(raw.sql, old, new)
        condition = RawSQL(sql, raw.params, output_field=raw.output_field)
        return CheckConstraint(**{**self._base_kwargs(), "condition": condition})

    def with_field_renamed(self, old: str, new: str) -> CheckConstraint:
        if isinstance(self.condition, RawSQL):
            return self
        _path, _args, kwargs = self.deconstruct()
        kwargs["condition"] = self.condition.with_field_renamed(old, new)
        return CheckConstraint(**kwargs)


class UniqueConstraint(BaseConstraint):
    """Fields whose values, together, appear in at most one row (optionally partial)."""

    def __init__(
        self,
        *expressions: Any,
        fields: Sequence[str] = (),
        name: str,
        condition: Q | None = None,
        deferrable: Deferrable | None = None,
        include: Sequence[str] | None = None,
        opclasses: Sequence[str] = (),
        nulls_distinct: bool | None = None,
        violation_error_code: str | None = None,
        violation_error_message: str | None = None,
    ) -> None:
        super().__init__(
            name=name,
            violation_error_code=violation_error_code,
            violation_error_message=violation_error_message,
        )
        #: Expressions unique together instead of fields: ``UniqueConstraint(Lower("name"))``.
        self.expressions = _expressions("UniqueConstraint", name, expressions, fields)
        self.fields = _check_fields("UniqueConstraint", fields)
        if not (self.fields or self.expressions):
            raise ModelDefinitionError(f"UniqueConstraint {name!r} needs fields=[...].")
        if self.expressions and (deferrable or include or opclasses):
            raise ModelDefinitionError(
                f"UniqueConstraint {name!r} over expressions cannot be deferrable or have "
                "include or opclasses."
            )
        _check_condition("UniqueConstraint", condition)
        if deferrable is not None and not isinstance(deferrable, Deferrable):
            raise ModelDefinitionError(
                f"UniqueConstraint {name!r}: deferrable must be a models.Deferrable."
            )
        if deferrable is not None and condition is not None:
            raise ModelDefinitionError(
                f"UniqueConstraint {name!r} cannot be both deferrable and partial."
            )
        self.condition = condition
        self.deferrable = deferrable
        self.include = list(include) if include else []
        self.opclasses = list(opclasses)
        self.nulls_distinct = nulls_distinct

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {"fields": list(self.fields)} if self.fields else {}
        kwargs.update(self._base_kwargs())
        if self.condition is not None:
            kwargs["condition"] = self.condition
        if self.deferrable is not None:
            kwargs["deferrable"] = self.deferrable
        if self.include:
            kwargs["include"] = list(self.include)
        if self.opclasses:
            kwargs["opclasses"] = list(self.opclasses)
        if self.nulls_distinct is not None:
            kwargs["nulls_distinct"] = self.nulls_distinct
        return ("dbshift.models.UniqueConstraint", tuple(self.expressions), kwargs)

    def referenced_fields(self) -> set[str]:
        names = set(self.fields) | set(self.include) | _expressions_fields(self.expressions)
        if self.condition is not None:
            names |= self.condition.referenced_fields()
        return names

    def with_field_renamed(self, old: str, new: str) -> UniqueConstraint:
        _path, args, kwargs = self.deconstruct()
        if self.fields:
            kwargs["fields"] = _rename_in(self.fields, old, new)
        if self.include:
            kwargs["include"] = _rename_in(self.include, old, new)
        if self.condition is not None:
            kwargs["condition"] = self.condition.with_field_renamed(old, new)
        return UniqueConstraint(*(with_field_renamed(item, old, new) for item in args), **kwargs)
