"""Queries over the dependency graph: ready work, blocked work, cycles, trees.

All of it works on index rows (tuples), never on decoded beads, so a 100k ledger
is answered without parsing it.
"""
from __future__ import annotations

from gastown.beads import schema
from gastown.beads.index import (
    BLOCKERS,
    CREATED,
    DEFER,
    ID,
    KIND,
    PARENT,
    PRIORITY,
    STATUS,
    Row,
)

TYPE_CHECKING = False  # the git hooks import this: typing and datetime load only when used
if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

_GONE = ("closed", "tombstone")


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def age_key(row: Row) -> tuple[int, float, str]:
    """Ready order: priority, then oldest first, then id."""
    moment = _timestamp(row[CREATED])
    return (row[PRIORITY], moment.timestamp() if moment else float("inf"), row[ID])


class Blocking:
    """Which beads are blocked: by an open `blocks` dependency, or through a parent."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = {r[ID]: r for r in rows}
        self._memo: dict[str, bool] = {}

    def open_blockers(self, row: Row) -> list[str]:
        """Blockers that exist and are neither closed nor tombstoned."""
        out = []
        for target in row[BLOCKERS]:
            t = self.rows.get(target)
            if t is not None and t[STATUS] not in _GONE:
                out.append(target)
        return out

    def blocked(self, bead_id: str) -> bool:
        memo = self._memo
        if bead_id in memo:
            return memo[bead_id]
        # Walk up the parent chain iteratively; a parent cycle blocks nobody by itself.
        chain: list[str] = []
        seen: set[str] = set()
        current: str | None = bead_id
        result = False
        while current is not None and current not in seen:
            if current in memo:
                result = memo[current]
                break
            row = self.rows.get(current)
            if row is None:
                break
            seen.add(current)
            chain.append(current)
            if self.open_blockers(row):
                result = True
                break
            current = row[PARENT]
        for bid in chain:
            # Everything below a blocked ancestor is blocked; above it, not known to be.
            memo[bid] = result
        return result

    def blocked_via(self, bead_id: str) -> list[str]:
        """Why a bead is blocked: its open blockers, else the nearest blocked ancestor."""
        row = self.rows.get(bead_id)
        if row is None:
            return []
        direct = self.open_blockers(row)
        if direct:
            return direct
        parent = row[PARENT]
        seen = {bead_id}
        while parent is not None and parent not in seen and parent in self.rows:
            seen.add(parent)
            if self.open_blockers(self.rows[parent]):
                return [parent]
            parent = self.rows[parent][PARENT]
        return []


def ready(rows: Iterable[Row], now: datetime | None = None) -> list[Row]:
    """Open work with nothing blocking it, most urgent and oldest first."""
    from datetime import datetime, timezone

    rows = list(rows)
    now = now or datetime.now(timezone.utc)
    blocking = Blocking(rows)
    out = []
    for r in rows:
        if r[STATUS] != "open" or r[KIND] not in schema.WORK_KINDS:
            continue
        if r[DEFER]:
            until = _timestamp(r[DEFER])
            if until is not None and until > now:
                continue
        if blocking.blocked(r[ID]):
            continue
        out.append(r)
    out.sort(key=age_key)
    return out


def blocked(rows: Iterable[Row]) -> list[tuple[Row, list[str]]]:
    """Unfinished work that is blocked, with what blocks it."""
    rows = list(rows)
    blocking = Blocking(rows)
    out = []
    for r in rows:
        if r[STATUS] in _GONE or r[KIND] not in schema.WORK_KINDS:
            continue
        if blocking.blocked(r[ID]):
            out.append((r, blocking.blocked_via(r[ID])))
    out.sort(key=lambda pair: age_key(pair[0]))
    return out


def edges(row: Row) -> list[str]:
    return [*row[BLOCKERS], *((row[PARENT],) if row[PARENT] else ())]


def cycles(rows: Iterable[Row]) -> list[list[str]]:
    """Each dependency cycle once (blocks and parent-child edges), iteratively."""
    graph = {r[ID]: edges(r) for r in rows}
    WHITE, GREY, BLACK = 0, 1, 2
    color = dict.fromkeys(graph, WHITE)
    found: list[list[str]] = []
    seen_cycles: set[frozenset[str]] = set()
    for start in graph:
        if color[start] != WHITE:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        color[start] = GREY
        while stack:
            node, i = stack[-1]
            targets = graph[node]
            if i < len(targets):
                stack[-1] = (node, i + 1)
                nxt = targets[i]
                if nxt not in graph:
                    continue
                if color[nxt] == GREY:
                    cycle = path[path.index(nxt):]
                    key = frozenset(cycle)
                    if key not in seen_cycles:
                        seen_cycles.add(key)
                        found.append(cycle)
                elif color[nxt] == WHITE:
                    color[nxt] = GREY
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                color[node] = BLACK
                stack.pop()
                path.pop()
    return found


def would_cycle(rows: Iterable[Row], source: str, target: str) -> list[str] | None:
    """The path target -> ... -> source if adding source->target closes a cycle."""
    graph = {r[ID]: edges(r) for r in rows}
    if source == target:
        return [source]
    prev: dict[str, str] = {target: target}
    frontier = [target]
    while frontier:
        node = frontier.pop()
        for nxt in graph.get(node, ()):
            if nxt not in prev:
                prev[nxt] = node
                if nxt == source:
                    path = [source]
                    while path[-1] != target:
                        path.append(prev[path[-1]])
                    return list(reversed(path))
                frontier.append(nxt)
    return None


def children(rows: Iterable[Row], parent: str) -> list[Row]:
    return sorted((r for r in rows if r[PARENT] == parent), key=lambda r: r[ID])
