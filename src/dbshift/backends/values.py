"""Python values of fields as the database stores them, and as SQL literals.

Values reach SQL in three places: ``db_default`` (which stays in the table
definition), the one-off fill of existing rows, and the constants of check
constraints and partial indexes. All three must be literal SQL (DDL takes no
parameters, and ``sqlmigrate`` shows the statements as they run), so each value
is first turned into what the database stores for its field, following Django's
storage formats, then rendered by the dialect's own literal rendering.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from dbshift.models.fields import Field


class ValueAdapter:
    """Convert field values for one database; the defaults suit PostgreSQL.

    PostgreSQL parses typed values from their text form, so dates, intervals,
    UUIDs and JSON become strings the column type accepts.
    """

    def __init__(self, dialect: sa.Dialect) -> None:
        self.dialect = _literal_dialect(dialect)

    # -- Field values -------------------------------------------------------------

    def to_db(self, field: Field | None, value: Any) -> Any:
        """Return ``value`` of ``field`` as the plain value the database stores."""
        if value is None or field is None:
            return value
        adapt = getattr(self, f"adapt_{field.internal_type}", None)
        return value if adapt is None else adapt(field, value)

    def literal(self, field: Field | None, value: Any) -> str:
        """Return ``value`` of ``field`` as an SQL literal."""
        return self.sql_literal(self.to_db(field, value))

    def adapt_BooleanField(self, field: Field, value: Any) -> Any:
        return bool(value)

    def adapt_DecimalField(self, field: Field, value: Any) -> Any:
        return decimal.Decimal(str(value))

    def adapt_DateField(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            value = value.date()
        return value.isoformat() if isinstance(value, datetime.date) else value

    def adapt_DateTimeField(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            # Django stores aware datetimes; a naive one is taken as UTC.
            if value.tzinfo is None:
                value = value.replace(tzinfo=datetime.UTC)
            return value.isoformat(sep=" ")
        return value

    def adapt_TimeField(self, field: Field, value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime.time) else value

    def adapt_DurationField(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime.timedelta):
            return f"{value.days} days {value.seconds}.{value.microseconds:06d} seconds"
        return value

    def adapt_UUIDField(self, field: Field, value: Any) -> Any:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))

    def adapt_JSONField(self, field: Field, value: Any) -> Any:
        return json.dumps(value, cls=getattr(field, "encoder", None))

    def adapt_BinaryField(self, field: Field, value: Any) -> Any:
        return bytes(value)

    # -- Literals ------------------------------------------------------------------

    def sql_literal(self, value: Any) -> str:
        """Return a plain value as an SQL literal of this dialect."""
        if value is None:
            return "NULL"
        if isinstance(value, bytes | bytearray | memoryview):
            return self.bytes_literal(bytes(value))
        if isinstance(value, decimal.Decimal):
            return format(value, "f")
        return self.compile(sa.literal(value))

    def bytes_literal(self, value: bytes) -> str:
        return f"'\\x{value.hex()}'::bytea"

    def compile(self, element: sa.ClauseElement) -> str:
        """Return ``element`` as SQL text with its values inlined."""
        return str(element.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))


class SQLiteValueAdapter(ValueAdapter):
    """Convert values to Django's SQLite storage formats.

    SQLite has no date, interval or UUID types: Django stores datetimes as naive
    UTC text, durations as integer microseconds and UUIDs as 32 hex digits.
    """

    def adapt_DateTimeField(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(datetime.UTC).replace(tzinfo=None)
            return value.isoformat(sep=" ")
        return value

    def adapt_DurationField(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime.timedelta):
            return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
        return value

    def adapt_UUIDField(self, field: Field, value: Any) -> Any:
        return (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).hex

    def bytes_literal(self, value: bytes) -> str:
        return f"X'{value.hex()}'"


def _literal_dialect(dialect: sa.Dialect) -> sa.Dialect:
    """Return ``dialect``, or a copy that writes ``%`` as itself.

    Dialects whose driver takes ``%s`` placeholders double every ``%`` they
    compile. dbshift's statements carry no parameters and run as they are (and
    ``sqlmigrate`` shows them), so they are compiled for a named paramstyle,
    where a ``%`` in a value or a name stays one.
    """
    if dialect.paramstyle not in ("format", "pyformat"):
        return dialect
    literal = type(dialect)(paramstyle="named")
    literal.server_version_info = dialect.server_version_info
    return literal
