"""Column types: what each field family becomes on a database.

Each backend declares a ``data_types`` map from a field's ``internal_type`` to a
function returning a SQLAlchemy type, which the dialect's type compiler renders.
Custom field classes map through the ``internal_type`` they declare.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from dbshift.models.fields import Field

TypeFactory = Callable[["Field"], sa.types.TypeEngine[Any]]

#: The type a foreign key column takes when it points at a field of this family:
#: automatic keys are plain integers there, positive integers lose their check.
RELATED_TYPES = {
    "AutoField": "IntegerField",
    "BigAutoField": "BigIntegerField",
    "SmallAutoField": "SmallIntegerField",
    "PositiveIntegerField": "IntegerField",
    "PositiveBigIntegerField": "BigIntegerField",
    "PositiveSmallIntegerField": "SmallIntegerField",
}


class SQLType(sa.types.UserDefinedType[Any]):
    """A column type written exactly as given, for names SQLAlchemy spells differently."""

    cache_ok = True

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def get_col_spec(self, **kw: Any) -> str:
        return self.sql


def fixed(type_: sa.types.TypeEngine[Any]) -> TypeFactory:
    """Return a factory of ``type_`` whatever the field's options."""
    return lambda field: type_


def varchar(field: Field) -> sa.types.TypeEngine[Any]:
    return sa.VARCHAR(field.max_length, collation=getattr(field, "db_collation", None))


def text(field: Field) -> sa.types.TypeEngine[Any]:
    return sa.TEXT(collation=getattr(field, "db_collation", None))


#: Text families, alike on every database.
CHAR_TYPES: dict[str, TypeFactory] = {
    "CharField": varchar,
    "SlugField": varchar,
    "EmailField": varchar,
    "URLField": varchar,
    "TextField": text,
}


def positive_check(column: sa.ColumnClause[Any]) -> sa.ColumnElement[bool]:
    return column >= sa.literal_column("0")


#: Checks that come with a field family, by suffix of the check's name.
POSITIVE_CHECKS = {
    "PositiveIntegerField": ("check", positive_check),
    "PositiveBigIntegerField": ("check", positive_check),
    "PositiveSmallIntegerField": ("check", positive_check),
}
