"""Bisecting a failing batch: which prefixes to gate next (a pure state machine).

The batch is a list of segments to settle, in merge order. A segment not known to be
bad is gated whole: it lands if it passes, and is known bad if it fails. A known-bad
segment of several MRs is cut: the candidates tip + its first c1, c2, ... ck MRs are
gated side by side (`ways` of them; one way is plain bisection, the left half). The
longest passing prefix lands; the part after it holds a culprit, and on the new tip it
builds the same tree that failed, so it is known bad without another test; what
follows it is unknown again. A single known-bad MR is the culprit. The rest land.

With more than one way, a segment gated whole has its cuts gated beside it at once
(speculatively: when it passes they were not needed), so a failing batch costs no
round of its own: for gates that mostly wait (a remote CI, sleeps, network), not for
gates that keep every core busy.
"""
from __future__ import annotations

from typing import NamedTuple

TEST = "test"
REJECT = "reject"


class Step(NamedTuple):
    action: str                # TEST: gate tip + mrs[:cut] for every cut; REJECT: mrs[0]
    mrs: tuple[str, ...]
    cuts: tuple[int, ...] = ()


class Segment(NamedTuple):
    mrs: tuple[str, ...]
    known_bad: bool = False


def cuts_for(n: int, ways: int) -> tuple[int, ...]:
    """`ways` prefix lengths spread evenly over 1..n-1 (fewer when n is small)."""
    k = max(1, min(ways, n - 1))
    return tuple(sorted({max(1, min(n - 1, round(n * i / (k + 1)))) for i in range(1, k + 1)}))


def landing(step: Step, results: list[bool]) -> int:
    """How many of the step's leading MRs land: the longest passing prefix."""
    longest = 0
    for cut, ok in zip(step.cuts, results):
        if not ok:
            break
        longest = cut
    return longest


class Bisection:
    """Feed it outcomes: `step()` says what to do, `record(results)` reports a TEST
    step's results (one per cut), `rejected()` a culprit dealt with, `drop()` an MR that
    left the batch (conflict, closed meanwhile), `moved()` a target that moved under us
    (what was inferred is void)."""

    def __init__(self, batch: list[str] | tuple[str, ...], *, failed: bool = False,
                 ways: int = 1) -> None:
        self.todo: list[Segment] = [Segment(tuple(batch), failed)] if batch else []
        self.ways = max(1, ways)
        self.tests = 0

    def done(self) -> bool:
        return not self.todo

    def step(self) -> Step:
        head = self.todo[0]
        if head.known_bad and len(head.mrs) == 1:
            return Step(REJECT, head.mrs)
        n = len(head.mrs)
        if head.known_bad:
            return Step(TEST, head.mrs, cuts_for(n, self.ways))
        if self.ways > 1 and n > 1:  # the whole, and beside it the cuts it would need
            return Step(TEST, head.mrs, (*cuts_for(n, self.ways - 1), n))
        return Step(TEST, head.mrs, (n,))

    def record(self, results: list[bool]) -> None:
        step = self.step()
        head = self.todo.pop(0)
        self.tests += len(results)
        landed = landing(step, results)
        failing = next((c for c, ok in zip(step.cuts, results) if not ok), None)
        if failing is None and head.known_bad:
            failing = len(head.mrs)  # every prefix passed: the last part is the bad one
        if failing is None:
            return
        after: list[Segment] = [Segment(head.mrs[landed:failing], True)]
        if failing < len(head.mrs):
            after.append(Segment(head.mrs[failing:]))
        self.todo[:0] = after

    def rejected(self) -> None:
        self.todo.pop(0)

    def drop(self, mr: str) -> None:
        """`mr` leaves the batch; the segment that held it is gated again without it."""
        out = []
        for seg in self.todo:
            if mr in seg.mrs:
                rest = tuple(m for m in seg.mrs if m != mr)
                if rest:
                    out.append(Segment(rest))
            else:
                out.append(seg)
        self.todo = out

    def moved(self) -> None:
        self.todo = [Segment(s.mrs) for s in self.todo]
