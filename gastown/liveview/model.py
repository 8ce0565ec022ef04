"""What the live view shows, computed from plain records (pure: no tmux, no git).

`summarize` takes what `gather` read: the ledger's part (agents with their hook and
its molecule's step states, convoys with their members' states, merge requests,
escalations), tmux's part (running sessions, and each one's pane text with when it
last changed), the latest feed lines, and the time.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gastown.agents.idle import PanePatterns, pane_state
from gastown.convoys.progress import DONE as MEMBER_DONE
from gastown.convoys.progress import FINISHED_STATUSES

WORKING, IDLE, NEEDS_INPUT, STUCK, DEAD, STOPPED = (
    "working", "idle", "needs input", "stuck", "dead", "stopped")
# A working pane whose text has not changed for this long is shown as stuck.
STUCK_AFTER_S = 300.0
FEED_LINES = 10

Record = dict[str, Any]


def agent_state(agent: Mapping[str, Any], pane: Mapping[str, Any] | None, now: float,
                stuck_after: float = STUCK_AFTER_S) -> str:
    """working, idle, needs input, stuck, dead (hooked, no session) or stopped.

    `pane` is None when the agent's session does not run; else its `lines` and
    `changed_at` (when its text last changed, as seen between refreshes).
    """
    if pane is None:
        return DEAD if agent.get("hook") else STOPPED
    patterns = PanePatterns(**agent["patterns"]) if agent.get("patterns") else None
    seen = pane_state(list(pane.get("lines") or ()), patterns) if patterns else "unknown"
    if seen == "needs_input":
        return NEEDS_INPUT
    if seen == "ready" or (seen == "unknown" and not agent.get("hook")):
        return IDLE
    if now - float(pane.get("changed_at", now)) > stuck_after:
        return STUCK
    return WORKING


def _agent_row(agent: Mapping[str, Any], tmux_data: Mapping[str, Any], now: float,
               stuck_after: float) -> Record:
    session = agent["session"]
    pane = (tmux_data.get("panes") or {}).get(session, {}) \
        if session in tmux_data.get("running", ()) else None
    return {"name": agent["name"], "role": agent.get("role"), "rig": agent.get("rig"),
            "session": session, "running": pane is not None,
            "state": agent_state(agent, pane, now, stuck_after),
            "hook": agent.get("hook"), "hook_title": agent.get("hook_title", ""),
            "step": current_step(agent.get("steps") or [])}


def current_step(steps: list[Mapping[str, Any]]) -> Record | None:
    """The first step not done, as {id, step_id, title, state}; None when all are."""
    for s in steps:
        if s.get("state") != "done":
            return {k: s.get(k) for k in ("id", "step_id", "title", "state")}
    return None


def convoy_progress(convoy: Mapping[str, Any]) -> Record:
    states = [m.get("state") for m in convoy.get("members") or ()]
    return {"id": convoy["id"], "title": convoy.get("title", ""),
            "done": sum(1 for s in states if s in MEMBER_DONE), "total": len(states)}


def summarize(ledger_data: Mapping[str, Any], tmux_data: Mapping[str, Any],
              feed: list[str], now: float, *, stuck_after: float = STUCK_AFTER_S,
              feed_lines: int = FEED_LINES) -> Record:
    """The view: agents with their state, convoys with progress, the open merge
    requests and escalations, and the last `feed_lines` feed lines."""
    agents = [_agent_row(a, tmux_data, now, stuck_after) for a in ledger_data.get("agents", ())]
    convoys = [convoy_progress(c) for c in ledger_data.get("convoys", ())
               if c.get("status") not in FINISHED_STATUSES]
    queue = [{"id": mr["id"], "branch": mr.get("branch", ""), "status": mr.get("status", "open"),
              "source_issue": mr.get("source_issue")} for mr in ledger_data.get("queue", ())
             if mr.get("status", "open") not in FINISHED_STATUSES]
    escalations = [{"id": e["id"], "title": e.get("title", ""),
                    "severity": e.get("severity"), "created_at": e.get("created_at")}
                   for e in ledger_data.get("escalations", ())
                   if e.get("status", "open") == "open"]
    return {"now": now, "agents": agents, "convoys": convoys, "queue": queue,
            "escalations": escalations, "feed": list(feed[-feed_lines:]) if feed_lines else []}
