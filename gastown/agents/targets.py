"""Whom a nudge is for: an agent (or a session name) to its session and pane patterns.

The patterns are the agent's runtime preset's `ready`, `busy` and `needs_input`, so
idle detection reads each client's own screen.
"""
from __future__ import annotations

import os
from typing import Any

from gastown.agents import identity, roster, runtimes, sessions
from gastown.agents.idle import PanePatterns
from gastown.beads import snapshot
from gastown.errors import NotFound, UsageError
from gastown.town.paths import Town

Bead = dict[str, Any]


def patterns_of(runtime: runtimes.Runtime) -> PanePatterns:
    return PanePatterns(ready=runtime.ready, busy=runtime.busy, needs_input=runtime.needs_input)


def runtime_of(town: Town, agent: Bead) -> runtimes.Runtime:
    """The runtime an agent's session runs: its own, else its rig's, else the town's."""
    from gastown.rigs import config

    rig_runtime = ""
    if agent.get("rig") and agent["rig"] in config.names(town):
        rig_runtime = config.load(town, agent["rig"]).runtime
    return runtimes.choose(town, rig_runtime, agent.get("runtime") or None)


def _by_session(snap: snapshot.Snapshot, session: str) -> Bead | None:
    for agent in roster.agents(snap):
        if sessions.session_of(agent) == session:
            return agent
    return None


def resolve(town: Town, name: str | None) -> tuple[str, PanePatterns]:
    """(session, patterns) for `rig/name`, `mayor`, an agent id or a `gt-…` session
    (None: this session's GT_AGENT). A session no agent identity owns (a `gt-…` name,
    or an address with no identity yet) gets the default patterns."""
    from gastown.agents.nudge import DEFAULT_PATTERNS

    name = name or os.environ.get("GT_AGENT")
    if not name:
        raise UsageError("name an agent or session (or run inside an agent's session: GT_AGENT)")
    with snapshot.load(town, warn=False) as snap:
        if name.startswith("gt-"):
            agent = _by_session(snap, name)
            if agent is None:
                return name, DEFAULT_PATTERNS
        else:
            try:
                agent = roster.find(snap, name)
            except NotFound:
                address = identity.parse_address(name)
                return identity.session_name(address.rig, address.name), DEFAULT_PATTERNS
    return sessions.session_of(agent), patterns_of(runtime_of(town, agent))


def running_agents(town: Town, rig: str | None = None) -> list[Bead]:
    running = sessions.running(town)
    with snapshot.load(town, warn=False) as snap:
        agents = roster.agents(snap, rig)
    return [a for a in agents if sessions.session_of(a) in running]


def reader_at(town: Town, address: str) -> tuple[str, PanePatterns] | None:
    """The running session of the agent at `address` when its program reads its pane,
    with its patterns; None for no such agent, no session, or a program that reads
    nothing typed there (the shell runtime runs its molecule; crew and the mayor on it
    are a person's shell, which does read)."""
    try:
        parsed = identity.parse_address(address)
    except UsageError:
        return None
    with snapshot.load(town, warn=False) as snap:
        agent = snap.get(identity.agent_id(parsed.rig, parsed.name))
    if agent is None:
        return None
    session = sessions.session_of(agent)
    if session not in sessions.running(town):
        return None
    runtime = runtime_of(town, agent)
    if runtime.prime == "self" and agent.get("role") not in ("crew", "mayor"):
        return None
    return session, patterns_of(runtime)
