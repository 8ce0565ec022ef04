"""The scheduler's wake-up mark: a run that finds another holding the scheduler leaves
a mark for it, and no interleaving of the two leaves a freed slot unused."""
from __future__ import annotations

import threading

import pytest

from gastown import locks
from gastown.scheduler import dispatch, queue


@pytest.fixture
def drains(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The drains that run (what a drain starts is the caps tests' business)."""
    done: list[str] = []

    def drain(town, together=frozenset()):
        done.append(str(town.root))
        return dispatch.Drained([], [])

    monkeypatch.setattr(dispatch, "_drain", drain)
    return done


class Holder(threading.Thread):
    """Another run of the scheduler: holds its lock until told, then looks for a mark
    once it has let go, as `run` does."""

    def __init__(self, town) -> None:
        super().__init__(daemon=True)
        self.town = town
        self.holding, self.release, self.finished = (threading.Event() for _ in range(3))
        self.found_mark: bool | None = None

    def run(self) -> None:
        with locks.held(self.town.state / queue.LOCK, wait=None):
            self.holding.set()
            self.release.wait(20)
        self.found_mark = dispatch._woken(self.town)
        self.finished.set()


def test_a_mark_left_after_the_holder_looked_is_not_left_unseen(town, drains, monkeypatch):
    holder = Holder(town)
    holder.start()
    assert holder.holding.wait(20)
    mark = dispatch.leave_mark

    def late(t):  # the holder lets go and finds no mark before this run leaves one
        holder.release.set()
        assert holder.finished.wait(20)
        mark(t)

    monkeypatch.setattr(dispatch, "leave_mark", late)
    dispatch.run(town, wait=0)
    holder.join(20)
    assert holder.found_mark is False
    assert drains == [str(town.root)]  # this run took the scheduler itself
    assert not (town.state / dispatch.WAKE).exists()


def test_a_holder_that_still_holds_finds_the_mark_when_it_lets_go(town, drains):
    holder = Holder(town)
    holder.start()
    assert holder.holding.wait(20)
    dispatch.run(town, wait=0)
    assert drains == []  # left to the holder...
    holder.release.set()
    holder.join(20)
    assert holder.found_mark is True  # ...which runs again
