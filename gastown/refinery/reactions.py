"""Waking the Refinery: on `mq_queued`, start the rig's Refinery in the background
unless it runs (a flock probe) or was stopped. A run loops until its queue is empty,
re-reading the ledger each batch, so no polling loop is needed."""
from __future__ import annotations

from gastown.githooks.reactions import Event, reaction
from gastown.town.paths import Town


@reaction("refinery")
def wake_refinery(town: Town, events: list[Event]) -> None:
    rigs = {e.get("rig") for e in events if e["type"] == "mq_queued"}
    if not rigs:
        return
    from gastown.refinery import process
    from gastown.rigs import config

    known = set(config.names(town))
    for rig in sorted(r for r in rigs if r in known):
        if process.autostart_allowed(town, rig) and not process.running(town, rig):
            process.spawn(town, rig)
