"""The supervisors' decisions, as pure functions of what was observed.

Nothing here touches tmux, git or the ledger: the Witness, the Deacon and Boot
gather observations, call these, and carry out what they return.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

Health = Literal["ok", "stuck", "needs_input", "missing", "dead"]
Action = Literal["none", "nudge", "restart", "escalate", "release"]

# The stuck ladder: what the witness does on the 1st, 2nd, 3rd stuck verdict in a row.
STUCK_LADDER: tuple[Action, ...] = ("nudge", "restart", "escalate")


# Restart backoff and crash loops ---------------------------------------------------

class Backoff(NamedTuple):
    base: float = 5.0
    max: float = 300.0
    loop_restarts: int = 5
    loop_window: float = 600.0


class Restart(NamedTuple):
    """`restart` now, `wait` `seconds` more, or `give_up` (a crash loop: escalate)."""

    verdict: Literal["restart", "wait", "give_up"]
    seconds: float = 0.0


def next_restart(history: Sequence[float], now: float, policy: Backoff) -> Restart:
    """When to restart something that is down, given when it was restarted before.

    Restarts within the crash-loop window count; reaching `loop_restarts` of them is a
    crash loop. Otherwise the n-th recent restart is followed by a wait of
    base * 2**(n-1), capped at max, counted from the last restart.
    """
    recent = sorted(t for t in history if now - t < policy.loop_window)
    if len(recent) >= policy.loop_restarts:
        return Restart("give_up")
    if not recent:
        return Restart("restart")
    delay = min(policy.max, policy.base * 2 ** (len(recent) - 1))
    left = recent[-1] + delay - now
    return Restart("restart") if left <= 0 else Restart("wait", left)


def recent(history: Sequence[float], now: float, policy: Backoff) -> list[float]:
    """The history worth keeping: what is still inside the crash-loop window."""
    return [t for t in history if now - t < policy.loop_window]


# A polecat's health ----------------------------------------------------------------

class Observation(NamedTuple):
    """One look at a polecat. Field names are the keys of .gastown/witness/<rig>.json."""

    at: float
    alive: bool  # its tmux session runs
    pane: str | None  # a hash of the pane's text (None: no session)
    head: str | None  # the worktree's HEAD commit
    closed_steps: int  # steps of its hooked molecule closed so far
    pane_state: str  # busy | ready | needs_input | unknown

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Observation:
        return cls(**{k: data.get(k) for k in cls._fields})


def progressed(before: Observation | None, now: Observation) -> bool:
    """Whether anything moved since the last look: pane text (when both looks read
    it), commits, step closes."""
    if before is None:
        return True
    pane_moved = None not in (before.pane, now.pane) and before.pane != now.pane
    return pane_moved or before.head != now.head or before.closed_steps != now.closed_steps


def health(now: Observation, progress_at: float, stuck_after: float,
           before: Observation | None = None) -> Health:
    """dead (no session on this look and the last), missing (no session on this look
    only: `gt sling` may be between hooking the work and starting the session),
    needs_input (a permission prompt on screen), stuck (nothing moved for
    `stuck_after` seconds since `progress_at`), else ok."""
    if not now.alive:
        return "dead" if before is not None and not before.alive else "missing"
    if now.pane_state == "needs_input":
        return "needs_input"
    if now.at - progress_at >= stuck_after:
        return "stuck"
    return "ok"


def witness_action(verdict: Health, *, hooked: bool, rig_exists: bool, strikes: int,
                   escalated: bool) -> Action:
    """What the witness does about one polecat.

    stuck: nudge, then restart from the hook, then escalate (`strikes` counts the
    stuck verdicts already acted on); needs_input escalates at once; dead with work
    on its hook restarts (or releases the work when its rig is gone). Something
    already escalated is not escalated again.
    """
    if verdict == "dead":
        if not hooked:
            return "none"
        return "restart" if rig_exists else "release"
    if verdict == "needs_input":
        return "none" if escalated else "escalate"
    if verdict == "stuck":
        if strikes >= len(STUCK_LADDER):
            return "none"
        action = STUCK_LADDER[strikes]
        return "none" if action == "escalate" and escalated else action
    return "none"


# Cleaning up after a finished polecat ----------------------------------------------

def merged(mr: dict[str, Any]) -> bool:
    return mr.get("status") == "closed" and mr.get("close_reason") == "merged"


def cleanup_due(agent: dict[str, Any], mrs: Sequence[dict[str, Any]], branch: str | None) -> bool:
    """Whether a polecat's worktree and session may go: nothing on its hook, and the
    merge request for the branch its worktree is on has merged. Never before."""
    if agent.get("hook") or branch is None:
        return False
    mine = [m for m in mrs if m.get("branch") == branch]
    if not mine:
        return False
    latest = max(mine, key=lambda m: (str(m.get("created_at") or ""), m["id"]))
    return merged(latest)
