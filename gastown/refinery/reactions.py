"""Waking the Refinery: on `mq_queued` (and an MR opened again by `gt mq retry`), start
the rig's Refinery in the background unless it runs (a flock probe) or was stopped. A
run loops until its queue is empty, re-reading the ledger each batch, so no polling
loop is needed."""
from __future__ import annotations

from gastown.githooks.reactions import Event, reaction
from gastown.town.paths import Town


def _reopened_rigs(town: Town, events: list[Event]) -> set[str]:
    ids = {e["bead"] for e in events if e["type"] == "status_changed"
           and e.get("issue_type") == "merge-request" and e.get("to") == "open"}
    if not ids:
        return set()
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        return {str((snap.get(i) or {}).get("rig")) for i in ids}


@reaction("refinery")
def wake_refinery(town: Town, events: list[Event]) -> None:
    rigs = {str(e.get("rig")) for e in events if e["type"] == "mq_queued"}
    rigs |= _reopened_rigs(town, events)
    if not rigs:
        return
    from gastown.refinery import process
    from gastown.rigs import config

    for rig in sorted(rigs & set(config.names(town))):
        if process.autostart_allowed(town, rig) and not process.running(town, rig):
            process.spawn(town, rig)
