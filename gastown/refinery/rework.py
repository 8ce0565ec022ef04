"""Rework beads: what goes back to the polecat whose MR could not be merged, the
slinging of it, and the mayor's mail when an MR keeps failing."""
from __future__ import annotations

from typing import Any

from gastown.beads import ids, snapshot
from gastown.town.paths import Town

Bead = dict[str, Any]


def make(snap: snapshot.Snapshot, prefix: str, mr: Bead, reason: str, detail: str, rig: str,
         stamp: str) -> Bead:
    """A task bead naming the reason (and the failing gate's log tail), linked to the
    source issue; it blocks the MR (the caller adds that dependency)."""
    issue = mr["source_issue"]
    bead_id = ids.mint(prefix, f"rework\0{mr['id']}\0{stamp}", snap.where, len(snap))
    body = (f"Merge request {mr['id']} ({mr['branch']} at {mr['commit_sha'][:10]}) for "
            f"{issue} could not be merged: {reason}.\n")
    if detail:
        body += f"\n{detail.rstrip()}\n"
    body += (f"\nFix it on a branch from the target's tip (merge origin/{mr['branch']} in "
             f"first), then submit again for {issue}.")
    return {"id": bead_id, "title": f"Rework {issue}: {reason}"[:200], "description": body,
            "status": "open", "priority": mr.get("priority", 2), "issue_type": "task",
            "dependencies": [{"issue_id": bead_id, "depends_on_id": issue,
                              "type": "discovered-from", "created_at": stamp,
                              "created_by": f"{rig}/refinery"}],
            "created_at": stamp, "created_by": f"{rig}/refinery", "updated_at": stamp,
            "rework_of": issue, "merge_request": mr["id"]}


def open_reworks(snap: snapshot.Snapshot, issue: str) -> list[Bead]:
    lf = snap.files["work"]
    out = []
    for row in lf.rows:
        bead = lf.bead(row)
        if bead.get("rework_of") == issue and bead.get("status") != "closed":
            out.append(bead)
    return out


def assign_rework(town: Town, rework_bead: str, worker: str) -> str | None:
    """Sling the rework to the polecat that made the MR, if that polecat exists; any
    failure (no tmux, a busy polecat) leaves the bead open for someone to take.
    Returns what happened, for the log."""
    from gastown.agents import identity, roster

    if "/" not in worker:
        return None  # a person or a town role, not a polecat
    try:
        address = identity.parse_address(worker)
        if address.rig is None:
            return None
        with snapshot.load(town, warn=False) as snap:
            agents = {identity.address_of(a): a for a in roster.agents(snap, address.rig)}
        agent = agents.get(worker)
        if agent is None or agent.get("role") != "polecat":
            return None
        from gastown.agents.sling import sling

        result = sling(town, [rework_bead], address.rig)
        return f"slung to {result.slung[0].agent}"
    except Exception as e:  # noqa: BLE001 - the rework bead stands without a sling
        return f"not slung: {type(e).__name__}: {e}"


def escalate(town: Town, rig: str, mr: Bead, reason: str) -> None:
    from gastown.agents import mail

    mail.send(town, "mayor", f"{mr['id']} failed {mr.get('retry_count')} times: {reason}",
              f"Merge request {mr['id']} ({mr['branch']}) for {mr['source_issue']} by "
              f"{mr.get('worker')} keeps failing in {rig}'s refinery: {reason}.\n"
              f"It is {mr.get('status')} ({mr.get('close_reason') or 'blocked'}); "
              f"`gt mq retry {mr['id']}` queues it again.", sender=f"{rig}/refinery")
