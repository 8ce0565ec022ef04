"""Where each bead of a convoy stands, and whether the convoy lands: pure functions.

`members` and `landable` take plain records, so the landing rule is tested without
a town; `members_in` gathers those records from a snapshot.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from gastown.beads.snapshot import Snapshot

Bead = dict[str, Any]

MERGED, CLOSED, QUEUED, HOOKED, MISSING = "merged", "closed", "queued", "hooked", "missing"
# A bead that no longer exists is not waited for: nobody can work on it.
DONE = (MERGED, CLOSED, MISSING)
FINISHED_STATUSES = ("closed", "tombstone")


class Member(NamedTuple):
    id: str
    title: str
    state: str  # merged, closed, queued, hooked, missing, or the bead's status
    detail: str  # who holds it, the open merge request, the close reason

    @property
    def done(self) -> bool:
        return self.state in DONE


def member(bead_id: str, bead: Bead | None, holder: str | None = None,
           mr: str | None = None) -> Member:
    """One tracked bead's state. `holder`: the agent whose hook holds it; `mr`: its
    open merge request. Only a closed bead is done: submitted work (in progress with
    an open merge request) still waits for the merge."""
    if bead is None:
        return Member(bead_id, "", MISSING, "no such bead")
    title = str(bead.get("title", ""))
    status = bead.get("status", "open")
    reason = str(bead.get("close_reason") or "")
    if status in FINISHED_STATUSES:
        if reason.startswith("merged"):
            return Member(bead_id, title, MERGED, reason)
        return Member(bead_id, title, CLOSED, reason or status)
    if mr:
        return Member(bead_id, title, QUEUED, mr)
    if holder or status == "hooked":
        return Member(bead_id, title, HOOKED, holder or str(bead.get("assignee") or "?"))
    return Member(bead_id, title, status, str(bead.get("assignee") or ""))


def members(convoy: Bead, beads: Mapping[str, Bead], hooks: Mapping[str, str],
            queue: Mapping[str, str]) -> list[Member]:
    """The convoy's tracked beads in order. `hooks`: bead -> agent address;
    `queue`: bead -> open merge request id."""
    return [member(bid, beads.get(bid), hooks.get(bid), queue.get(bid))
            for bid in convoy.get("tracks") or ()]


def landable(tracked: list[Member]) -> bool:
    """A convoy lands when it tracks something and every tracked bead is done."""
    return bool(tracked) and all(m.done for m in tracked)


def waiting(tracked: list[Member]) -> list[Member]:
    return [m for m in tracked if not m.done]


def is_landed(convoy: Bead) -> bool:
    return convoy.get("status") == "closed" and bool(convoy.get("landed_at"))


def convoys(snap: Snapshot) -> list[Bead]:
    lf = snap.files.get("convoys")
    found = [lf.bead(row) for row in lf.rows] if lf else []
    return [c for c in found if c.get("issue_type") == "convoy"]


def hooks(snap: Snapshot) -> dict[str, str]:
    from gastown.agents import identity, roster

    return {a["hook"]: identity.address_of(a) for a in roster.agents(snap) if a.get("hook")}


def queue(snap: Snapshot) -> dict[str, str]:
    lf = snap.files.get("mq")
    found = [lf.bead(row) for row in lf.rows] if lf else []
    return {mr["source_issue"]: mr["id"] for mr in found
            if mr.get("issue_type") == "merge-request" and mr.get("source_issue")
            and mr.get("status", "open") not in FINISHED_STATUSES}


Lookups = tuple[dict[str, str], dict[str, str]]


def lookups(snap: Snapshot) -> Lookups:
    """Hooks and queue, read once for many convoys."""
    return hooks(snap), queue(snap)


def members_in(snap: Snapshot, convoy: Bead, found: Lookups | None = None) -> list[Member]:
    tracked = {bid: snap.get(bid) for bid in convoy.get("tracks") or ()}
    beads = {bid: b for bid, b in tracked.items() if b is not None}
    hooked, queued = found or lookups(snap)
    return members(convoy, beads, hooked, queued)


def all_closed(snap: Snapshot, convoy: Bead) -> bool:
    """`landable` without reading hooks and queue: they never make a bead done."""
    tracked = {bid: snap.get(bid) for bid in convoy.get("tracks") or ()}
    return landable(members(convoy, {b: v for b, v in tracked.items() if v}, {}, {}))
