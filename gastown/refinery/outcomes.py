"""Writing what the Refinery decided into the ledger: landed MRs and their work beads
closed, failed MRs blocked (or closed) with a rework bead, hand retries and rejects.

Every function here is one ledger commit, made under the town's write lock.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown.beads import snapshot, store
from gastown.beads.actor import now
from gastown.errors import GastownError
from gastown.refinery import candidate, requests, rework
from gastown.refinery.requests import BLOCKED, CLOSED, MERGED, OPEN
from gastown.town.paths import Town

Bead = dict[str, Any]
MAX_FAILURES = 3  # the MR's third failure closes it and tells the mayor


def _message(rig: str, subject: str) -> str:
    return f"{subject}"[:200] + f"\n\nActor: {rig}/refinery\n"


def still_queued(snap: snapshot.Snapshot, mr: Bead) -> bool:
    """The MR is open and unchanged since the run read it (not closed, superseded,
    rejected or re-filed at another commit while its gates ran)."""
    now_mr = snap.get(mr["id"])
    return bool(now_mr and now_mr.get("status") == OPEN
                and now_mr.get("commit_sha") == mr["commit_sha"])


def merged_puts(snap: snapshot.Snapshot, bare: Path, mrs: list[Bead], new_tip: str,
                stamp: str, rebased: dict[str, str] | None = None) -> dict[str, Bead]:
    """The MRs closed as merged at their landing commit, and their work beads (and open
    rework beads of those) closed; each verified to be on the target first (the MR's
    commit, or its rebased tip when it was rebased)."""
    put: dict[str, Bead] = {}
    for mr in mrs:
        landed = (rebased or {}).get(mr["id"], mr["commit_sha"])
        if not candidate.is_ancestor(bare, landed, new_tip):
            raise GastownError(f"{mr['id']}: commit {landed[:10]} is not on the "
                               f"target at {new_tip[:10]}; not recording it as merged")
        at = candidate.landing_commit(bare, landed, new_tip)
        extra = {"rebased_sha": landed} if landed != mr["commit_sha"] else {}
        put[mr["id"]] = {**snap.get(mr["id"]), "status": CLOSED, "close_reason": MERGED,
                         "merged_sha": at, "closed_at": stamp, "updated_at": stamp, **extra}
        issue = snap.get(mr["source_issue"])
        done = [issue] if issue and issue.get("status") != CLOSED else []
        done += rework.open_reworks(snap, mr["source_issue"])
        for bead in done:
            put[bead["id"]] = {**bead, "status": CLOSED, "close_reason": f"merged in {at}",
                               "closed_at": stamp, "updated_at": stamp}
        put.update(_reworked(snap, bare, issue or {}, new_tip, stamp))
    return put


def _reworked(snap: snapshot.Snapshot, bare: Path, issue: Bead, new_tip: str,
              stamp: str) -> dict[str, Bead]:
    """When a rework bead's own MR lands with the blocked MR's commit merged into it
    (as the rework asks), that MR and its issue are merged too."""
    blocked = snap.get(str(issue.get("merge_request") or ""))
    original = snap.get(str(issue.get("rework_of") or ""))
    if not blocked or blocked.get("status") == CLOSED or \
            not candidate.is_ancestor(bare, blocked["commit_sha"], new_tip):
        return {}
    at = candidate.landing_commit(bare, blocked["commit_sha"], new_tip)
    put = {blocked["id"]: {**blocked, "status": CLOSED, "close_reason": MERGED,
                           "merged_sha": at, "closed_at": stamp, "updated_at": stamp}}
    if original and original.get("status") != CLOSED:
        put[original["id"]] = {**original, "status": CLOSED, "close_reason": f"merged in {at}",
                               "closed_at": stamp, "updated_at": stamp}
    return put


def record_merged(town: Town, rig: str, bare: Path, mrs: list[Bead], new_tip: str,
                  subject: str) -> list[Bead]:
    """Close MRs whose commits are on the target already (a run killed after its push)."""
    with store.transaction(town) as snap:
        live = [m for m in mrs if still_queued(snap, m)]
        if not live:
            return []
        put = merged_puts(snap, bare, live, new_tip, now())
        store.apply(town, snap, store.Change(put=put), _message(rig, subject))
    return [put[m["id"]] for m in live]


def fail(town: Town, rig: str, mr: Bead, reason: str, detail: str, kind: str) -> tuple[Bead, Bead]:
    """The MR goes back: a rework bead blocks it; at MAX_FAILURES it is closed instead
    (close_reason `kind`: conflict or rejected). Returns (MR, rework bead)."""
    with store.transaction(town) as snap:
        current = snap.get(mr["id"])
        if current is None or current.get("status") != OPEN:
            raise GastownError(f"{mr['id']} is no longer open")
        stamp = now()
        bead = rework.make(snap, town.prefix(), current, reason, detail, rig, stamp)
        failures = int(current.get("retry_count") or 0) + 1
        deps = [d for d in current.get("dependencies") or () if d.get("type") != "blocks"]
        deps.append({"issue_id": mr["id"], "depends_on_id": bead["id"], "type": "blocks",
                     "created_at": stamp, "created_by": f"{rig}/refinery"})
        updated = {**current, "retry_count": failures, "updated_at": stamp,
                   "dependencies": deps, "notes": reason}
        if failures >= MAX_FAILURES:
            updated.update(status=CLOSED, close_reason=kind, closed_at=stamp)
        else:
            updated["status"] = BLOCKED
        store.apply(town, snap, store.Change(put={mr["id"]: updated, bead["id"]: bead}),
                    _message(rig, f"refinery: {mr['id']} {reason}; rework {bead['id']}"))
    return updated, bead


def retry(town: Town, mr_id: str) -> Bead:
    """`gt mq retry`: a blocked or refused MR back in the queue (its failures kept, so it
    queues behind fresh ones)."""
    with store.transaction(town) as snap:
        mr = requests.find(snap, mr_id)
        reason = str(mr.get("close_reason") or "")
        if mr.get("status") == OPEN:
            raise GastownError(f"{mr_id} is queued already")
        if mr.get("status") == CLOSED and (reason == MERGED or reason.startswith("superseded")):
            raise GastownError(f"{mr_id} is closed ({reason}); it cannot be retried")
        stamp = now()
        mr = {k: v for k, v in mr.items() if k not in ("closed_at", "close_reason")}
        mr.update(status=OPEN, updated_at=stamp,
                  dependencies=[d for d in mr.get("dependencies") or ()
                                if d.get("type") != "blocks"])
        store.apply(town, snap, store.Change(put={mr_id: mr}),
                    _message(str(mr.get("rig")), f"gt mq retry: {mr_id}"))
    return mr


def reject(town: Town, mr_id: str, reason: str = "") -> Bead:
    """`gt mq reject`: the MR is closed and never merged."""
    with store.transaction(town) as snap:
        mr = requests.find(snap, mr_id)
        if mr.get("status") == CLOSED:
            raise GastownError(f"{mr_id} is closed already ({mr.get('close_reason')})")
        stamp = now()
        mr.update(status=CLOSED, closed_at=stamp, updated_at=stamp,
                  close_reason="rejected" + (f": {reason}" if reason else ""))
        store.apply(town, snap, store.Change(put={mr_id: mr}),
                    _message(str(mr.get("rig")), f"gt mq reject: {mr_id}"))
    return mr
