"""What the fast paths of a run did, and what a fast path that breaks turns into.

Two fast paths stand in for running migrations one transaction each: the build
of an empty database (:mod:`dbshift.migrations.fresh`) and shared transactions
(:mod:`dbshift.migrations.batch`). Either may decline (a history with code or a
model it cannot build) and then simply is not taken. Either may also raise, and
then its migrations run one at a time: if one of those fails as well, the fast
path only met that failure first, and the usual error names the migration. If
they all succeed, the fast path itself broke, which would otherwise only show as
a slower ``migrate``. By default that becomes a note in verbose output; with
:data:`STRICT_VARIABLE` set to ``1`` it is a :class:`FastPathError`.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dbshift.exceptions import FastPathError
from dbshift.migrations.graph import Key, format_key
from dbshift.utils.imports import describe_exception

#: The environment variable that makes a broken fast path an error (the test suite sets it).
STRICT_VARIABLE = "DBSHIFT_STRICT_FAST_PATHS"


def strict_from_environment(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether ``DBSHIFT_STRICT_FAST_PATHS`` asks for strict fast paths."""
    value = (os.environ if environ is None else environ).get(STRICT_VARIABLE, "")
    return value.strip().lower() not in ("", "0", "false", "no")


@dataclass
class Fallback:
    """A fast path that raised, and the migrations that must now run one by one."""

    path: str
    keys: list[Key]
    error: Exception
    #: The migrations of :attr:`keys` not run one by one yet.
    pending: set[Key] = field(default_factory=set)

    def message(self) -> str:
        first, last = format_key(self.keys[0]), format_key(self.keys[-1])
        span = first if first == last else f"{first} to {last}"
        return (
            f"{self.path} failed ({describe_exception(self.error)}), but {span} then ran "
            "one by one without error: the fast path broke, which is a defect in dbshift."
        )


class FastPathReport:
    """Count the migrations each fast path ran, and judge the fast paths that raised."""

    def __init__(self, strict: bool, notes: list[str]) -> None:
        self.strict = strict
        #: Where a broken fast path is noted when not strict (the executor's verbose notes).
        self.notes = notes
        #: The migrations the fresh build stood in for.
        self.built: list[Key] = []
        #: The migrations that ran in a shared transaction.
        self.batched: list[Key] = []
        self.fallbacks: list[Fallback] = []

    def failed(self, path: str, keys: Iterable[Key], error: Exception) -> None:
        """Note that fast path ``path`` raised ``error``; ``keys`` now run one by one."""
        keys = list(keys)
        if keys:
            self.fallbacks.append(Fallback(path, keys, error, set(keys)))

    def ran(self, keys: Iterable[Key]) -> None:
        """Note that ``keys`` ran without error; raise if that clears a fast path that broke."""
        done = set(keys)
        for fallback in list(self.fallbacks):
            fallback.pending -= done
            if fallback.pending:
                continue
            self.fallbacks.remove(fallback)
            if self.strict:
                trace = "".join(traceback.format_exception(fallback.error)).rstrip()
                raise FastPathError(
                    f"{fallback.message()} The migrations are applied. Unset "
                    f"{STRICT_VARIABLE} to let dbshift fall back quietly.\n{trace}"
                ) from fallback.error
            self.notes.append(fallback.message())
