"""Folding a list of operations into a shorter one with the same effect.

Each operation knows how it combines with a later one (``Operation.reduce``); this
module only searches for pairs that may combine. A pair may combine when every
operation between them can be moved out of the way: the result takes the later
operation's place if the earlier one may move right past the operations in
between, or the earlier one's place if the later one may move left past them.
The search repeats until nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from dbshift.migrations.operations.base import Operation


def optimize(operations: Sequence[Operation], app_label: str) -> list[Operation]:
    """Return ``operations`` folded as far as they go."""
    current = list(operations)
    while True:
        folded = _fold_once(current, app_label)
        if folded is None:
            return current
        current = folded


def _fold_once(operations: list[Operation], app_label: str) -> list[Operation] | None:
    """Return the list with the first foldable pair folded, or ``None`` if there is none."""
    for first_index, first in enumerate(operations):
        may_move_right = True
        for second_index in range(first_index + 1, len(operations)):
            second = operations[second_index]
            result = first.reduce(second, app_label)
            if isinstance(result, list):
                between = operations[first_index + 1 : second_index]
                if may_move_right:
                    merged = [*between, *result]
                elif all(operation.reduce(second, app_label) is True for operation in between):
                    merged = [*result, *between]
                else:
                    break
                return [
                    *operations[:first_index],
                    *merged,
                    *operations[second_index + 1 :],
                ]
            if not result:
                may_move_right = False
    return None
