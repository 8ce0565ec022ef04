"""The scheduler's decision and its queue file, without a town's sessions."""
from __future__ import annotations

from gastown.scheduler import queue
from gastown.scheduler.decide import to_start
from gastown.scheduler.queue import Request


def reqs(*rigs: str) -> list[Request]:
    return [Request(i + 1, f"gt-b{i + 1}", rig) for i, rig in enumerate(rigs)]


def seqs(requests: list[Request]) -> list[int]:
    return [r.seq for r in requests]


def test_first_come_first_served_up_to_the_rig_cap():
    waiting = reqs("a", "a", "a", "a", "a")
    assert seqs(to_start(waiting, {}, {"a": 2}, None)) == [1, 2]
    assert seqs(to_start(waiting, {"a": 1}, {"a": 2}, None)) == [1]
    assert to_start(waiting, {"a": 2}, {"a": 2}, None) == []
    assert seqs(to_start(list(reversed(waiting)), {}, {"a": 2}, None)) == [1, 2]


def test_a_full_rig_does_not_hold_back_another_and_the_town_cap_counts_every_rig():
    waiting = reqs("a", "a", "b", "a", "b")
    assert seqs(to_start(waiting, {"a": 2}, {"a": 2, "b": 5}, None)) == [3, 5]
    assert seqs(to_start(waiting, {"a": 1}, {"a": 2, "b": 5}, 3)) == [1, 3]
    assert seqs(to_start(waiting, {"c": 3}, {"a": 2, "b": 5}, 3)) == []  # busy elsewhere
    assert to_start(waiting, {}, {"b": 5}, None)[0].rig == "b"  # no cap known: rig a waits


def test_the_queue_file_round_trips_and_numbers_arrivals(town):
    q, first = queue.add(queue.read(town), [Request(0, "gt-a", "demo", "f", ("pause=1",),
                                                    None, "2026-01-01T00:00:00Z", "me")])
    q, second = queue.add(q, [Request(0, "gt-b", "demo"), Request(0, "gt-c", "demo")])
    queue.write(town, q)
    back = queue.read(town)
    assert [r.seq for r in back.waiting] == [1, 2, 3] and back.next_seq == 4
    assert back.waiting[0] == first[0] and back.waiting[0].var == ("pause=1",)
    gone = queue.remove(back, [second[0]], [(first[0], "closed")])
    queue.write(town, gone)
    again = queue.read(town)
    assert [r.bead for r in again.waiting] == ["gt-c"] and again.next_seq == 4
    assert again.failed[0]["bead"] == "gt-a" and again.failed[0]["error"] == "closed"
