"""The convoy reaction: land convoys whose beads all closed, open them again when a
bead reopens, and announce each landing (feed event, Overseer banner).

Every step reads the current ledger, not the event's, so a replayed commit finds
its work done: a landed convoy is not landed twice, a banner is rewritten with the
same text, and the feed skips an event id it already has.
"""
from __future__ import annotations

import hashlib
from typing import Any

from gastown.githooks.reactions import append_feed, reaction
from gastown.town.paths import Town

Event = dict[str, Any]


def _convoy_changed(event: Event) -> bool:
    if event.get("issue_type") != "convoy":
        return False
    return event["type"] == "created" or (
        event["type"] == "updated" and "tracks" in event.get("fields", ()))


def landed_event(convoy: dict[str, Any], cause: Event) -> Event:
    """The feed's `convoy_landed`: one id per landing, whichever commit reports it."""
    key = f"{convoy['id']}\0convoy_landed\0{convoy.get('landed_at')}"
    return {"id": hashlib.sha1(key.encode()).hexdigest()[:16], "ts": cause.get("ts"),
            "type": "convoy_landed", "actor": cause.get("actor"), "bead": convoy["id"],
            "commit": cause.get("commit"), "issue_type": "convoy",
            "title": convoy.get("title", ""), "tracks": list(convoy.get("tracks") or ()),
            "reason": convoy.get("close_reason")}


def announce(town: Town, closed_convoys: list[Event]) -> None:
    from gastown.beads import snapshot
    from gastown.convoys import banner, progress

    fresh = []
    with snapshot.load(town, warn=False) as snap:
        for cause in closed_convoys:
            convoy = snap.get(cause["bead"])
            if convoy is None or not progress.is_landed(convoy):
                continue  # opened again since: that landing is over
            banner.write(town, convoy["id"], banner.render(convoy, progress.members_in(snap, convoy)))
            fresh.append(landed_event(convoy, cause))
    if fresh:
        append_feed(town, fresh)


@reaction("convoys")
def convoys(town: Town, events: list[Event]) -> None:
    from gastown.convoys import ops

    # The convoy's commit names whoever's change moved it: a person, the Refinery.
    reopening = [e for e in events if e["type"] == "status_changed"
                 and e.get("from") == "closed" and e.get("to") != "closed"]
    if reopening:
        ops.reopen_tracking(town, {e["bead"] for e in reopening}, reopening[-1].get("actor"))
    closing = [e for e in events if e["type"] in ("closed", "convoy_member_closed")
               or _convoy_changed(e)]
    if closing:
        closed = {e["bead"] for e in closing if e["type"] == "closed"}
        ops.land_ready(town, closed, {e["bead"] for e in closing} - closed,
                       closing[-1].get("actor"))
    landings = [e for e in events if e["type"] == "closed" and e.get("issue_type") == "convoy"]
    if landings:
        announce(town, landings)
