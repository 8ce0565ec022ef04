"""A polecat's session ends when its work is handed in.

The shell runtime's program exits after `gt done`; a model client stays at its prompt
and would hold its memory and its place under max_polecats until the Witness cleans
up after the merge. So `gt done` run by a polecat on a model runtime leaves a detached
`python -m gastown.agents.retire TOWN SESSION AGENT PATTERNS` that waits for the
client to finish its turn (the pane idle on two looks), then stops the session,
unless new work came onto the polecat's hook meanwhile. Its worktree stays for the
Refinery and the Witness.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gastown.agents.idle import PanePatterns
from gastown.town.paths import Town

TIMEOUT = 600.0  # seconds to wait for the turn to end
POLL = 0.25


def due(agent: dict[str, Any], prime: str, running: bool) -> bool:
    """Whether the session of `agent` should end now that `gt done` freed its hook."""
    return (agent.get("role") == "polecat" and not agent.get("hook") and prime != "self"
            and running)


def after_done(town: Town, address: str) -> bool:
    """Leave a retirer for the polecat at `address` if it is due one; whether it was.
    The work is handed in already: nothing here fails `gt done`."""
    from gastown.agents import identity, sessions, targets
    from gastown.beads import snapshot
    from gastown.errors import GastownError

    try:
        parsed = identity.parse_address(address)
        with snapshot.load(town, warn=False) as snap:
            agent = snap.get(identity.agent_id(parsed.rig, parsed.name))
        if agent is None:
            return False
        session = sessions.session_of(agent)
        runtime = targets.runtime_of(town, agent)
    except GastownError:
        return False  # a person's address, or a preset that no longer loads
    if not due(agent, runtime.prime, session in sessions.running(town)):
        return False
    argv = [sys.executable, "-m", "gastown.agents.retire", str(town.root), session, agent["id"],
            json.dumps(targets.patterns_of(runtime)._asdict())]
    subprocess.Popen(argv, cwd=town.root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    return True


def stop_when_idle(town: Town, session: str, agent_id: str, patterns: PanePatterns,
                   timeout: float = TIMEOUT) -> bool:
    """Stop `session` once its pane is idle and its agent's hook still empty; whether
    it was stopped."""
    from gastown.agents.nudge import wait_idle
    from gastown.agents.tmux import Tmux
    from gastown.beads import snapshot
    from gastown.errors import NotFound

    tmux = Tmux.for_town(town)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            idle = wait_idle(tmux, session, patterns, wait=0)
        except NotFound:
            return False  # gone already
        if idle:
            with snapshot.load(town, warn=False) as snap:
                agent = snap.get(agent_id) or {}
            if agent.get("hook"):
                return False  # new work: the session stays
            return tmux.stop(session)
        time.sleep(POLL)
    return False


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: python -m gastown.agents.retire TOWN SESSION AGENT_ID PATTERNS")
    root, name, agent_id, fields = sys.argv[1:]
    stop_when_idle(Town(Path(root)), name, agent_id, PanePatterns(**json.loads(fields)))
