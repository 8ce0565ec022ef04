"""Queue order, batches and bisection: pure decisions, no git."""
from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from gastown.refinery import queue
from gastown.refinery.bisect import REJECT, TEST, Bisection, Segment, cuts_for, landing


def mr(i, **kw):
    base = {"id": f"gt-{i}", "status": "open", "priority": 2, "retry_count": 0,
            "created_at": f"2026-01-01T00:00:{i:02d}Z", "source_issue": f"gt-w{i}",
            "branch": f"b{i}"}
    return {**base, **kw}


def ids(mrs):
    return [m["id"] for m in mrs]


def test_order_priority_then_convoy_age_then_retries_then_arrival():
    mrs = [mr(1), mr(2, retry_count=1), mr(3), mr(4, priority=0), mr(5), mr(6),
           mr(7, status="blocked"), mr(8, status="closed")]
    convoys = [{"id": "c1", "status": "open", "created_at": "2026-01-02", "tracks": ["gt-w5"]},
               {"id": "c0", "status": "open", "created_at": "2026-01-01", "tracks": ["gt-w6"]},
               {"id": "cx", "status": "closed", "created_at": "2025-01-01", "tracks": ["gt-w3"]}]
    assert ids(queue.order(mrs, convoys)) == ["gt-4", "gt-6", "gt-5", "gt-1", "gt-3", "gt-2"]


def test_the_oldest_open_convoy_counts():
    convoys = [{"status": "open", "created_at": "2026-03", "tracks": ["a"]},
               {"status": "open", "created_at": "2026-01", "tracks": ["a", "b"]}]
    assert queue.convoy_ages(convoys) == {"a": "2026-01", "b": "2026-01"}


def test_batches_hold_up_to_size_and_one_mr_per_issue_and_branch():
    q = [mr(1), mr(2, source_issue="gt-w1"), mr(3), mr(4, branch="b3"), mr(5), mr(6)]
    assert ids(queue.select_batch(q, 3)) == ["gt-1", "gt-3", "gt-5"]
    assert ids(queue.select_batch(q, 1)) == ["gt-1"]
    assert queue.select_batch([], 4) == []


def simulate(batch, bad, failed_first=True, ways=1):
    """Drive a bisection with an oracle: a candidate fails when it holds a bad MR."""
    b = Bisection(batch, failed=failed_first, ways=ways)
    landed, rejected, rounds = [], [], 0
    for _ in range(100):
        if b.done():
            break
        step = b.step()
        if step.action == REJECT:
            rejected.append(step.mrs[0])
            b.rejected()
            continue
        assert step.action == TEST
        results = [not set(step.mrs[:cut]) & bad for cut in step.cuts]
        landed.extend(step.mrs[:landing(step, results)])
        rounds += 1
        b.record(results)
    assert b.done()
    return landed, rejected, rounds


def test_one_bad_among_eight_is_found_and_seven_land_in_few_rounds():
    batch = [f"m{i}" for i in range(8)]
    for culprit in batch:
        landed, rejected, rounds = simulate(batch, {culprit})
        assert rejected == [culprit]
        assert landed == [m for m in batch if m != culprit]  # in merge order
        assert rounds <= 6  # a halving per level, and each unknown rest once
        _, _, wide = simulate(batch, {culprit}, ways=7)
        assert wide <= 2  # all prefixes side by side: the culprit in one round


@settings(max_examples=300)
@given(st.integers(1, 12), st.integers(1, 8), st.data())
def test_every_culprit_found_every_good_mr_lands_in_order(n, ways, data):
    batch = [f"m{i}" for i in range(n)]
    bad = set(data.draw(st.sets(st.sampled_from(batch))))
    landed, rejected, _ = simulate(batch, bad, failed_first=bool(bad), ways=ways)
    assert set(rejected) == bad
    assert landed == [m for m in batch if m not in bad]


def test_cuts_spread_over_the_segment():
    assert cuts_for(8, 1) == (4,)
    assert cuts_for(8, 3) == (2, 4, 6)
    assert cuts_for(8, 7) == (1, 2, 3, 4, 5, 6, 7)
    assert cuts_for(2, 5) == (1,)


def test_a_dropped_mr_leaves_and_a_moved_target_voids_inferences():
    b = Bisection(["a", "b", "c", "d"], failed=True)
    assert b.step().cuts == (2,)
    b.record([True])  # a, b land: c, d hold the culprit
    assert b.todo == [Segment(("c", "d"), True)]
    b.moved()
    assert not b.todo[0].known_bad
    b.drop("c")
    assert b.step().mrs == ("d",)
    assert list(itertools.chain.from_iterable(s.mrs for s in b.todo)) == ["d"]
