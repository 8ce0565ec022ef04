"""Agent identities: ids, session names, addresses, and which polecat takes which bead.

Pure functions over agent beads (`beads/agents.jsonl`); nothing here touches tmux or git.
An agent bead: id `hq-<name>` (town roles) or `hq-<rig>-<name>`, issue_type agent, role,
rig, name, runtime, hook (the bead it works on), agent_state, last_activity.
Whether its session runs is read from tmux each time and never stored.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from gastown.errors import UsageError

Bead = dict[str, Any]

TOWN_ROLES = ("mayor", "deacon", "boot")
RIG_ROLES = ("witness", "refinery", "polecat", "crew")
ROLES = TOWN_ROLES + RIG_ROLES
IDLE, WORKING = "idle", "working"


class Address(NamedTuple):
    """Who a message or nudge is for: one agent (rig, name) or all of a rig (name '*')."""

    rig: str | None
    name: str

    @property
    def group(self) -> bool:
        return self.name == "*"

    def __str__(self) -> str:
        if self.rig is None:
            return self.name
        return f"@rig/{self.rig}" if self.group else f"{self.rig}/{self.name}"


def agent_id(rig: str | None, name: str) -> str:
    return f"hq-{name}" if rig is None else f"hq-{rig}-{name}"


def is_session_name(text: str) -> bool:
    """Whether `text` can be a session's name, and so name its files (tmux session names
    never hold `.` or `:`)."""
    return re.fullmatch(r"\w[\w-]*", text) is not None


def session_name(rig: str | None, name: str) -> str:
    return f"gt-{name}" if rig is None else f"gt-{rig}-{name}"


def parse_address(text: str) -> Address:
    """`mayor`, `deacon`, `rig/name`, `rig/witness`, `@rig/<r>` (all of a rig's agents)."""
    from gastown.rigs.config import NAME_RE

    raw = text.strip()
    if raw.startswith("@rig/"):
        rig = raw[len("@rig/"):]
        if NAME_RE.match(rig):
            return Address(rig, "*")
    elif raw in TOWN_ROLES:
        return Address(None, raw)
    elif "/" in raw:
        rig, _, name = raw.partition("/")
        if NAME_RE.match(rig) and NAME_RE.match(name):
            return Address(rig, name)
    raise UsageError(f"bad address {text!r}: want mayor, deacon, boot, RIG/NAME "
                     "(RIG/witness, RIG/refinery, a polecat or crew name) or @rig/RIG")


def new_agent(rig: str | None, name: str, role: str, runtime: str, stamp: str,
              who: str) -> Bead:
    where = f" ({rig})" if rig else ""
    return {"id": agent_id(rig, name), "title": f"{role} {name}{where}", "status": "open",
            "issue_type": "agent", "role": role, "rig": rig, "name": name, "hook": None,
            "agent_state": IDLE, "runtime": runtime, "created_at": stamp, "created_by": who,
            "updated_at": stamp, "last_activity": stamp}


def address_of(agent: Bead) -> str:
    """How BD_ACTOR and assignees name an agent: `rig/name`, or `mayor`."""
    return str(Address(agent.get("rig"), agent["name"]))


def is_free(agent: Bead, running: set[str]) -> bool:
    """A polecat that can take new work: nothing hooked and no session running."""
    return (not agent.get("hook") and agent.get("status") != "closed"
            and session_name(agent.get("rig"), agent["name"]) not in running)


class Assignment(NamedTuple):
    bead: str
    name: str
    new: bool  # the polecat identity does not exist yet


def assign(beads: Sequence[str], polecats: Iterable[Bead], running: set[str],
           pool: Sequence[str], max_polecats: int,
           taken: Iterable[str] = ()) -> list[Assignment]:
    """Give each bead a polecat: free ones first (in name-pool order), then new names
    (never one in `taken`: the rig's crew and other agents).

    Raises when the rig's max_polecats would be exceeded.
    """
    existing = {p["name"]: p for p in polecats if p.get("status") != "closed"}
    order = {n: i for i, n in enumerate(pool)}
    free = sorted((n for n, p in existing.items() if is_free(p, running)),
                  key=lambda n: (order.get(n, len(order)), n))
    used = set(taken)
    fresh = [n for n in pool if n not in existing and n not in used]
    busy = len(existing) - len(free)
    out = []
    for bead in beads:
        if free:
            out.append(Assignment(bead, free.pop(0), False))
        elif fresh:
            out.append(Assignment(bead, fresh.pop(0), True))
        else:
            raise UsageError(f"no polecat name left for {bead}: every name in the rig's pool "
                             "is busy (add names = [...] to rig.toml)")
    working = busy + len(out)
    if working > max_polecats:
        raise UsageError(f"{len(out)} more polecat(s) would make {working} at work; the rig's "
                         f"max_polecats is {max_polecats} (raise it in rig.toml, or wait)")
    return out
