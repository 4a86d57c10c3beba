"""Operations found by the autodetector, with what each needs before it can run."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dbshift.migrations.operations.base import Operation


@dataclass(frozen=True)
class Requirement:
    """Something that must hold before an operation runs: a model or field exists or is gone."""

    app_label: str
    model: str
    field: str | None = None
    exists: bool = True

    @classmethod
    def model_exists(cls, label: str) -> Requirement:
        app_label, _, model = label.partition(".")
        return cls(app_label, model.lower())

    def __str__(self) -> str:
        what = f"{self.app_label}.{self.model}" + (f".{self.field}" if self.field else "")
        return f"{what} {'exists' if self.exists else 'is gone'}"


@dataclass(eq=False)
class PendingOperation:
    """An operation of one app, with the requirements it needs and those it satisfies."""

    app_label: str
    operation: Operation
    requires: set[Requirement] = field(default_factory=set)
    provides: set[Requirement] = field(default_factory=set)


class ChangeSet:
    """The operations of one autodetector run, in the order they were found."""

    def __init__(self) -> None:
        self.pending: list[PendingOperation] = []

    def add(
        self,
        app_label: str,
        operation: Operation,
        requires: Iterable[Requirement] = (),
        provides: Iterable[Requirement] = (),
    ) -> PendingOperation:
        item = PendingOperation(app_label, operation, set(requires), set(provides))
        self.pending.append(item)
        return item

    def __iter__(self) -> Iterator[PendingOperation]:
        return iter(self.pending)

    def __bool__(self) -> bool:
        return bool(self.pending)

    def providers(self) -> dict[Requirement, PendingOperation]:
        """Return, for each requirement some operation satisfies, the last one that does."""
        found: dict[Requirement, PendingOperation] = {}
        for item in self.pending:
            for requirement in item.provides:
                found[requirement] = item
        return found

    def by_app(self) -> dict[str, list[PendingOperation]]:
        """Return each app's operations, sorted so that each follows what it needs."""
        providers = self.providers()
        apps: dict[str, list[PendingOperation]] = {}
        for item in self.pending:
            apps.setdefault(item.app_label, []).append(item)
        return {label: _stable_sort(items, providers) for label, items in sorted(apps.items())}


def _stable_sort(
    items: list[PendingOperation], providers: dict[Requirement, PendingOperation]
) -> list[PendingOperation]:
    """Order one app's operations so that providers in the app come first, else keep order."""
    position = {id(item): index for index, item in enumerate(items)}
    waiting_on = [0] * len(items)
    unblocks: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        needed = {
            position[id(provider)]
            for provider in (providers.get(requirement) for requirement in item.requires)
            if provider is not None and provider is not item and id(provider) in position
        }
        waiting_on[index] = len(needed)
        for provider_index in needed:
            unblocks.setdefault(provider_index, []).append(index)
    ready = [index for index, count in enumerate(waiting_on) if count == 0]
    heapq.heapify(ready)
    ordered: list[PendingOperation] = []
    placed: set[int] = set()
    while len(ordered) < len(items):
        if not ready:
            # A cycle inside one app cannot come from the autodetector's steps; keep
            # the found order for whatever remains rather than lose operations.
            ready = [next(index for index in range(len(items)) if index not in placed)]
        index = heapq.heappop(ready)
        if index in placed:
            continue
        placed.add(index)
        ordered.append(items[index])
        for follower in unblocks.get(index, ()):
            waiting_on[follower] -= 1
            if waiting_on[follower] == 0:
                heapq.heappush(ready, follower)
    return ordered
