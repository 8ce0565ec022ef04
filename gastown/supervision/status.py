"""`gt status`: the town at a glance, read from the ledger and tmux now."""
from __future__ import annotations

from typing import Any

from gastown.agents import identity, roster, sessions
from gastown.agents.tmux import Tmux
from gastown.beads import index, snapshot
from gastown.rigs import config
from gastown.supervision import daemon, refinery_link
from gastown.town.paths import Town

Bead = dict[str, Any]


def _rows(snap: snapshot.Snapshot, stem: str) -> list[Bead]:
    lf = snap.files.get(stem)
    return [lf.bead(r) for r in lf.rows] if lf else []


def _running(town: Town, agent: Bead, sessions_up: set[str]) -> bool:
    """From tmux; a Refinery runs as a background process, not a session."""
    if agent.get("role") == "refinery" and agent.get("rig") in config.names(town):
        return refinery_link.running(town, agent["rig"])
    return sessions.session_of(agent) in sessions_up


def collect(town: Town) -> dict[str, Any]:
    running = Tmux.for_town(town).running()
    rigs = config.names(town)
    with snapshot.load(town, warn=False) as snap:
        agents = [a for a in roster.agents(snap) if a.get("status") != "closed"]
        mrs = _rows(snap, "mq")
        convoys = [c for c in _rows(snap, "convoys") if c.get("status") == "open"]
        escalations = [snap.get(row[index.ID]) or {} for row in snap.rows()
                       if row[index.KIND] == "escalation" and row[index.STATUS] == "open"]
    return {
        "town": {"root": str(town.root),
                 "name": str(town.config().get("town", {}).get("name") or town.root.name),
                 "daemon": {"running": daemon.running(town),
                            "pid": daemon.pid(town) if daemon.running(town) else None}},
        "rigs": [{"name": rig,
                  "queue_depth": sum(m.get("status") == "open" and m.get("rig") == rig
                                     for m in mrs),
                  "polecats": sorted(a["name"] for a in agents
                                     if a.get("rig") == rig and a.get("role") == "polecat")}
                 for rig in rigs],
        "agents": [{"name": identity.address_of(a), "role": a.get("role"), "rig": a.get("rig"),
                    "hook": a.get("hook"), "agent_state": a.get("agent_state"),
                    "running": _running(town, a, running)} for a in agents],
        "convoys": [{"id": c["id"], "title": c.get("title"), "tracks": c.get("tracks") or []}
                    for c in convoys],
        "escalations": [{"id": e["id"], "title": e.get("title"),
                         "severity": e.get("severity"), "source": e.get("source")}
                        for e in escalations],
    }
