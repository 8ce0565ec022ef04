"""Reading agents from a snapshot: by id, address or the calling session's identity."""
from __future__ import annotations

import os
from typing import Any

from gastown.agents import identity
from gastown.beads.snapshot import Snapshot
from gastown.errors import NotFound, UsageError

Bead = dict[str, Any]


def agents(snap: Snapshot, rig: str | None = None, role: str | None = None) -> list[Bead]:
    lf = snap.files.get("agents")
    out = [lf.bead(row) for row in lf.rows] if lf else []
    return [a for a in out if a.get("issue_type") == "agent"
            and (rig is None or a.get("rig") == rig) and (role is None or a.get("role") == role)]


def find(snap: Snapshot, who: str | None) -> Bead:
    """An agent by id (`hq-demo-nux`), address (`demo/nux`, `mayor`), or GT_AGENT."""
    name = who or os.environ.get("GT_AGENT")
    if not name:
        raise UsageError("which agent? name one (RIG/NAME or mayor), or run this inside "
                         "an agent's session (GT_AGENT is set there)")
    bead = snap.get(name)
    if bead is None or bead.get("issue_type") != "agent":
        try:
            address = identity.parse_address(name)
        except UsageError:
            raise NotFound(f"no agent {name!r}") from None
        bead = snap.get(identity.agent_id(address.rig, address.name))
    if bead is None or bead.get("issue_type") != "agent":
        known = ", ".join(identity.address_of(a) for a in agents(snap)) or "none yet"
        raise NotFound(f"no agent {name!r} (agents: {known})")
    return bead
