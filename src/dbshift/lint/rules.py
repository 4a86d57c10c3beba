"""The lint rules: each one a class that registers itself under its stable id.

A rule looks at one :class:`~dbshift.lint.sqlscan.Action` of a migration's SQL
and at the :class:`Scope` around it. Lock rules (``L...``) describe PostgreSQL's
table locks and only run where the database's features say DDL locks tables;
compatibility rules (``C...``) describe what breaks the code still running while
the migration applies, on every database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from dbshift.findings import Level
from dbshift.lint.sqlscan import Action

if TYPE_CHECKING:
    from dbshift.backends.build import SpecBuilder
    from dbshift.backends.spec import TableSpec
    from dbshift.migrations.state import ProjectState

#: Functions whose value changes from row to row: a column added with such a
#: default is written row by row, a rewrite of the table (PostgreSQL 11+ stores
#: any other default once, in the catalog).
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
    }
)
_SERIAL_TYPES = frozenset({"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL4", "SERIAL8", "SERIAL2"})


class SchemaView:
    """The tables of one project state by table name, built when first asked for."""

    def __init__(self, state: ProjectState, builder: SpecBuilder) -> None:
        self.state = state
        self.builder = builder
        self._tables: dict[str, TableSpec] | None = None

    def table(self, name: str | None) -> TableSpec | None:
        """Return the spec of table ``name``, or None when no managed model has it."""
        if self._tables is None:
            self._tables = {}
            for model in self.state.models.values():
                if not model.managed:
                    continue
                spec = self.builder.table(self.state, model)
                self._tables[spec.name] = spec
                for _, join in self.builder.join_tables(self.state, model):
                    self._tables[join.name] = join
        return self._tables.get(name or "")

    def column_type(self, table: str | None, column: str | None) -> str | None:
        """Return the SQL type of ``table.column``, or None when it is not known."""
        spec = self.table(table)
        for each in spec.columns if spec else ():
            if each.name == column:
                return each.type_sql
        return None

    def has_column(self, table: str | None, column: str | None) -> bool:
        return self.column_type(table, column) is not None


@dataclass
class Scope:
    """What the rules know around one statement of a plan of migrations."""

    #: The schema of the code still running: the state before the plan.
    running: SchemaView
    #: The schema just before the migration, for the types columns have.
    current: SchemaView
    #: Tables created earlier in the plan: nobody else uses them yet.
    new_tables: set[str] = field(default_factory=set)
    #: Indexes created on those tables.
    new_indexes: set[str] = field(default_factory=set)
    #: ``(table, column)`` with a validated ``CHECK (column IS NOT NULL)``: PostgreSQL
    #: then sets ``NOT NULL`` without scanning.
    not_null_checked: set[tuple[str, str]] = field(default_factory=set)
    #: ``NOT VALID`` checks of that shape by name, waiting for ``VALIDATE``.
    pending_not_null_checks: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Tables that a rename in the operation being read brings back under the same
    #: name (a table rebuild), so dropping the old one drops nothing in use.
    rebuilt_tables: set[str] = field(default_factory=set)
    #: ``(table, column)`` dropped or renamed earlier in the plan.
    gone_columns: set[tuple[str, str]] = field(default_factory=set)
    #: Constraints added ``NOT VALID`` in the transaction being read, by name.
    not_valid_in_transaction: set[str] = field(default_factory=set)

    def is_new(self, table: str | None) -> bool:
        return table is not None and table in self.new_tables

    def note(self, action: Action) -> None:
        """Remember what ``action`` creates or proves, for the actions after it."""
        if action.kind == "create_table" and action.table:
            self.new_tables.add(action.table)
        elif action.kind == "rename_table" and action.table in self.new_tables and action.name:
            self.new_tables.add(action.name)
        elif action.kind == "create_index" and self.is_new(action.table) and action.name:
            self.new_indexes.add(action.name)
        elif action.kind == "add_check" and action.table and action.name:
            self._note_check(action)
        if action.kind in ("drop_column", "rename_column") and action.table and action.column:
            self.gone_columns.add((action.table, action.column))
        if action.kind in ("add_check", "add_foreign_key") and action.not_valid and action.name:
            self.not_valid_in_transaction.add(action.name)
        elif action.kind == "validate_constraint" and action.name:
            checked = self.pending_not_null_checks.pop(action.name, None)
            if checked:
                self.not_null_checked.add(checked)

    def _note_check(self, action: Action) -> None:
        match = re.fullmatch(
            r'\(*\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*\)*(\s+NOT\s+VALID)?',
            action.condition.strip(),
            re.IGNORECASE,
        )
        if match and action.table:
            checked = (action.table, match.group(1).lower())
            if action.not_valid:
                self.pending_not_null_checks[action.name or ""] = checked
            else:
                self.not_null_checked.add(checked)


class Rule:
    """A hazard one kind of statement brings: what it locks, why it hurts, what to do."""

    #: Stable id, used by ``--format json``, ``lint_accept`` and ``check``.
    id: ClassVar[str] = ""
    #: Short stable name of the rule.
    name: ClassVar[str] = ""
    level: ClassVar[Level] = Level.WARNING
    #: A rule about table locks (PostgreSQL); the others hold on every database.
    locks: ClassVar[bool] = True
    #: The :attr:`Action.kind` the rule looks at.
    action_kind: ClassVar[str] = ""
    #: The :class:`Action` flag that marks the safe form of the statement.
    safe_when: ClassVar[str] = ""
    #: The lock the statement takes, and what it does to the table while holding it.
    lock: ClassVar[str] = ""
    effect: ClassVar[str] = ""
    why: ClassVar[str] = ""
    instead: ClassVar[str] = ""
    #: Every rule by id, filled as rule classes are defined.
    registry: ClassVar[dict[str, type[Rule]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.id:
            assert cls.id not in Rule.registry, f"two lint rules share the id {cls.id}"
            Rule.registry[cls.id] = cls

    @classmethod
    def matches(cls, action: Action, scope: Scope) -> bool:
        """Return whether ``action`` has this rule's hazard."""
        safe = bool(cls.safe_when) and getattr(action, cls.safe_when)
        return action.kind == cls.action_kind and not safe and not scope.is_new(action.table)

    @classmethod
    def subject(cls, action: Action) -> str:
        """Return what the statement changes, for the message."""
        where = f"{action.table}.{action.column}" if action.column else action.table
        return f"{action.name} on {where}" if action.name else str(where)


class IndexWithoutConcurrently(Rule):
    id = "L001"
    name = "create-index-not-concurrently"
    action_kind = "create_index"
    lock = "SHARE"
    effect = "reads the whole table to build the index"
    why = "Inserts, updates and deletes on the table wait until the index is built."
    instead = (
        "Use AddIndexConcurrently in a migration with atomic = False "
        "(CREATE INDEX CONCURRENTLY only blocks other DDL)."
    )
    safe_when = "concurrently"


class DropIndexWithoutConcurrently(Rule):
    id = "L002"
    name = "drop-index-not-concurrently"
    action_kind = "drop_index"
    lock = "ACCESS EXCLUSIVE"
    why = (
        "The drop waits for every query on the table to finish, and every query "
        "started after it waits behind it."
    )
    instead = "Use RemoveIndexConcurrently in a migration with atomic = False."

    @classmethod
    def matches(cls, action: Action, scope: Scope) -> bool:
        return (
            action.kind == cls.action_kind
            and not action.concurrently
            and action.name not in scope.new_indexes
        )


class ValidatedForeignKey(Rule):
    id = "L003"
    name = "add-foreign-key-validated"
    action_kind = "add_foreign_key"
    lock = "SHARE ROW EXCLUSIVE (on the table and the table it references)"
    effect = "scans the whole table to check every row"
    why = "Writes to both tables wait until every existing row is checked."
    instead = (
        "Add the key with AddConstraintNotValid (ADD ... NOT VALID), then "
        "ValidateConstraint in a later migration, which lets writes go on."
    )
    safe_when = "not_valid"


class ValidatedCheck(Rule):
    id = "L004"
    name = "add-check-validated"
    action_kind = "add_check"
    lock = "ACCESS EXCLUSIVE"
    effect = "scans the whole table to check every row"
    why = "No query can read or write the table until every existing row is checked."
    instead = (
        "Add the check with AddConstraintNotValid, then ValidateConstraint in a "
        "later migration (SHARE UPDATE EXCLUSIVE: reads and writes go on)."
    )
    safe_when = "not_valid"


class UniqueConstraintBuild(Rule):
    id = "L005"
    name = "add-unique-builds-index"
    action_kind = "add_unique"
    lock = "ACCESS EXCLUSIVE"
    effect = "reads the whole table to build the unique index"
    why = "No query can read or write the table while the index is built."
    instead = (
        "Build a unique index with AddIndexConcurrently first, then attach it with "
        "RunSQL('ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ...')."
    )
    safe_when = "using_index"


class SetNotNullScan(Rule):
    id = "L006"
    name = "set-not-null-scans"
    action_kind = "set_not_null"
    lock = "ACCESS EXCLUSIVE"
    effect = "scans the whole table for NULLs"
    why = "No query can read or write the table until the scan ends."
    instead = (
        "Add CheckConstraint(condition=Q(column__isnull=False)) with "
        "AddConstraintNotValid, ValidateConstraint it, then set NOT NULL (PostgreSQL 12+ "
        "uses the valid check instead of scanning) and drop the check."
    )

    @classmethod
    def matches(cls, action: Action, scope: Scope) -> bool:
        checked = (action.table or "", action.column or "")
        return super().matches(action, scope) and checked not in scope.not_null_checked


class TypeChangeRewrite(Rule):
    id = "L007"
    name = "alter-type-rewrites"
    action_kind = "alter_type"
    lock = "ACCESS EXCLUSIVE"
    effect = "rewrites the whole table and rebuilds its indexes"
    why = "No query can read or write the table until the rewrite ends."
    instead = (
        "Add a new column, fill it in batches, switch the code over, then drop the old "
        "one. Widening varchar, or varchar to text, needs no rewrite."
    )

    @classmethod
    def matches(cls, action: Action, scope: Scope) -> bool:
        if not super().matches(action, scope):
            return False
        old = scope.current.column_type(action.table, action.column)
        return action.using or old is None or rewrites(old, action.type_sql or "")


class VolatileDefault(Rule):
    id = "L008"
    name = "add-column-volatile-default"
    action_kind = "add_column"
    lock = "ACCESS EXCLUSIVE"
    effect = "rewrites the whole table to store a value in every row"
    why = "No query can read or write the table until the rewrite ends."
    instead = (
        "Add the column without a default (or with a constant one), then fill it in "
        "batches and set the default afterwards."
    )

    @classmethod
    def matches(cls, action: Action, scope: Scope) -> bool:
        volatile = any(call in VOLATILE_FUNCTIONS for call in action.default_calls)
        serial = (action.type_sql or "") in _SERIAL_TYPES
        return super().matches(action, scope) and (volatile or serial)


class ValidateInSameTransaction(Rule):
    id = "L009"
    name = "validate-in-same-transaction"
    action_kind = "validate_constraint"
    lock = "ACCESS EXCLUSIVE (taken by the ADD ... NOT VALID before it, held until the commit)"
    effect = "scans the whole table"
    why = (
        "Added and validated in one transaction, the constraint is checked under the lock "
        "it was added with, as if it had been added valid."
    )
    instead = (
        "Validate in a later migration, or set atomic = False so that each operation "
        "has a transaction of its own."
    )

    @classmethod
    def matches(cls, action: Action, scope: Scope) -> bool:
        return super().matches(action, scope) and action.name in scope.not_valid_in_transaction


class CompatibilityRule(Rule):
    """A change that breaks the code still running while the migration applies."""

    locks = False
    why = "The code deployed before this migration still reads and writes it, and fails."

    @classmethod
    def matches(cls, action: Action, scope: Scope) -> bool:
        return action.kind == cls.action_kind and cls.in_use(action, scope)

    @classmethod
    def in_use(cls, action: Action, scope: Scope) -> bool:
        return scope.running.has_column(action.table, action.column)


_TWO_DEPLOYS = (
    "Deploy code that no longer uses it first, with a migration of "
    "SeparateDatabaseAndState(state_operations=[...]) (make a NOT NULL column nullable "
    "in the same deploy), then {change} in a later deploy with RunSQL."
)


class DropColumnInUse(CompatibilityRule):
    id = "C001"
    name = "drop-column-in-use"
    action_kind = "drop_column"
    instead = _TWO_DEPLOYS.format(change="drop the column")


class RenameColumnInUse(CompatibilityRule):
    id = "C002"
    name = "rename-column-in-use"
    action_kind = "rename_column"
    instead = (
        "Add the new column and write both while the old code runs, or keep the column "
        "name with db_column. " + _TWO_DEPLOYS.format(change="rename the column")
    )


class DropTableInUse(CompatibilityRule):
    id = "C003"
    name = "drop-table-in-use"
    action_kind = "drop_table"
    instead = _TWO_DEPLOYS.format(change="drop the table")

    @classmethod
    def in_use(cls, action: Action, scope: Scope) -> bool:
        return (
            scope.running.table(action.table) is not None
            and action.table not in scope.rebuilt_tables
        )


class RenameTableInUse(CompatibilityRule):
    id = "C004"
    name = "rename-table-in-use"
    action_kind = "rename_table"
    instead = "Keep the table name with Meta.db_table, or " + _TWO_DEPLOYS.format(
        change="rename it"
    )

    @classmethod
    def in_use(cls, action: Action, scope: Scope) -> bool:
        return scope.running.table(action.table) is not None and not scope.is_new(action.table)


_TYPE = re.compile(r"(?P<base>[A-Z ]+?)\s*(?:\((?P<args>[\d,]+)\))?")


def _parse_type(sql: str) -> tuple[str, tuple[int, ...]]:
    text = sql.upper().replace("CHARACTER VARYING", "VARCHAR").replace("DECIMAL", "NUMERIC")
    match = _TYPE.fullmatch(text.strip())
    if not match:
        return text, ()
    args = tuple(int(arg) for arg in (match.group("args") or "").split(",") if arg)
    return match.group("base").strip(), args


def rewrites(old_sql: str, new_sql: str) -> bool:
    """Return whether PostgreSQL rewrites a table to change a column from one type to another.

    Per the ``ALTER TABLE`` documentation, a change between binary-coercible types
    that keeps every old value valid needs no rewrite: varchar widened or unlimited,
    varchar to text, numeric with more precision and the same scale.
    """
    old, old_args = _parse_type(old_sql)
    new, new_args = _parse_type(new_sql)
    if (old, old_args) == (new, new_args):
        return False
    if old in ("VARCHAR", "TEXT") and new in ("VARCHAR", "TEXT"):
        if new == "TEXT" or not new_args:
            return False
        return old == "TEXT" or not old_args or new_args[0] < old_args[0]
    if old == new == "NUMERIC":
        if not new_args:
            return False
        if len(old_args) == 2 and len(new_args) == 2:
            return new_args[1] != old_args[1] or new_args[0] < old_args[0]
    return True
