"""Plans: which migrations to apply or unapply, in which order, from which state.

Planning reads only the graph and what the database recorded, so commands that
change nothing (``migrate --plan``, ``--check``, a ``migrate`` with nothing to do)
never need a connection of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from dbshift.exceptions import IrreversibleError, PlanError
from dbshift.migrations.graph import Key, MigrationGraph
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.migration import Migration
from dbshift.migrations.state import ProjectState

#: A target: an app and a migration name, or ``None`` for "before the first" (zero).
Target = tuple[str, str | None]


@dataclass(frozen=True)
class PlanStep:
    """One migration of a plan, applied forwards or unapplied backwards."""

    migration: Migration
    backwards: bool = False

    @property
    def key(self) -> Key:
        return self.migration.key


@dataclass(frozen=True)
class Progress:
    """What the executor reports as it goes."""

    #: "note": something worth saying about the step while it runs (``note``).
    event: Literal["start", "done", "note"]
    step: PlanStep
    outcome: Literal["", "OK", "FAKED", "SKIPPED", "FAILED"] = ""
    elapsed: float = 0.0
    #: How the step was done, when not as written (for verbose output).
    note: str = ""
    #: The SQL statements the migration ran, in order (``done`` events; none when
    #: faked or skipped). SQL that ``RunPython`` code sends through the connection
    #: itself is not among them.
    statements: tuple[str, ...] = ()


ProgressCallback = Callable[[Progress], None]


class MigrationPlanner:
    """Make plans from the graph and the set of applied migrations."""

    def __init__(self, loader: MigrationLoader) -> None:
        self.loader = loader

    @property
    def graph(self) -> MigrationGraph:
        return self.loader.graph

    def plan(self, targets: Iterable[Target]) -> list[PlanStep]:
        """Return the steps that bring the database to ``targets``.

        A target ``(app, name)`` that is applied means: unapply everything of that
        app after it, and everything in other apps that depends on those.
        """
        applied = set(self.loader.applied)
        steps: list[PlanStep] = []
        forwards: list[Key] = []
        for app_label, name in targets:
            if name is None:
                for root in self.graph.root_nodes(app_label):
                    steps += self._backwards_from(root, applied)
            elif (app_label, name) in applied:
                following = sorted(
                    child
                    for child in self.graph.children[(app_label, name)]
                    if child[0] == app_label
                )
                for child in following:
                    steps += self._backwards_from(child, applied)
            else:
                forwards.append((app_label, name))
        for key in self.graph.forwards_plan_many(forwards):
            if key not in applied:
                steps.append(PlanStep(self.graph.node(key)))
                applied.add(key)
        directions = {step.backwards for step in steps}
        if len(directions) > 1:
            raise PlanError(
                "This plan would both apply and unapply migrations; migrate each app "
                "to its target with a separate command."
            )
        self._check_reversible(steps)
        return steps

    def _backwards_from(self, start: Key, applied: set[Key]) -> list[PlanStep]:
        steps = []
        for key in self.graph.backwards_plan(start):
            if key in applied:
                steps.append(PlanStep(self.graph.node(key), backwards=True))
                applied.discard(key)
        return steps

    @staticmethod
    def _check_reversible(steps: list[PlanStep]) -> None:
        for step in steps:
            if not step.backwards:
                continue
            for operation in step.migration.operations:
                if not operation.reversible:
                    raise IrreversibleError(
                        f"Migration {step.migration} cannot be unapplied: operation "
                        f"'{operation.describe()}' is irreversible. Nothing was changed."
                    )

    # -- States ---------------------------------------------------------------------------

    def state_before(self) -> ProjectState:
        """Return the state of the applied migrations, where a forwards plan starts."""
        applied = [key for key in self.loader.applied if key in self.graph]
        return self.loader.project_state(applied) if applied else ProjectState()

    def state_after(self, steps: list[PlanStep]) -> ProjectState:
        """Return the state after applying ``steps`` (forwards) to what is applied.

        When the steps are the whole history from nothing, that is the state the
        history index keeps, and no migration file needs importing.
        """
        if not self.loader.applied and len(steps) == len(self.graph.nodes):
            return self.loader.project_state()
        state = self.state_before()
        for step in steps:
            step.migration.mutate_state(state, preserve=False)
        return state

    def states_for_unapply(self, steps: list[PlanStep]) -> UnapplyStates:
        """Return, for each migration to unapply, the state just before it was applied.

        The states come from a history that applies the migrations that stay first,
        then those of ``steps`` in reverse: no migration that stays depends on one
        that goes, and the steps, asked for in order, walk that history backwards.
        """
        pending = [step.key for step in steps]
        going = set(pending)
        staying: list[Key] = []
        for key in self.graph.forwards_plan_many(self.loader.all_leaves()):
            if key in going:
                going.discard(key)
                if not going:
                    break
            elif key in self.loader.applied:
                staying.append(key)
        return UnapplyStates(self.graph, staying + pending[::-1])


class UnapplyStates:
    """The state before each migration of a history, computed as it is asked for.

    Keeping a copy of the state before each of thousands of migrations costs
    gigabytes on big projects. Only every :attr:`SEGMENT`-th state is kept; the
    states of one segment are rebuilt from its first when one of them is needed,
    and a rollback, which asks for them last first, rebuilds each segment once.
    """

    SEGMENT = 64

    def __init__(self, graph: MigrationGraph, history: list[Key]) -> None:
        self.graph = graph
        self.position = {key: index for index, key in enumerate(history)}
        self.history = history
        self.checkpoints: list[ProjectState] = []
        state = ProjectState()
        for index, key in enumerate(history):
            if index % self.SEGMENT == 0:
                self.checkpoints.append(state.clone())
            self.graph.node(key).mutate_state(state, preserve=False)
        self._segment = -1
        self._states: list[ProjectState] = []

    def __getitem__(self, key: Key) -> ProjectState:
        index = self.position[key]
        segment, offset = divmod(index, self.SEGMENT)
        if segment != self._segment:
            self._states = self._rebuild(segment)
            self._segment = segment
        return self._states[offset]

    def _rebuild(self, segment: int) -> list[ProjectState]:
        state = self.checkpoints[segment].clone()
        start = segment * self.SEGMENT
        states = []
        for key in self.history[start : start + self.SEGMENT]:
            states.append(state.clone())
            self.graph.node(key).mutate_state(state, preserve=False)
        return states
