"""Merge request beads: filing one (`gt done`, `gt mq submit`), and reading the queue.

One way to file: `file_mr` builds the new MR and closes the older open MRs of the same
issue as superseded, as one set of beads to put in the caller's transaction.
"""
from __future__ import annotations

from typing import Any

from gastown.beads import ids, snapshot
from gastown.errors import GastownError, NotFound, UsageError
from gastown.town.paths import Town

Bead = dict[str, Any]

OPEN = "open"
BLOCKED = "blocked"
CLOSED = "closed"
MERGED = "merged"


def mrs(snap: snapshot.Snapshot, rig: str | None = None) -> list[Bead]:
    """Every merge request (of `rig`, if given), in ledger order."""
    lf = snap.files["mq"]
    out = [lf.bead(r) for r in lf.rows]
    return [m for m in out if m.get("issue_type") == "merge-request"
            and (rig is None or m.get("rig") == rig)]


def file_mr(snap: snapshot.Snapshot, prefix: str, *, issue: Bead, branch: str, target: str,
            sha: str, worker: str, rig: str | None, stamp: str) -> tuple[Bead, dict[str, Bead]]:
    """The new MR and every bead to put: it, and the issue's older open MRs superseded."""
    mr_id = ids.mint(prefix, f"mr\0{branch}\0{sha}\0{stamp}", snap.where, len(snap))
    mr: Bead = {"id": mr_id, "title": f"Merge {branch}: {issue.get('title', '')}"[:200],
                "status": OPEN, "priority": issue.get("priority", 2),
                "issue_type": "merge-request", "created_at": stamp, "created_by": worker,
                "updated_at": stamp, "branch": branch, "target": target,
                "source_issue": issue["id"], "worker": worker, "commit_sha": sha,
                "retry_count": 0, "rig": rig}
    put = {mr_id: mr}
    for old in mrs(snap):
        if old.get("source_issue") == issue["id"] and old.get("status") != CLOSED:
            old.update(status=CLOSED, closed_at=stamp, updated_at=stamp,
                       close_reason=f"superseded by {mr_id}")
            put[old["id"]] = old
    return mr, put


def find(snap: snapshot.Snapshot, mr_id: str) -> Bead:
    mr = snap.get(mr_id)
    if mr is None or mr.get("issue_type") != "merge-request":
        raise NotFound(f"no merge request {mr_id!r} (`gt mq list --all` shows them)")
    return mr


def submit(town: Town, branch: str, rig: str, issue: str, worker: str | None = None) -> Bead:
    """`gt mq submit`: file an MR for `branch` of the rig's repository, by hand."""
    from gastown import git
    from gastown.beads import schema, store
    from gastown.beads.actor import actor, now
    from gastown.rigs import config, ops

    cfg = config.load(town, rig)
    bare = ops.ensure_clone(town, cfg)
    found = git.git(bare, "rev-parse", "--verify", "--quiet",
                    f"refs/remotes/origin/{branch}^{{commit}}", check=False)
    sha = found.stdout.decode().strip()
    if found.returncode or not sha:
        raise NotFound(f"branch {branch!r}: not in rig {rig}'s repository {cfg.url}")
    merged = git.git(bare, "merge-base", "--is-ancestor", sha,
                     f"refs/remotes/origin/{cfg.branch}", check=False)
    if merged.returncode == 0:
        raise GastownError(f"{branch} has no commits beyond {cfg.branch}; nothing to merge")
    who = worker or actor()
    with store.transaction(town) as snap:
        bead = snap.get(issue)
        if bead is None:
            raise NotFound(f"--issue {issue}: no such bead")
        if not schema.is_work(bead):
            raise UsageError(f"--issue {issue} is a {bead.get('issue_type')}, not work")
        if bead.get("status") == CLOSED:
            raise GastownError(f"--issue {issue} is closed")
        stamp = now()
        mr, put = file_mr(snap, town.prefix(), issue=bead, branch=branch, target=cfg.branch,
                          sha=sha, worker=who, rig=rig, stamp=stamp)
        if bead.get("status") in (OPEN, BLOCKED):
            put[issue] = {**bead, "status": "in_progress", "updated_at": stamp}
        store.apply(town, snap, store.Change(put=put),
                    f"gt mq submit: {issue} -> {mr['id']} ({branch} at {sha[:10]})"
                    f"\n\nActor: {actor()}\n")
    return mr
