"""Python values of fields as the database stores them, as SQL literals, and back.

Values reach SQL in three places: ``db_default`` (which stays in the table
definition), the one-off fill of existing rows, and the constants of check
constraints and partial indexes. All three must be literal SQL (DDL takes no
parameters, and ``sqlmigrate`` shows the statements as they run), so each value
is first turned into what the database stores for its field, following Django's
storage formats, then rendered by the dialect's own literal rendering.

Data migrations also bind values as parameters (:meth:`ValueAdapter.to_param`)
and read rows back (:meth:`ValueAdapter.from_db`), through the same storage
formats, so that rows written by a data migration read like rows Django wrote.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from dbshift.models.functions import Func, Value

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultDialect

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
        """Return ``value`` of ``field`` as an SQL literal, or a function as an expression."""
        if isinstance(value, Func | Value):
            from dbshift.backends.functions import function_expression

            # SQLite takes an expression as a column default only in parentheses.
            return f"({self.compile(function_expression(value, self.sql_literal))})"
        return self.sql_literal(self.to_db(field, value))

    def to_param(self, field: Field | None, value: Any) -> Any:
        """Return ``value`` of ``field`` as a parameter the driver binds."""
        return self.to_db(field, value)

    def from_db(self, field: Field | None, value: Any) -> Any:
        """Return the Python value of ``field`` for ``value`` as the driver read it."""
        if value is None or field is None:
            return value
        load = getattr(self, f"load_{field.internal_type}", None)
        return value if load is None else load(field, value)

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

    # -- Values read back --------------------------------------------------------
    # psycopg returns typed values already; only their form differs from Django's.

    def load_DateTimeField(self, field: Field, value: Any) -> Any:
        # Django returns aware datetimes in UTC, whatever the session's time zone.
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.astimezone(datetime.UTC)
        return value

    def load_GenericIPAddressField(self, field: Field, value: Any) -> Any:
        return str(value)

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

    def to_param(self, field: Field | None, value: Any) -> Any:
        stored = self.to_db(field, value)
        # The sqlite3 driver binds no Decimal; Django stores their text, which the
        # column's numeric affinity turns into a number.
        return str(stored) if isinstance(stored, decimal.Decimal) else stored

    # -- Values read back: the storage formats above, parsed ----------------------

    def load_BooleanField(self, field: Field, value: Any) -> Any:
        return bool(value)

    def load_DecimalField(self, field: Field, value: Any) -> Any:
        number = decimal.Decimal(str(value))
        places = getattr(field, "decimal_places", None)
        if places is None or not number.is_finite():
            return number
        return number.quantize(decimal.Decimal(1).scaleb(-places))

    def load_DateField(self, field: Field, value: Any) -> Any:
        return datetime.date.fromisoformat(value[:10]) if isinstance(value, str) else value

    def load_DateTimeField(self, field: Field, value: Any) -> Any:
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value

    def load_TimeField(self, field: Field, value: Any) -> Any:
        return datetime.time.fromisoformat(value) if isinstance(value, str) else value

    def load_DurationField(self, field: Field, value: Any) -> Any:
        return datetime.timedelta(microseconds=value) if isinstance(value, int) else value

    def load_UUIDField(self, field: Field, value: Any) -> Any:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))

    def load_JSONField(self, field: Field, value: Any) -> Any:
        if isinstance(value, str | bytes):
            return json.loads(value, cls=getattr(field, "decoder", None))
        return value


def _literal_dialect(dialect: sa.Dialect) -> sa.Dialect:
    """Return ``dialect``, or a copy that writes ``%`` as itself.

    Dialects whose driver takes ``%s`` placeholders double every ``%`` they
    compile. dbshift's statements carry no parameters and run as they are (and
    ``sqlmigrate`` shows them), so they are compiled for a named paramstyle,
    where a ``%`` in a value or a name stays one.
    """
    if dialect.paramstyle not in ("format", "pyformat"):
        return dialect
    # Every dialect SQLAlchemy builds is a DefaultDialect, whose constructor takes paramstyle.
    literal = cast("type[DefaultDialect]", type(dialect))(paramstyle="named")
    literal.server_version_info = dialect.server_version_info
    return literal
