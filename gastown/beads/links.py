"""Links that point nowhere or go round: dangling dependencies and dependency cycles.

Both are warnings on read (a town with an old dangling link still works) and refusals
in pre-commit when a change introduces them. They are computed over index rows and
kept in the index as plain tuples, so a read never walks the graph; a write carries
them over without a walk when it provably cannot change them (`carry`).
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping

from gastown.beads import graph
from gastown.beads.index import ID, Row

Dangling = tuple[str, str]  # (bead, the missing bead it depends on)


class Links(namedtuple("Links", "dangling cycles", defaults=((), ()))):
    """dangling: ((bead, missing id), ...); cycles: ((id, ...), ...), each a loop."""

    __slots__ = ()
    dangling: tuple[Dangling, ...]
    cycles: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.dangling or self.cycles)


def find(rows: Iterable[Row]) -> Links:
    rows = list(rows)
    return Links(dangling(rows), tuple(tuple(c) for c in graph.cycles(rows)))


def dangling(rows: Iterable[Row]) -> tuple[Dangling, ...]:
    rows = list(rows)
    ids = {r[ID] for r in rows}
    return tuple((r[ID], t) for r in rows for t in graph.edges(r) if t not in ids)


def might_change(before: Callable[[str], Row | None], put: Mapping[str, Row],
                 dropped: Iterable[str], awaited: set[str]) -> bool:
    """Whether putting these rows (and dropping those ids) can change the links.

    A bead whose edges are unchanged changes nothing. A new bead whose edges all
    point at beads that already existed adds no dangling link, and no cycle, unless
    some bead was already waiting for its id (`awaited`: the targets of dangling links).
    """
    if any(True for _ in dropped):
        return True
    for bid, row in put.items():
        prev = before(bid)
        if prev is not None:
            if graph.edges(prev) != graph.edges(row):
                return True
        elif bid in awaited or any(before(t) is None for t in graph.edges(row)):
            return True
    return False


def carry(old: Links, before: Callable[[str], Row | None], put: Mapping[str, Row],
          dropped: Iterable[str]) -> Links | None:
    """`old` again if putting these rows cannot change the links; None if it might."""
    awaited = {target for _, target in old.dangling}
    return None if might_change(before, put, dropped, awaited) else old


def describe(links: Links, where: Callable[[str], tuple[str, int] | None]) -> list[str]:
    """One sentence per problem; `where(id)` gives a bead's file and line."""
    out = []
    for bead, target in links.dangling:
        at = where(bead)
        place = f"{at[0]}:{at[1]}: " if at else ""
        out.append(f"{place}{bead} depends on missing bead {target}")
    for cycle in links.cycles:
        out.append("dependency cycle: " + " -> ".join([*cycle, cycle[0]]))
    return out
