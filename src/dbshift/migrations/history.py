"""Comparing what a database recorded as applied with the migration files on disk.

Two things break a history without failing loudly: editing a migration after it
was applied (the database never runs the edit) and deleting an applied migration
(the chain loses a link). Both are found here, by the recorded checksums and by
the rows that have no file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dbshift.migrations.applied import AppliedMigration
from dbshift.migrations.checksum import Checksum, describe_changes
from dbshift.migrations.graph import Key, format_key
from dbshift.migrations.loader import MigrationLoader


@dataclass(frozen=True)
class HistoryProblem:
    """An applied migration whose file was edited or deleted."""

    key: Key
    kind: Literal["edited", "missing"]
    changes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        label = format_key(self.key)
        if self.kind == "missing":
            return f"Migration {label} is applied but its file is gone."
        return f"Migration {label} was edited after it was applied: {'; '.join(self.changes)}."

    @property
    def hint(self) -> str:
        app, name = self.key
        if self.kind == "missing":
            return (
                "Restore the file (squash migrations instead of deleting applied ones); if "
                f"it was removed on purpose, run 'dbshift migrate {app} --prune' to forget it."
            )
        return (
            "Restore the file as it was applied and put the change in a new migration; if "
            "the edit was intended and the database already matches it, accept it with "
            f"'dbshift repair {app} {name}'."
        )


def find_history_problems(
    loader: MigrationLoader, applied: Mapping[Key, AppliedMigration]
) -> list[HistoryProblem]:
    """Return the applied migrations that were edited or deleted since."""
    replaced_on_disk = {key for squash in loader.replacements.values() for key in squash.replaces}
    problems = []
    for key, row in sorted(applied.items()):
        migration = loader.disk_migrations.get(key)
        if migration is None:
            if key not in replaced_on_disk:
                problems.append(HistoryProblem(key, "missing"))
            continue
        recorded = Checksum.parse(row.checksum)
        if not recorded.comparable or loader.checksum(key, recorded.scheme).whole == recorded.whole:
            continue
        changes = describe_changes(recorded, migration)
        if changes:
            problems.append(HistoryProblem(key, "edited", tuple(changes)))
    return problems
