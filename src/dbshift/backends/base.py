"""The schema editor contract: the database changes operations ask for.

Operations decide *what* changes and call these methods with plain states
(:class:`ModelState` and the :class:`ProjectState` around it, so that relations
can be resolved); editors decide *how*, in SQL for their database. Every
statement goes through :meth:`SchemaEditor.execute`, which either runs it or,
in collect mode, records it for ``sqlmigrate`` and ``migrate --plan``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa

from dbshift.exceptions import NotSupportedError

if TYPE_CHECKING:
    from dbshift.migrations.state import ModelState, ProjectState
    from dbshift.models.fields import Field
    from dbshift.models.indexes import BaseConstraint, Index


class SchemaEditor:
    """Turn schema changes into SQL for one database, and run or collect it."""

    vendor: ClassVar[str] = "base"

    def __init__(
        self, connection: sa.Connection | None, dialect: sa.Dialect, collect: bool = False
    ) -> None:
        self.connection = connection
        self.dialect = dialect
        self.collect = collect
        #: Statements run (or collected), in order, as SQL text.
        self.collected_sql: list[str] = []

    # -- Running SQL -----------------------------------------------------------------

    def execute(
        self, statement: str | sa.Executable, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> None:
        """Run one statement, or record it in collect mode."""
        raise NotImplementedError

    def finish(self) -> None:
        """Run what was deferred to the end of the migration and check its integrity."""

    # -- Models ---------------------------------------------------------------------------

    def create_model(self, state: ProjectState, model: ModelState) -> None:
        """Create the table of ``model`` with its indexes, constraints and join tables."""
        raise self._unsupported("create tables")

    def delete_model(self, state: ProjectState, model: ModelState) -> None:
        """Drop the table of ``model`` and its automatic join tables."""
        raise self._unsupported("drop tables")

    def rename_model(
        self, from_state: ProjectState, to_state: ProjectState, old: ModelState, new: ModelState
    ) -> None:
        """Follow a model rename: its table, join tables and the relations pointing at it."""
        raise self._unsupported("rename models")

    def alter_db_table(
        self, from_state: ProjectState, to_state: ProjectState, old: ModelState, new: ModelState
    ) -> None:
        """Rename the table of a model from ``old.db_table`` to ``new.db_table``."""
        raise self._unsupported("rename tables")

    def alter_db_table_comment(
        self, model: ModelState, old_comment: str | None, new_comment: str | None
    ) -> None:
        """Set or clear the table comment; databases without comments do nothing."""

    def alter_unique_together(self, old: ModelState, new: ModelState) -> None:
        """Drop and create unique constraints so they match ``new.unique_together``."""
        raise self._unsupported("alter unique_together")

    # -- Fields ------------------------------------------------------------------------------

    def add_field(self, state: ProjectState, model: ModelState, name: str, field: Field) -> None:
        """Add column ``name`` (or a join table); ``field`` may carry a one-off default."""
        raise self._unsupported("add columns")

    def remove_field(self, state: ProjectState, model: ModelState, name: str) -> None:
        """Drop column ``name`` of ``model`` (as in ``state``), or its join table."""
        raise self._unsupported("drop columns")

    def alter_field(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old: ModelState,
        new: ModelState,
        old_name: str,
        new_name: str,
        fill_from: Field | None = None,
    ) -> None:
        """Change field ``old.old_name`` into ``new.new_name`` (rename and/or redefine).

        ``fill_from`` supplies the value for existing NULLs when the column becomes
        NOT NULL (its default, possibly a one-off).
        """
        raise self._unsupported("alter columns")

    # -- Indexes and constraints -------------------------------------------------------------

    def add_index(self, model: ModelState, index: Index) -> None:
        raise self._unsupported("create indexes")

    def remove_index(self, model: ModelState, index: Index) -> None:
        raise self._unsupported("drop indexes")

    def rename_index(self, model: ModelState, old_index: Index, new_index: Index) -> None:
        raise self._unsupported("rename indexes")

    def add_constraint(self, model: ModelState, constraint: BaseConstraint) -> None:
        raise self._unsupported("add constraints")

    def remove_constraint(self, model: ModelState, constraint: BaseConstraint) -> None:
        raise self._unsupported("drop constraints")

    # -- Code written by hand ----------------------------------------------------------------

    def run_sql(self, sql: str | Sequence[str | tuple[str, Any]]) -> None:
        """Run RunSQL statements: one string (possibly several statements) or a list."""
        raise self._unsupported("run SQL")

    def run_python(self, code: Callable[..., Any], state: ProjectState) -> None:
        """Call ``code(apps, schema_editor)`` with the historical models of ``state``."""
        raise self._unsupported("run Python")

    def _unsupported(self, what: str) -> NotSupportedError:
        return NotSupportedError(f"The {self.vendor} schema editor cannot {what}.")
