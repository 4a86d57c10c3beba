"""The dependency graph of migrations, and the plans walked through it.

Every walk is iterative, so a history of any length plans without touching
Python's recursion limit, and every walk visits parents and children in sorted
order, so plans are the same on every machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from dbshift.exceptions import CircularDependencyError, NodeNotFoundError

if TYPE_CHECKING:
    from dbshift.migrations.migration import Migration

Key = tuple[str, str]


def format_key(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


class MigrationGraph:
    """Migrations as nodes, with an edge from each migration to those it depends on."""

    def __init__(self) -> None:
        self.nodes: dict[Key, Migration | None] = {}
        self.parents: dict[Key, set[Key]] = {}
        self.children: dict[Key, set[Key]] = {}
        #: Dependencies on nodes that do not exist: child -> [(missing parent, reason)].
        self._dangling: list[tuple[Key, Key]] = []
        #: Roots and leaves per app, computed once after each change of the graph.
        self._end_cache: dict[int, dict[str, list[Key]]] = {}

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    # -- Building -----------------------------------------------------------------------

    def add_node(self, key: Key, migration: Migration | None) -> None:
        self._end_cache.clear()
        self.nodes[key] = migration
        self.parents.setdefault(key, set())
        self.children.setdefault(key, set())

    def add_dependency(self, child: Key, parent: Key) -> None:
        """Record that ``child`` depends on ``parent``; a missing node is reported later."""
        if child not in self.nodes or parent not in self.nodes:
            self._dangling.append((child, parent))
            return
        self._end_cache.clear()
        self.parents[child].add(parent)
        self.children[parent].add(child)

    def validate_consistency(self) -> None:
        """Raise :class:`NodeNotFoundError` for a dependency on a migration that does not exist."""
        for child, parent in self._dangling:
            if child not in self.nodes:
                continue
            if parent not in self.nodes:
                known = sorted(name for app, name in self.nodes if app == parent[0])
                hint = (
                    f" Migrations of '{parent[0]}': {', '.join(known)}."
                    if known
                    else (f" App '{parent[0]}' has no migrations.")
                )
                raise NodeNotFoundError(
                    f"Migration {format_key(child)} depends on {format_key(parent)}, which "
                    f"does not exist.{hint} Fix the dependency in the migration file."
                )
            self.add_dependency(child, parent)
        self._dangling.clear()

    def remove_node(self, key: Key) -> None:
        self._end_cache.clear()
        for parent in self.parents.pop(key, ()):
            self.children[parent].discard(key)
        for child in self.children.pop(key, ()):
            self.parents[child].discard(key)
        self.nodes.pop(key, None)

    def remove_replaced_nodes(self, replacement: Key, replaced: Iterable[Key]) -> None:
        """Put a squash in place of the migrations it replaces."""
        self._end_cache.clear()
        replaced = set(replaced)
        for key in replaced:
            if key not in self.nodes:
                continue
            for child in self.children[key]:
                if child not in replaced and child != replacement:
                    self.parents[child].add(replacement)
                    self.children[replacement].add(child)
            for parent in self.parents[key]:
                if parent not in replaced and parent != replacement:
                    self.children[parent].add(replacement)
                    self.parents[replacement].add(parent)
        for key in replaced:
            if key in self.nodes:
                self.remove_node(key)

    def remove_replacement_node(self, replacement: Key, replaced: list[Key]) -> None:
        """Drop a squash and let its dependents depend on the last migration it replaces."""
        self._end_cache.clear()
        last = next((key for key in reversed(replaced) if key in self.nodes), None)
        for child in self.children.get(replacement, set()).copy():
            if last is not None and child not in replaced:
                self.parents[child].add(last)
                self.children[last].add(child)
        self.remove_node(replacement)

    # -- Walking ------------------------------------------------------------------------

    def node(self, key: Key) -> Migration:
        try:
            migration = self.nodes[key]
        except KeyError:
            raise NodeNotFoundError(f"Migration {format_key(key)} does not exist.") from None
        assert migration is not None
        return migration

    def forwards_plan(self, target: Key) -> list[Key]:
        """Return ``target`` and every migration it depends on, dependencies first."""
        return self.forwards_plan_many([target])

    def forwards_plan_many(self, targets: Iterable[Key]) -> list[Key]:
        """Return the targets and their dependencies, each once, dependencies first."""
        return self._post_order(targets, self.parents)

    def backwards_plan(self, target: Key) -> list[Key]:
        """Return ``target`` and every migration that depends on it, dependents first."""
        return self._post_order([target], self.children)

    def _post_order(self, starts: Iterable[Key], edges: dict[Key, set[Key]]) -> list[Key]:
        order: list[Key] = []
        done: set[Key] = set()
        for start in starts:
            if start not in self.nodes:
                raise NodeNotFoundError(f"Migration {format_key(start)} does not exist.")
            if start in done:
                continue
            on_path = {start}
            stack: list[tuple[Key, Iterator[Key]]] = [(start, iter(sorted(edges[start])))]
            while stack:
                key, pending = stack[-1]
                for following in pending:
                    if following in done:
                        continue
                    if following in on_path:
                        path = [item for item, _ in stack]
                        raise CircularDependencyError(
                            _cycle_message([*path[path.index(following) :], following])
                        )
                    on_path.add(following)
                    stack.append((following, iter(sorted(edges[following]))))
                    break
                else:
                    stack.pop()
                    on_path.discard(key)
                    done.add(key)
                    order.append(key)
        return order

    def ensure_not_cyclic(self) -> None:
        """Raise :class:`CircularDependencyError` naming the migrations of a cycle."""
        self._post_order(sorted(self.nodes), self.parents)

    def root_nodes(self, app_label: str | None = None) -> list[Key]:
        """Return the migrations with no parent in their own app."""
        return self._ends(app_label, self.parents)

    def leaf_nodes(self, app_label: str | None = None) -> list[Key]:
        """Return the migrations with no child in their own app."""
        return self._ends(app_label, self.children)

    def _ends(self, app_label: str | None, edges: dict[Key, set[Key]]) -> list[Key]:
        cache = self._end_cache.setdefault(id(edges), {})
        if not cache:
            for key in sorted(self.nodes):
                if not any(other[0] == key[0] for other in edges[key]):
                    cache.setdefault(key[0], []).append(key)
        if app_label is not None:
            return list(cache.get(app_label, []))
        return sorted(key for keys in cache.values() for key in keys)

    def app_nodes(self, app_label: str) -> list[Key]:
        return sorted(key for key in self.nodes if key[0] == app_label)


def _cycle_message(path: list[Key]) -> str:
    # ``path`` runs from a migration through what it depends on back to itself.
    chain = " -> ".join(format_key(key) for key in path)
    return (
        f"Migration dependencies form a cycle: {chain} (each depends on the next). "
        "Remove one of these dependencies."
    )
