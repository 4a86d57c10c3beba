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
that state differ (missing, or left by the other state: an index renamed with
its table, say; or a column keeps the default that filled it), those are put
right and the tables compared again.
Only schema operations are recognised: code and hand-written SQL say nothing
about the schema they leave.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dbshift.backends import ddl
from dbshift.backends.drift import CODES, Drift, compare_schemas
from dbshift.backends.introspection import Schema, TableInfo, introspect, table_info
from dbshift.backends.spec import SchemaObject, TableSpec
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
    return operation.schema_only


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
    #: What was done here to finish a statement sequence cut short, or to undo it.
    changes: tuple[str, ...] = ()


#: What identifies an index or constraint in the comparison (see drift): an index by
#: its name, a unique rule, a foreign key and a check by what they are (a check's name).
ObjectKey = tuple[object, ...]


class Recogniser:
    """Compare the tables one operation changes with the states around it."""

    def __init__(
        self,
        database: Database,
        connection: sa.Connection,
        before: ProjectState,
        after: ProjectState,
        make_editor: Callable[[sa.Connection], SchemaEditor] | None = None,
    ) -> None:
        self.database = database
        self.connection = connection
        #: Gives the editor that runs what finishing a cut operation takes.
        self.make_editor = make_editor or database.schema_editor
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
        #: The tables as last read.
        self.live: Schema = {}

    def recognise(self) -> Recognition | None:
        """Return whether the operation took effect; ``None`` when the tables match neither."""
        comparison = self.compare()
        if not comparison.from_before:
            return Recognition(applied=False)
        if not comparison.from_after:
            return Recognition(applied=True)
        for applied, target, other, drift in (
            (True, self.after, self.before, comparison.from_after),
            (False, self.before, self.after, comparison.from_before),
        ):
            if all(item.code in FINISHABLE_CODES for item in drift):
                changes = self._finish(target, other, drift)
                finished = self.compare()
                if not (finished.from_after if applied else finished.from_before):
                    return Recognition(applied, tuple(changes))
        return None

    def compare(self) -> Comparison:
        """Read the tables and return how they differ from each state."""
        if not self.names:
            return Comparison([], [])
        present = set(sa.inspect(self.connection).get_table_names())
        self.live = introspect(self.connection, ignore=present - self.names)
        from_before = set(compare_schemas(self.connection, self.live, self._expected(self.before)))
        from_after = set(compare_schemas(self.connection, self.live, self._expected(self.after)))
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

    def _finish(
        self, target: dict[str, TableSpec], other: dict[str, TableSpec], drift: list[Drift]
    ) -> list[str]:
        """Make the tables ``drift`` names as ``target`` has them; say what was done.

        Only objects of the other state are dropped: one that neither state has
        was put there by someone else, and stays.
        """
        editor = self.make_editor(self.connection)
        changes: list[str] = []
        for item in drift:
            if item.code not in OBJECT_CODES:
                change = self._set_default(editor, target, item)
                if change is None:
                    return changes
                changes.append(change)
        theirs = {key: obj for spec in other.values() for key, obj in _spec_objects(spec).items()}
        for table in sorted({item.obj for item in drift} & target.keys() & self.live.keys()):
            have = _info_objects(self.live[table])
            want = _spec_objects(target[table])
            for key in sorted((have - want.keys()) & theirs.keys(), key=_drop_first):
                editor.drop_object(table, theirs[key])
                changes.append(f"dropped {_described(theirs[key], table)}")
            for key in sorted(want.keys() - have, key=_drop_first, reverse=True):
                editor.create_object(table, want[key])
                changes.append(f"created {_described(want[key], table)}")
        editor.finish()
        return changes

    def _set_default(
        self, editor: SchemaEditor, target: dict[str, TableSpec], item: Drift
    ) -> str | None:
        """Give a column the default ``target`` has; ``None`` if that is no default to set."""
        table, _, name = item.obj.rpartition(".")
        spec = target.get(table)
        column = (
            next((column for column in spec.columns if column.name == name), None) if spec else None
        )
        if column is None or column.identity:
            return None  # numbering is no default a statement leaves behind
        editor.execute(ddl.AlterColumnDefault(table, name, column.default_sql))
        return f"set the default of {item.obj}"


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


def _spec_objects(spec: TableSpec) -> dict[ObjectKey, SchemaObject]:
    """Return the indexes and constraints of ``spec`` by what identifies them."""
    objects: dict[ObjectKey, SchemaObject] = {}
    for index in spec.indexes:
        if index.expressions:
            continue  # left out of the comparison (see drift)
        if index.unique and index.where is None:
            objects["unique", index.columns] = index
        else:
            objects["index", index.name, index.columns, index.where is not None] = index
    for key in spec.foreign_keys:
        objects[_key_of(key.column, key.to_table, key.to_column, key.on_delete)] = key
    for check in spec.checks:
        if check.name:
            objects["check", check.name] = check
    return objects


def _info_objects(table: TableInfo) -> set[ObjectKey]:
    """Return what identifies each index and constraint of a table read from the database."""
    keys: set[ObjectKey] = {("unique", rule.columns) for rule in table.unique_constraints}
    for index in table.indexes:
        if not index.columns or None in index.columns:
            continue
        if index.unique and not index.partial:
            keys.add(("unique", index.columns))
        else:
            keys.add(("index", index.name, index.columns, index.partial))
    for key in table.foreign_keys:
        keys.add(
            ("fk", key.columns, key.target_table, key.target_columns, key.on_delete or "NO ACTION")
        )
    keys |= {("check", name) for name in table.checks if name}
    return keys


def _key_of(column: str, table: str, target: str, on_delete: str | None) -> ObjectKey:
    return ("fk", (column,), table, (target,), on_delete or "NO ACTION")


def _drop_first(key: ObjectKey) -> tuple[int, str]:
    """Order keys first, as a key may need a unique rule another drop would take away."""
    return (0 if key[0] == "fk" else 1, repr(key))


def _described(obj: SchemaObject, table: str) -> str:
    kind = {"fk": "foreign key", "check": "check"}.get(str(obj.signature[0]), "index")
    name = f" {obj.name}" if obj.name else ""
    return f"{kind}{name} on {table}"


def _info(spec: TableSpec | None, editor: SchemaEditor) -> object:
    return None if spec is None else table_info(spec, editor)


def _order(item: Drift) -> tuple[str, str, str]:
    return (item.obj, item.code, item.message)
