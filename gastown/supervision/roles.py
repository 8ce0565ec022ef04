"""The supervisors' identities and session programs: Deacon and Boot for the town,
a Witness per rig. Their sessions run gastown's own loops, not a runtime preset."""
from __future__ import annotations

import sys
import time
from typing import Any

from gastown.agents import identity, sessions
from gastown.agents.tmux import Tmux
from gastown.beads import snapshot, store
from gastown.beads.actor import actor, now
from gastown.rigs import config
from gastown.supervision import heartbeat
from gastown.town.paths import Town

Bead = dict[str, Any]
PROGRAMS = {"deacon": "gastown.supervision.deacon", "boot": "gastown.supervision.boot",
            "witness": "gastown.supervision.witness_loop"}


def program(agent: Bead) -> list[str]:
    """The session program of a supervisor (a Witness is told its rig)."""
    argv = [sys.executable, "-m", PROGRAMS[agent["role"]]]
    return [*argv, agent["rig"]] if agent["role"] == "witness" else argv


def wanted(town: Town) -> list[tuple[str | None, str]]:
    """(rig, role) of every supervisor the town should run."""
    return [(None, "deacon"), (None, "boot"), *((r, "witness") for r in config.names(town))]


def ensure(town: Town, which: list[tuple[str | None, str]] | None = None) -> list[Bead]:
    """The supervisors' agent beads, made (one commit) where missing or retired."""
    which = wanted(town) if which is None else which
    with snapshot.load(town, warn=False) as snap:
        found = {key: snap.get(identity.agent_id(key[0], key[1])) for key in which}
    missing = [k for k, bead in found.items() if bead is None or bead.get("status") == "closed"]
    if missing:
        who = actor()
        with store.transaction(town) as snap:
            put = {}
            for rig, role in missing:
                bead = snap.get(identity.agent_id(rig, role))
                if bead is None or bead.get("status") == "closed":
                    bead = identity.new_agent(rig, role, role, "", now(), who)
                    put[bead["id"]] = bead
                found[(rig, role)] = bead
            names = ", ".join(sorted(put))
            store.apply(town, snap, store.Change(put=put),
                        f"supervisors: agent beads for {names}\n\nActor: {who}\n")
    return [found[k] or {} for k in which]


def _started(town: Town, agent: Bead) -> None:
    if agent["role"] == "deacon":
        heartbeat.beat(town, time.time())  # its first patrol has not beaten yet


def start(town: Town, agent: Bead) -> str:
    """Start a supervisor's session (no-op when it runs)."""
    if not Tmux.for_town(town).has(sessions.session_of(agent)):
        _started(town, agent)
    return sessions.start(town, agent, None, program(agent))


def restart(town: Town, agent: Bead) -> str:
    _started(town, agent)
    return sessions.respawn(town, agent, None, program(agent))
