"""Folding a list of operations into a shorter one with the same effect.

Each operation knows how it combines with a later one (``Operation.reduce``); this
module only searches for pairs that may combine. A pair may combine when every
operation between them can be moved out of the way: the result takes the later
operation's place if the earlier one may move right past the operations in
between, or the earlier one's place if the later one may move left past them.
The first foldable pair, scanning earlier operations first, is folded, and the
search starts again until nothing changes.

Restarting the search after every fold costs a full scan of all pairs, which made
a few hundred new models take minutes. The search below finds the same pairs in the
same order, but asks each pair of operations only once: ``reduce`` depends only on
the two operations, and folding never changes the order of the operations it keeps,
so an operation's answers about the ones after it stay valid, and only the
operations a fold creates are new to it. An answer of "may move past" changes
nothing in a scan, so each operation keeps only its other answers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count

from dbshift.migrations.operations.base import Operation

Reduction = list[Operation] | bool


def optimize(operations: Sequence[Operation], app_label: str) -> list[Operation]:
    """Return ``operations`` folded as far as they go."""
    folder = _Folder(operations, app_label)
    while folder.fold_first():
        pass
    return [entry.operation for entry in folder.entries]


@dataclass(eq=False)
class _Entry:
    """One place in the list being folded, with what its operation said about later ones."""

    serial: int
    operation: Operation
    #: Answers other than "may move past", by the serial of the later entry.
    blocking: dict[int, Reduction] = field(default_factory=dict)
    #: Every entry with a serial up to this one has been asked (-1: none yet).
    asked_up_to: int = -1


class _Folder:
    """The list being folded, and the answers ``reduce`` gave so far."""

    def __init__(self, operations: Sequence[Operation], app_label: str) -> None:
        self.app_label = app_label
        self.serials = count()
        self.entries = [self._new_entry(operation) for operation in operations]
        self.by_serial = {entry.serial: entry for entry in self.entries}
        #: Serials of the entries folds created, in creation (and so increasing) order.
        self.created_serials: list[int] = []
        self.last_serial = len(self.entries) - 1
        self.positions: dict[int, int] = {}
        self._index()
        # Keeps the operations alive, so that their ids stay unique keys of ``answers``.
        self.answers: dict[tuple[int, int], tuple[Operation, Operation, Reduction]] = {}
        #: The entry between two entries that kept the later one from moving left, by
        #: their serials.
        self.obstacles: dict[tuple[int, int], int] = {}

    def _new_entry(self, operation: Operation) -> _Entry:
        entry = _Entry(next(self.serials), operation)
        self.last_serial = entry.serial
        return entry

    def _index(self) -> None:
        self.positions = {entry.serial: index for index, entry in enumerate(self.entries)}

    def reduce(self, first: Operation, second: Operation) -> Reduction:
        """Return ``first.reduce(second)``, asking each pair of operations once."""
        key = (id(first), id(second))
        known = self.answers.get(key)
        if known is None:
            known = (first, second, first.reduce(second, self.app_label))
            self.answers[key] = known
        return known[2]

    def fold_first(self) -> bool:
        """Fold the first foldable pair; return whether there was one."""
        for first_index, first in enumerate(self.entries):
            self._ask_new(first, first_index)
            if self._fold_from(first, first_index):
                return True
        return False

    def _ask_new(self, first: _Entry, first_index: int) -> None:
        """Record what ``first`` says about the later entries it was not asked about yet."""
        if first.asked_up_to < 0:
            later = self.entries[first_index + 1 :]
        else:
            unasked = self.created_serials[bisect_right(self.created_serials, first.asked_up_to) :]
            later = [
                self.by_serial[serial]
                for serial in unasked
                if self.positions.get(serial, -1) > first_index
            ]
        for second in later:
            result = self.reduce(first.operation, second.operation)
            if isinstance(result, list) or not result:
                first.blocking[second.serial] = result
        first.asked_up_to = self.last_serial

    def _fold_from(self, first: _Entry, first_index: int) -> bool:
        """Fold ``first`` with the first later entry it combines with, as the scan would."""
        may_move_right = True
        for second_index, result in self._blocking_in_order(first, first_index):
            if not isinstance(result, list):
                may_move_right = False
                continue
            between = self.entries[first_index + 1 : second_index]
            moves_left = not may_move_right
            if moves_left and self._held_back(first_index, second_index):
                return False
            created = [self._new_entry(operation) for operation in result]
            merged = [*created, *between] if moves_left else [*between, *created]
            self._replace(first_index, second_index, merged, created)
            return True
        return False

    def _held_back(self, first_index: int, second_index: int) -> bool:
        """Return whether an entry between the two keeps the second one from moving left.

        The entry found last time is looked at first: while it stays between them,
        the answer stays the same.
        """
        second = self.entries[second_index]
        key = (self.entries[first_index].serial, second.serial)
        known = self.obstacles.get(key)
        if known is not None and first_index < self.positions.get(known, -1) < second_index:
            return True
        for entry in self.entries[first_index + 1 : second_index]:
            if self.reduce(entry.operation, second.operation) is not True:
                self.obstacles[key] = entry.serial
                return True
        return False

    def _blocking_in_order(self, first: _Entry, first_index: int) -> list[tuple[int, Reduction]]:
        """Return (position, answer) of the entries still after ``first`` that do not let it by."""
        found = []
        for serial, result in first.blocking.items():
            position = self.positions.get(serial, -1)
            if position > first_index:
                found.append((position, result))
        found.sort(key=lambda item: item[0])
        return found

    def _replace(
        self, first_index: int, second_index: int, merged: list[_Entry], created: list[_Entry]
    ) -> None:
        for gone in (self.entries[first_index], self.entries[second_index]):
            del self.by_serial[gone.serial]
        for entry in created:
            self.by_serial[entry.serial] = entry
            self.created_serials.append(entry.serial)
        self.entries[first_index : second_index + 1] = merged
        self._index()
