"""Columns that unapplying a migration adds back with no value for the rows already there.

Unapplying ``RemoveField`` adds its column back. When the field is NOT NULL and has
no default (nor an empty value, as a blank CharField has), the rows of the table get
no value and the database refuses the column. Django writes such migrations without
a question and lets the rollback fail on the first row; dbshift says so in
``migrate --plan`` and ``sqlmigrate --backwards``, and refuses the rollback before it
changes anything when the table has rows. An empty table takes the column as is.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbshift.migrations.migration import Migration
from dbshift.migrations.state import ModelState, ProjectState


@dataclass(frozen=True)
class RefillHazard:
    """A NOT NULL column without a default that unapplying ``migration`` adds back."""

    migration: Migration
    model: ModelState
    field_name: str

    @property
    def table(self) -> str:
        return self.model.db_table

    @property
    def where(self) -> str:
        return f"{self.model.app_label}.{self.model.name}.{self.field_name}"

    def warning(self) -> str:
        """Return the one-line warning of ``migrate --plan`` and ``sqlmigrate --backwards``."""
        return (
            f"Warning: unapplying {self.migration} adds back {self.where}, NOT NULL without "
            f"a default: it fails if table {self.table} has rows."
        )

    def refusal(self) -> str:
        """Return why the rollback cannot run on a table with rows, and what to do."""
        return (
            f"Cannot unapply {self.migration}: it adds back {self.where}, NOT NULL without a "
            f"default, and table {self.table} has rows that would get no value. "
            f"{refill_advice(self.model, self.field_name, self.migration)} Nothing was changed."
        )


def refill_advice(model: ModelState, field_name: str, migration: Migration | None = None) -> str:
    """Return what to do so that existing rows get a value when the column comes back."""
    where = f"in {migration}" if migration is not None else "in the migration"
    repair = (
        f"dbshift repair {migration.app_label} {migration.name}" if migration else "dbshift repair"
    )
    return (
        f"Give the rows a value: {where}, put migrations.AlterField({model.name_lower!r}, "
        f"{field_name!r}, <the same field with a default=...>) before the RemoveField, "
        f"accept that edit with '{repair}' and migrate again; or empty the table first."
    )


def refill_hazards(migration: Migration, state_before: ProjectState) -> list[RefillHazard]:
    """Return the columns that unapplying ``migration`` adds back with no value for rows.

    ``state_before`` is the state just before the migration was applied.
    """
    hazards = []
    state = state_before.clone()
    for operation in migration.operations:
        for model, name in operation.columns_added_back(migration.app_label, state):
            if not model.get_field(name).fills_existing_rows():
                hazards.append(RefillHazard(migration, model, name))
        operation.state_forwards(migration.app_label, state)
    return hazards
