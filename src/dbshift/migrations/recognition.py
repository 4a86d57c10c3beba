"""Telling from the live schema whether an operation already took effect.

Where DDL commits by itself (MySQL, MariaDB), an operation's statements and the
progress row written after them are not one transaction: ``migrate`` killed in
between leaves the operation done but not recorded, and running it again fails
("Duplicate column name"). So before a resumed run repeats an operation, the
tables it changes are read and compared with what the model states before and
after it declare (the comparison of ``dbshift check``'s drift, see
:mod:`dbshift.backends.drift`):

- the tables are as after it: it is recorded as done, not run again;
- as before it: it runs;
- neither: :class:`~dbshift.exceptions.PartlyAppliedError` names what differs, and nothing runs.

Only the differences between the two states decide: a column or index that
matches neither state but is the same against both (added by hand, say) is
left out. An operation of several statements may also be cut between them,
``CREATE TABLE`` done and its indexes or foreign keys not. When the tables and
their columns match one of the two states and only indexes or constraints of
that state are missing (or a column keeps the default that filled it), those are
created (:func:`find_existing` tells which) and the tables compared again.
Only schema operations are recognised: code and hand-written SQL say nothing
about the schema they leave.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dbshift.backends import ddl
from dbshift.backends.drift import CODES, Drift, compare_schemas
from dbshift.backends.existing import find_existing, read_existing
from dbshift.backends.introspection import Schema, introspect, table_info
from dbshift.backends.spec import IndexSpec, PrimaryKeySpec, TableSpec
from dbshift.migrations.fresh import SCHEMA_OPERATIONS
from dbshift.migrations.state import ModelKey, ProjectState

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor
    from dbshift.backends.database import Database
    from dbshift.migrations.operations.base import Operation

#: Differences in a table's indexes and constraints, which one statement each adds.
OBJECT_CODES = frozenset(CODES[kind] for kind in ("index", "unique", "foreign_key", "check"))
#: Differences a statement sequence cut short leaves, and that can be set right alone:
#: the objects above, and a default that fills a new column until the next statement
#: drops it.
FINISHABLE_CODES = OBJECT_CODES | {CODES["default"]}

#: How many differences an error lists for each state.
SHOWN = 6


def recognisable(operation: Operation) -> bool:
    """Return whether the live schema tells if ``operation`` took effect."""
    return type(operation) in SCHEMA_OPERATIONS


@dataclasses.dataclass
class Comparison:
    """The live tables an operation changes, next to the states before and after it."""

    #: The differences from each state that are not differences from the other.
    from_before: list[Drift]
    from_after: list[Drift]


@dataclasses.dataclass(frozen=True)
class Recognition:
    """What the live schema says of an operation."""

    #: The operation took effect (or was finished here); record it, do not run it.
    applied: bool
    #: Indexes and constraints created here to finish a statement sequence cut short.
    created: tuple[str, ...] = ()


class Recogniser:
    """Compare the tables one operation changes with the states around it."""

    def __init__(
        self,
        database: Database,
        connection: sa.Connection,
        before: ProjectState,
        after: ProjectState,
    ) -> None:
        self.database = database
        self.connection = connection
        #: An editor that only builds specs; nothing is run through it.
        self.specs_editor = database.schema_editor(None, collect=True)
        keys = _changed_models(before, after)
        self.before = self._specs(before, keys)
        self.after = self._specs(after, keys)
        # Tables the operation leaves as they are (a referrer whose key stays) decide nothing.
        self.names = {
            name
            for name in self.before.keys() | self.after.keys()
            if _info(self.before.get(name), self.specs_editor)
            != _info(self.after.get(name), self.specs_editor)
        }

    def recognise(self) -> Recognition | None:
        """Return whether the operation took effect; ``None`` when the tables match neither."""
        comparison = self.compare()
        if not comparison.from_before:
            return Recognition(applied=False)
        if not comparison.from_after:
            return Recognition(applied=True)
        for applied, specs, drift in (
            (True, self.after, comparison.from_after),
            (False, self.before, comparison.from_before),
        ):
            if all(item.code in FINISHABLE_CODES for item in drift):
                created = self._finish(specs, drift)
                finished = self.compare()
                if not (finished.from_after if applied else finished.from_before):
                    return Recognition(applied, tuple(created))
        return None

    def compare(self) -> Comparison:
        """Read the tables and return how they differ from each state."""
        if not self.names:
            return Comparison([], [])
        present = set(sa.inspect(self.connection).get_table_names())
        live = introspect(self.connection, ignore=present - self.names)
        from_before = set(compare_schemas(self.connection, live, self._expected(self.before)))
        from_after = set(compare_schemas(self.connection, live, self._expected(self.after)))
        common = from_before & from_after
        return Comparison(
            sorted(from_before - common, key=_order), sorted(from_after - common, key=_order)
        )

    def _expected(self, specs: dict[str, TableSpec]) -> Schema:
        return {
            name: table_info(spec, self.specs_editor)
            for name, spec in specs.items()
            if name in self.names
        }

    def _specs(self, state: ProjectState, keys: set[ModelKey]) -> dict[str, TableSpec]:
        specs: dict[str, TableSpec] = {}
        for key in keys:
            model = state.models.get(key)
            if model is None or not model.managed:
                continue
            spec = self.specs_editor.builder.table(state, model)
            specs[spec.name] = spec
            for _name, join in self.specs_editor.builder.join_tables(state, model):
                specs[join.name] = join
        return specs

    def _finish(self, specs: dict[str, TableSpec], drift: list[Drift]) -> list[str]:
        """Make the tables ``drift`` names as ``specs`` have them; say what was done."""
        editor = self.database.schema_editor(self.connection)
        done = []
        for item in drift:
            if item.code in OBJECT_CODES:
                continue
            table, _, name = item.obj.rpartition(".")
            column = next((column for column in specs[table].columns if column.name == name), None)
            if column is None or column.identity:
                return []  # numbering is no default a statement leaves behind
            editor.execute(ddl.AlterColumnDefault(table, name, column.default_sql))
            done.append(f"the default of {item.obj} set as the migration leaves it")
        done += self._create_missing(editor, specs, {item.obj for item in drift})
        editor.finish()
        return done

    def _create_missing(
        self, editor: SchemaEditor, specs: dict[str, TableSpec], tables: set[str]
    ) -> list[str]:
        """Create the indexes and constraints of ``specs`` that ``tables`` lack; name them."""
        created = []
        for name in sorted(tables & specs.keys()):
            existing = read_existing(self.connection, name, editor.index_reflection_options)
            for obj in specs[name].objects:
                # Indexes over expressions are left out of the comparison (see drift).
                if isinstance(obj, PrimaryKeySpec) or (
                    isinstance(obj, IndexSpec) and obj.expressions
                ):
                    continue
                if find_existing(obj, existing) is None:
                    editor.create_object(name, obj)
                    created.append(f"{obj.name} on {name}")
        return created


def describe_difference(comparison: Comparison) -> str:
    """Return how live tables differ from both states, a few lines each."""
    lines = []
    for label, drift in (("before", comparison.from_before), ("after", comparison.from_after)):
        lines.append(f"  Against the state {label} it:")
        lines += [f"    {item.obj}: {item.message}" for item in drift[:SHOWN]]
        if len(drift) > SHOWN:
            lines.append(f"    ... and {len(drift) - SHOWN} more")
    return "\n".join(lines)


def _changed_models(before: ProjectState, after: ProjectState) -> set[ModelKey]:
    """Return the models an operation changes, and those whose relations point at them.

    A referrer's table changes with its target: the key's column follows the
    type of the target's key, and its constraint names the target's table.
    """
    changed = {
        key
        for key in before.models.keys() | after.models.keys()
        if before.models.get(key) is not after.models.get(key)
    }
    referrers = set()
    for key in changed:
        for state in (before, after):
            model = state.models.get(key)
            if model is not None:
                referrers |= {item.key for item, _, _ in state.related_fields_to(model.label_lower)}
    return changed | referrers


def _info(spec: TableSpec | None, editor: SchemaEditor) -> object:
    return None if spec is None else table_info(spec, editor)


def _order(item: Drift) -> tuple[str, str, str]:
    return (item.obj, item.code, item.message)
