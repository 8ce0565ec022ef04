"""Convoy helpers: work that is submitted (an open merge request) and merged, written
as the `gt done` and the Refinery write them."""
from __future__ import annotations

import json

from gastown.beads import store
from gastown.beads.actor import now
from gastown.town.paths import Town
from tests.work.conftest import ledger, rig  # noqa: F401 - the sling test's rig fixture

__all__ = ["convoy_of", "feed", "mail_to", "merge", "submit"]


def submit(town: Town, bead_id: str, worker: str = "demo/nux") -> str:
    """`gt done`: the bead stays in progress, a merge request is queued for it."""
    mr_id = f"gt-mr{bead_id.split('-', 1)[1]}"
    with store.transaction(town) as snap:
        bead = dict(snap.get(bead_id))
        bead.update(status="in_progress", assignee=worker, updated_at=now())
        mr = {"id": mr_id, "title": f"Merge {bead_id}", "status": "open",
              "issue_type": "merge-request", "created_at": now(), "created_by": worker,
              "branch": f"polecat/nux/{bead_id}", "target": "main", "source_issue": bead_id,
              "worker": worker, "commit_sha": "a" * 40, "retry_count": 0}
        store.apply(town, snap, store.Change(put={bead_id: bead, mr_id: mr}),
                    f"gt done: {bead_id}\n\nActor: {worker}\n")
    return mr_id


def merge(town: Town, bead_id: str, sha: str = "b" * 40) -> None:
    """The Refinery merged it: the MR closed as merged, the work bead closed."""
    with store.transaction(town) as snap:
        stamp = now()
        put = {}
        for mr in (snap.files["mq"].bead(r) for r in snap.files["mq"].rows):
            if mr.get("source_issue") == bead_id and mr["status"] != "closed":
                put[mr["id"]] = {**mr, "status": "closed", "close_reason": "merged",
                                 "merged_sha": sha, "closed_at": stamp}
        put[bead_id] = {**snap.get(bead_id), "status": "closed", "closed_at": stamp,
                        "close_reason": f"merged in {sha[:10]}"}
        store.apply(town, snap, store.Change(put=put),
                    f"refinery: merged {bead_id}\n\nActor: demo/refinery\n")


def convoy_of(town: Town, convoy_id: str) -> dict:
    return next(c for c in ledger(town, "convoys") if c["id"] == convoy_id)


def mail_to(town: Town, address: str) -> list[dict]:
    return [m for m in ledger(town, "mail") if m["to"] == address]


def feed(town: Town, kind: str) -> list[dict]:
    path = town.state / "events.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [e for e in map(json.loads, filter(None, lines)) if e["type"] == kind]
