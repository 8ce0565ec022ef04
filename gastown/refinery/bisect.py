"""Bisecting a failing batch: which MRs to try together next (a pure state machine).

The batch is a list of segments to settle, in merge order. A segment is tested as one
candidate on the current tip; if it passes it lands, if it fails it is split in two
halves. When the left half of a failed segment passes (and lands), the right half on
the new tip builds the same tree that failed, so it is known bad without a test: it is
split at once, and a single known-bad MR is the culprit. The rest land.
"""
from __future__ import annotations

from typing import NamedTuple

TEST = "test"
REJECT = "reject"


class Step(NamedTuple):
    action: str  # TEST: build and gate `mrs`; REJECT: `mrs[0]` is a culprit
    mrs: tuple[str, ...]


class Segment(NamedTuple):
    mrs: tuple[str, ...]
    known_bad: bool = False
    left_of: int | None = None   # the split whose left half this is
    right_of: int | None = None  # the split whose right half this is


def halves(mrs: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    middle = (len(mrs) + 1) // 2
    return mrs[:middle], mrs[middle:]


class Bisection:
    """Feed it outcomes: `step()` says what to do, `passed()`/`failed()` report a test,
    `rejected()` a culprit dealt with, `drop()` an MR that left the batch (conflict,
    closed meanwhile), `moved()` a target that moved under us (inferences are void)."""

    def __init__(self, batch: list[str] | tuple[str, ...], *, failed: bool = False) -> None:
        self.todo: list[Segment] = [Segment(tuple(batch))] if batch else []
        self.splits = 0
        self.tests = 0
        if batch and failed:  # the whole batch was tried already, and failed
            self._split_or_mark()

    def done(self) -> bool:
        return not self.todo

    def step(self) -> Step:
        head = self.todo[0]
        if head.known_bad and len(head.mrs) == 1:
            return Step(REJECT, head.mrs)
        if head.known_bad:
            self._split()
            return self.step()
        return Step(TEST, head.mrs)

    def passed(self) -> None:
        self.tests += 1
        head = self.todo.pop(0)
        if head.left_of is not None and self.todo and self.todo[0].right_of == head.left_of:
            self.todo[0] = self.todo[0]._replace(known_bad=True)

    def failed(self) -> None:
        self.tests += 1
        self._split_or_mark()

    def rejected(self) -> None:
        self.todo.pop(0)

    def drop(self, mr: str) -> None:
        """`mr` leaves the batch; the segment that held it is tested again without it."""
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

    def _split_or_mark(self) -> None:
        head = self.todo[0]
        if len(head.mrs) == 1:
            self.todo[0] = head._replace(known_bad=True)
        else:
            self._split()

    def _split(self) -> None:
        head = self.todo.pop(0)
        left, right = halves(head.mrs)
        self.splits += 1
        self.todo[:0] = [Segment(left, left_of=self.splits),
                         Segment(right, right_of=self.splits)]
