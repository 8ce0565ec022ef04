"""The escalation reaction: an escalation that reached the Overseer gets a banner and
an `escalated` feed event; an acknowledged one loses its banner.

It reads the current ledger, not the event's, so a replay rewrites the same banner
and the feed skips an event id it already has.
"""
from __future__ import annotations

import hashlib
from typing import Any

from gastown.githooks.reactions import Event, append_feed, reaction
from gastown.town.paths import Town

Bead = dict[str, Any]


def escalated_event(bead: Bead, cause: Event) -> Event:
    """One id per arrival at the Overseer, whichever commit reports it."""
    key = f"{bead['id']}\0escalated\0{bead.get('routed_at')}"
    return {"id": hashlib.sha1(key.encode()).hexdigest()[:16], "ts": cause.get("ts"),
            "type": "escalated", "actor": cause.get("actor"), "bead": bead["id"],
            "commit": cause.get("commit"), "issue_type": "escalation",
            "title": bead.get("title", ""), "to": bead.get("routed_to"),
            "severity": bead.get("severity"), "source": bead.get("source")}


@reaction("escalations")
def announce(town: Town, events: list[Event]) -> None:
    causes = {e["bead"]: e for e in events if e.get("issue_type") == "escalation"}
    if not causes:
        return
    from gastown.beads import snapshot
    from gastown.escalations import banner, routing

    fresh = []
    with snapshot.load(town, warn=False) as snap:
        for bid, cause in sorted(causes.items()):
            bead = snap.get(bid)
            if bead is None or not routing.is_pending(bead):
                banner.remove(town, bid)
            elif bead.get("routed_to") == routing.OVERSEER:
                banner.write(town, bead)
                fresh.append(escalated_event(bead, cause))
    if fresh:
        append_feed(town, fresh)
