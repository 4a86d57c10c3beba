"""Run the lint rules over the SQL that a plan of migrations would run.

Every operation is read through the SQL its schema editor writes, so
dbshift's own operations and ``RunSQL`` are judged by the same rules. The plan's
migrations are taken in order, each from the state the ones before it leave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dbshift.actions.sqlmigrate import collect_sql
from dbshift.exceptions import BadMigrationError
from dbshift.findings import Finding, Level
from dbshift.lint.rules import Rule, SchemaView, Scope
from dbshift.lint.sqlscan import Action, read_actions
from dbshift.migrations.graph import format_key
from dbshift.migrations.state import ProjectState

if TYPE_CHECKING:
    from dbshift.backends.database import Database
    from dbshift.migrations.graph import Key
    from dbshift.migrations.loader import MigrationLoader
    from dbshift.migrations.migration import Migration


@dataclass(frozen=True)
class LintFinding:
    """One hazard: the rule, and the migration, operation and statement that have it."""

    rule: type[Rule]
    migration: Key
    operation: str
    action: Action

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def level(self) -> Level:
        return self.rule.level

    @property
    def message(self) -> str:
        rule, action = self.rule, self.action
        if rule.locks:
            effect = f" and {rule.effect}" if rule.effect else ""
            article = "an" if rule.lock[0] in "AEIOU" else "a"
            what = f"takes {article} {rule.lock} lock on {action.table or 'its table'}{effect}."
        else:
            what = f"changes {rule.subject(action)}, which the running code uses."
        return f"{self.operation}: `{action.statement}` {what} {rule.why}"

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.rule.name,
            "level": self.level.name,
            "migration": format_key(self.migration),
            "operation": self.operation,
            "statement": self.action.statement,
            "table": self.action.table,
            "lock": self.rule.lock or None,
            "effect": self.rule.effect or None,
            "why": self.rule.why,
            "instead": self.rule.instead,
        }

    def as_finding(self, prefix: str = "") -> Finding:
        """Return this finding in ``check``'s terms, its id under ``prefix``."""
        return Finding(
            f"{prefix}{self.id}",
            self.level,
            format_key(self.migration),
            f"({self.rule.name}) {self.message}",
            self.rule.instead,
        )


def active_rules(database: Database) -> list[type[Rule]]:
    """Return the rules that hold on ``database``, by id."""
    features = database.backend.features
    return [
        rule
        for _, rule in sorted(Rule.registry.items())
        if features.ddl_locks_tables or not rule.locks
    ]


def lint_plan(
    database: Database,
    loader: MigrationLoader,
    keys: Iterable[Key],
    together: bool,
) -> list[LintFinding]:
    """Return the findings of migrations ``keys``.

    With ``together`` the keys form one plan, run in one go: a table one of them
    creates is new to the others. Otherwise each migration is judged on its own.
    """
    wanted = set(keys)
    rules = active_rules(database)
    builder = database.schema_editor(None, collect=True).builder
    state = ProjectState()
    scope: Scope | None = None
    findings: list[LintFinding] = []
    for key in loader.graph.forwards_plan_many(list(wanted)):
        migration = loader.graph.node(key)
        if key in wanted:
            if scope is None or not together:
                running = SchemaView(state.clone(), builder)
                scope = Scope(running=running, current=running)
            scope.current = SchemaView(state, builder)
            findings += _lint_migration(database, loader, migration, state, scope, rules)
        migration.mutate_state(state, preserve=False)
    return findings


def _accepted(migration: Migration) -> set[str]:
    """Return the rule ids ``migration`` accepts, refusing one that names no rule."""
    accepted = set(migration.lint_accept)
    unknown = sorted(accepted - set(Rule.registry))
    if unknown:
        raise BadMigrationError(
            f"Migration {format_key(migration.key)}: lint_accept lists {', '.join(unknown)}, "
            f"which no lint rule has as its id (the ids are {', '.join(sorted(Rule.registry))}). "
            "Fix lint_accept in the migration file."
        )
    return accepted


def _dropped_by_rebuilds(actions: list[Action], scope: Scope) -> Iterator[Action]:
    """Yield a ``drop_column`` for each column a table rebuild leaves out.

    SQLite changes some tables by creating a copy, dropping the table and renaming
    the copy to its name; a column the copy lacks is dropped.
    """
    created = {action.table: action for action in actions if action.kind == "create_table"}
    for action in actions:
        copy = created.get(action.table)
        old = scope.running.table(action.name)
        if action.kind != "rename_table" or copy is None or old is None:
            continue
        for column in old.columns:
            if (
                column.name not in copy.columns
                and (action.name, column.name) not in scope.gone_columns
            ):
                yield Action("drop_column", action.name, column.name, statement=copy.statement)


def _lint_migration(
    database: Database,
    loader: MigrationLoader,
    migration: Migration,
    before: ProjectState,
    scope: Scope,
    rules: list[type[Rule]],
) -> list[LintFinding]:
    accepted = _accepted(migration)
    findings = []
    scope.not_valid_in_transaction = set()
    for part in collect_sql(database, loader, migration, before=before):
        if not migration.atomic:
            scope.not_valid_in_transaction = set()  # each operation commits on its own
        actions = read_actions("\n".join(part.statements))
        scope.rebuilt_tables = {
            action.name for action in actions if action.kind == "rename_table" and action.name
        }
        actions += list(_dropped_by_rebuilds(actions, scope))
        for action in actions:
            findings += [
                LintFinding(rule, migration.key, part.operation.describe(), action)
                for rule in rules
                if rule.id not in accepted and rule.matches(action, scope)
            ]
            scope.note(action)
    return findings
