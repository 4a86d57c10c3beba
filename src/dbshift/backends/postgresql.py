"""The PostgreSQL schema editor: every change in place, with ``ALTER TABLE``.

PostgreSQL runs DDL inside transactions, alters columns and constraints in
place and converts existing values when a type changes (``USING col::type``), so
the generic editor applies here almost unchanged; what differs is the type map,
identity columns and when deferred foreign keys are checked.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbshift.backends import datatypes, ddl
from dbshift.backends.base import SchemaEditor
from dbshift.backends.datatypes import CHAR_TYPES, TypeFactory, fixed
from dbshift.backends.features import Features
from dbshift.backends.spec import ColumnSpec, IndexSpec
from dbshift.backends.vendors.postgresql import PostgreSQLBackend


def _numeric(field: Any) -> sa.types.TypeEngine[Any]:
    return sa.NUMERIC(field.max_digits, field.decimal_places)


DATA_TYPES: dict[str, TypeFactory] = {
    **CHAR_TYPES,
    "AutoField": fixed(sa.INTEGER()),
    "BigAutoField": fixed(sa.BIGINT()),
    "SmallAutoField": fixed(sa.SMALLINT()),
    "BinaryField": fixed(postgresql.BYTEA()),
    "BooleanField": fixed(sa.BOOLEAN()),
    "DateField": fixed(sa.DATE()),
    "DateTimeField": lambda field: postgresql.TIMESTAMP(timezone=cast(Any, field).db_timezone),
    "DecimalField": _numeric,
    "DurationField": fixed(postgresql.INTERVAL()),
    "FloatField": fixed(postgresql.DOUBLE_PRECISION()),
    "IntegerField": fixed(sa.INTEGER()),
    "BigIntegerField": fixed(sa.BIGINT()),
    "SmallIntegerField": fixed(sa.SMALLINT()),
    "PositiveIntegerField": fixed(sa.INTEGER()),
    "PositiveBigIntegerField": fixed(sa.BIGINT()),
    "PositiveSmallIntegerField": fixed(sa.SMALLINT()),
    "GenericIPAddressField": fixed(postgresql.INET()),
    "JSONField": fixed(postgresql.JSONB()),
    "TimeField": fixed(postgresql.TIME()),
    "UUIDField": fixed(postgresql.UUID()),
}


class PostgreSQLSchemaEditor(SchemaEditor):
    """Change a PostgreSQL schema in place."""

    vendor: ClassVar[str] = PostgreSQLBackend.vendor
    features: ClassVar[Features] = PostgreSQLBackend.features
    data_types = DATA_TYPES
    field_checks = datatypes.POSITIVE_CHECKS

    def add_identity(self, table: str, column: ColumnSpec) -> None:
        """Make a column an identity column that continues after the existing values."""
        super().add_identity(table, column)
        target: sa.ColumnClause[Any] = sa.column(column.name)
        sequence = sa.func.pg_get_serial_sequence(
            sa.literal(self.adapter.dialect.identifier_preparer.quote(table)),
            sa.literal(column.name),
        )
        self.execute(
            sa.select(
                sa.func.setval(sequence, sa.func.coalesce(sa.func.max(target), 0) + 1, sa.false())
            ).select_from(sa.table(table, target))
        )

    def create_index_concurrently(self, table: str, spec: IndexSpec) -> None:
        """Build the index, first dropping an INVALID one of the same name.

        A ``CREATE INDEX CONCURRENTLY`` that was cut off (or failed on a duplicate)
        leaves its index behind, INVALID: unused by queries but kept up to date by
        every write. The resumed migration builds it again from scratch.
        """
        if not self.collect and self._index_is_invalid(spec.name):
            self.execute(ddl.DropIndex(spec.name, concurrently=True))
        super().create_index_concurrently(table, spec)

    def _index_is_invalid(self, name: str) -> bool:
        rows = self.query(
            "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            (name,),
        )
        return bool(rows and rows[0][0])

    def check_integrity(self) -> None:
        """Check deferred foreign keys now, so a violation fails this migration by name.

        Foreign keys are ``DEFERRABLE INITIALLY DEFERRED``: without this, rows a data
        migration left dangling would only be reported by ``COMMIT``. Only rows
        written in the transaction queue such checks (DDL that adds a key checks the
        existing rows at once), so a migration of DDL alone skips the round trip.
        """
        if self.may_have_written_rows:
            self.execute(ddl.SetConstraintsImmediate())
