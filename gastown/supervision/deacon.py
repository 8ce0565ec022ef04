"""The Deacon's patrol, and `python -m gastown.supervision.deacon` (its session program).

Each patrol: write the heartbeat Boot watches (.gastown/heartbeat/deacon); keep every
rig's Witness session alive and wake its Refinery when merge requests wait and none
runs (restarts with backoff, a crash loop escalated once); then send the Dogs
(gastown.supervision.dogs).

The deacon-patrol formula describes this round for an agent (its steps have no `run`
and end on a ten-minute timer gate), so the shell runtime cannot run it; the patrol is
this loop instead.
"""
from __future__ import annotations

import sys
import time
from typing import Any

from gastown.agents import identity
from gastown.agents.tmux import Tmux
from gastown.rigs import config
from gastown.supervision import dogs, heartbeat, keepalive, refinery_link, report, roles
from gastown.supervision.settings import Settings, load
from gastown.town.paths import Town


def keep_witnesses(town: Town, settings: Settings, tmux: Tmux, now: float) -> dict[str, str]:
    running = tmux.running()
    rigs = config.names(town)
    out = {}
    for agent in roles.ensure(town, [(rig, "witness") for rig in rigs]):
        if identity.session_name(agent["rig"], "witness") in running:
            continue
        out[f"{agent['rig']}/witness"] = keepalive.revive(
            town, "deacon", f"{agent['rig']}/witness",
            lambda agent=agent: roles.start(town, agent), settings, now)
    return out


def keep_refineries(town: Town, settings: Settings, now: float) -> dict[str, str]:
    out = {}
    for rig in config.names(town):
        if refinery_link.needs_start(town, rig):
            out[f"{rig}/refinery"] = keepalive.revive(
                town, "deacon", f"{rig}/refinery",
                lambda rig=rig: refinery_link.start(town, rig), settings, now)
    return out


def patrol(town: Town, settings: Settings | None = None, *, tmux: Tmux | None = None,
           now: float | None = None) -> dict[str, Any]:
    """One round; returns what it did."""
    settings = settings or load(town)
    tmux = tmux or Tmux.for_town(town)
    now = time.time() if now is None else now
    heartbeat.beat(town, now)
    revived = {**keep_witnesses(town, settings, tmux, now), **keep_refineries(town, settings, now)}
    chores = dogs.send(town, settings, tmux, now)
    for chore in chores:
        report.note(town, f"dog_{chore.kind}", chore.target, chore.why)
    return {"revived": revived, "chores": [c._asdict() for c in chores]}


def main() -> int:
    from gastown.supervision import loop
    from gastown.town.paths import find_town

    town = find_town()

    def one_pass() -> None:
        done = patrol(town)
        for what, outcome in done["revived"].items():
            report.say(f"{what}: {outcome}")
        for chore in done["chores"]:
            report.say(f"dog: {chore['kind']} {chore['target']} ({chore['why']})")

    return loop.forever(town, "deacon", lambda: load(town).deacon_interval, one_pass)


if __name__ == "__main__":
    sys.exit(main())
