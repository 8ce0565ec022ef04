"""Raising, listing, acknowledging and re-escalating escalation beads.

An escalation is an `escalation` bead in beads/work.jsonl (not work: `bd ready` and
`bd list` leave it out) with severity, message, source, routed_to, routed_at and
acked. Routing to the Deacon or the Mayor mails them in the same commit; the
Overseer's banner and feed event come from the escalation reaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from gastown.agents import mail
from gastown.beads import ids, snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.beads.index import KIND
from gastown.errors import GastownError, NotFound, UsageError
from gastown.escalations import routing
from gastown.town.paths import TOWN_FILE, Town

Bead = dict[str, Any]
DEFAULT_TIMEOUT = "30m"


def timeout_of(town: Town) -> timedelta:
    """town.toml's `[escalation] reescalate_after` (default 30m)."""
    from gastown.formulas.durations import parse_duration

    value = town.config().get("escalation", {}).get("reescalate_after", DEFAULT_TIMEOUT)
    try:
        return timedelta(seconds=parse_duration(value))
    except ValueError as e:
        raise GastownError(f"{TOWN_FILE}: [escalation] reescalate_after: {e}") from None


def _title(severity: str, message: str) -> str:
    first = message.strip().split("\n")[0]
    return f"{severity}: {first}"[:120]


def _notice(town: Town, snap: snapshot.Snapshot, bead: Bead, sender: str,
            again: bool) -> dict[str, Bead]:
    """The mail that tells the Deacon or the Mayor; nothing for the Overseer."""
    level = bead["routed_to"]
    if level == routing.OVERSEER:
        return {}
    verb = "Re-escalated" if again else "Escalation"
    body = "\n".join([bead["message"], "",
                      f"severity: {bead['severity']}",
                      *([f"source: {bead['source']}"] if bead.get("source") else []),
                      f"raised by: {bead.get('created_by', '?')}",
                      f"acknowledge: gt escalate ack {bead['id']}"])
    return mail.compose(town, snap, [level], f"{verb} {bead['id']}: {bead['title']}"[:200],
                        body, sender=sender)


def escalate(town: Town, severity: str, message: str, source: str | None = None,
             sender: str | None = None) -> Bead:
    """Record an escalation routed by severity and tell its first recipient (one commit)."""
    level = routing.route(severity)
    severity = routing.check_severity(severity)
    if not message.strip():
        raise UsageError("an escalation needs a message")
    who = sender or mail.me()
    with store.transaction(town) as snap:
        if source and source not in snap:
            raise NotFound(f"no bead {source!r} (--source)")
        stamp = now()
        eid = ids.mint(town.prefix(), f"escalation\0{who}\0{message}\0{stamp}", snap.where,
                       len(snap))
        bead: Bead = {
            "id": eid, "title": _title(severity, message), "description": message,
            "status": "open", "priority": routing.PRIORITY[severity],
            "issue_type": "escalation", "created_at": stamp, "created_by": who,
            "updated_at": stamp, "severity": severity, "message": message,
            "source": source, "routed_to": level, "routed_at": stamp, "acked": False}
        put = {eid: bead, **_notice(town, snap, bead, who, again=False)}
        store.apply(town, snap, store.Change(put=put),
                    f"gt escalate: {severity} {eid} -> {level}"
                    + f"\n\n{message.strip()}"[:400] + f"\n\nActor: {who}\n")
    return bead


def _need(snap: snapshot.Snapshot, eid: str) -> Bead:
    bead = snap.get(eid)
    if bead is None or bead.get("issue_type") != "escalation":
        raise NotFound(f"no escalation {eid!r} (`gt escalate list --all` lists them)")
    return bead


def _all(snap: snapshot.Snapshot) -> list[Bead]:
    return snap.beads([r for r in snap.rows() if r[KIND] == "escalation"])


def escalations(town: Town, *, include_acked: bool = False) -> list[Bead]:
    """Pending escalations (every one with include_acked), most severe and oldest first."""
    with snapshot.load(town, warn=False) as snap:
        found = _all(snap)
    shown = [b for b in found if include_acked or routing.is_pending(b)]
    return sorted(shown, key=lambda b: (b.get("priority", 2), b.get("created_at", ""), b["id"]))


def ack(town: Town, eid: str, sender: str | None = None) -> Bead:
    """Acknowledge an escalation: it stops moving up and its banner comes down."""
    who = sender or mail.me()
    with store.transaction(town) as snap:
        bead = dict(_need(snap, eid))
        if bead.get("acked"):
            return bead
        stamp = now()
        bead.update(acked=True, acked_by=who, acked_at=stamp, status="closed",
                    closed_at=stamp, close_reason=f"acknowledged by {who}", updated_at=stamp)
        store.apply(town, snap, store.Change(put={eid: bead}),
                    f"gt escalate ack: {eid}\n\nActor: {who}\n")
    return bead


def reescalate(town: Town, at: datetime | None = None) -> list[Bead]:
    """Move every escalation left unacknowledged too long one level up (one commit);
    returns the beads moved."""
    timeout = timeout_of(town)
    moment = at or datetime.now(timezone.utc)
    with snapshot.load(town, warn=False) as snap:
        candidates = [b for b in _all(snap) if routing.is_pending(b)]
    if not routing.due_reescalations(candidates, moment, timeout):
        return []
    who = current_actor()
    with store.transaction(town) as snap:
        pending = [b for b in _all(snap) if routing.is_pending(b)]
        due = routing.due_reescalations(pending, moment, timeout)
        if not due:
            return []  # another check moved them first
        stamp = now()
        routed = moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
        put: dict[str, Bead] = {}
        moved = []
        for eid, level in due:
            bead = dict(_need(snap, eid))
            bead.update(routed_to=level, routed_at=routed, updated_at=stamp,
                        reescalations=int(bead.get("reescalations") or 0) + 1)
            put[eid] = bead
            put.update(_notice(town, snap, bead, who, again=True))
            moved.append(bead)
        summary = ", ".join(f"{eid} -> {level}" for eid, level in due)
        store.apply(town, snap, store.Change(put=put),
                    f"gt escalate check: {summary}"[:200] + f"\n\nActor: {who}\n")
    return moved
