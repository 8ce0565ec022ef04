"""The landing rule over plain records: closed beads land a convoy, submitted ones do not."""
from __future__ import annotations

from gastown.convoys import progress


def bead(bid: str, status: str = "open", **fields: object) -> dict:
    return {"id": bid, "title": f"work {bid}", "status": status, "issue_type": "task", **fields}


def convoy(*tracks: str) -> dict:
    return {"id": "gt-c", "title": "wave", "status": "open", "issue_type": "convoy",
            "tracks": list(tracks)}


def states(c: dict, beads: list[dict], hooks: dict | None = None, queue: dict | None = None
           ) -> list[tuple[str, str, str]]:
    found = progress.members(c, {b["id"]: b for b in beads}, hooks or {}, queue or {})
    return [(m.id, m.state, m.detail) for m in found]


def test_each_member_says_where_it_stands():
    beads = [bead("gt-a"), bead("gt-b", "hooked", assignee="demo/nux"),
             bead("gt-c", "in_progress", assignee="demo/nux"),
             bead("gt-d", "closed", close_reason="merged in abc123"),
             bead("gt-e", "closed", close_reason="not needed"), bead("gt-f", "in_progress")]
    c = convoy("gt-a", "gt-b", "gt-c", "gt-d", "gt-e", "gt-f", "gt-gone")
    assert states(c, beads, hooks={"gt-f": "demo/max"}, queue={"gt-c": "gt-mr1"}) == [
        ("gt-a", "open", ""),
        ("gt-b", "hooked", "demo/nux"),
        ("gt-c", "queued", "gt-mr1"),
        ("gt-d", "merged", "merged in abc123"),
        ("gt-e", "closed", "not needed"),
        ("gt-f", "hooked", "demo/max"),
        ("gt-gone", "missing", "no such bead"),
    ]


def test_a_convoy_lands_when_every_bead_is_merged_or_closed_by_a_person():
    c = convoy("gt-a", "gt-b")
    done = [bead("gt-a", "closed", close_reason="merged in abc"), bead("gt-b", "closed")]
    assert progress.landable(progress.members(c, {b["id"]: b for b in done}, {}, {}))


def test_submitted_work_does_not_land_a_convoy():
    c = convoy("gt-a", "gt-b")
    beads = {"gt-a": bead("gt-a", "closed", close_reason="merged in abc"),
             "gt-b": bead("gt-b", "in_progress")}
    tracked = progress.members(c, beads, {}, {"gt-b": "gt-mr"})
    assert not progress.landable(tracked)
    assert [m.id for m in progress.waiting(tracked)] == ["gt-b"]


def test_an_empty_convoy_never_lands_and_a_tombstone_counts_as_closed():
    assert not progress.landable(progress.members(convoy(), {}, {}, {}))
    gone = {"gt-a": bead("gt-a", "tombstone")}
    assert progress.landable(progress.members(convoy("gt-a"), gone, {}, {}))


def test_landed_means_closed_with_landed_at():
    assert not progress.is_landed(convoy("gt-a"))
    assert not progress.is_landed({**convoy("gt-a"), "status": "closed"})
    assert progress.is_landed({**convoy("gt-a"), "status": "closed", "landed_at": "2026-01-01"})
