"""`gt up` and `gt down`: the whole town's supervision started and stopped.

Up: the daemon, the Deacon, Boot and every rig's Witness; every polecat with work on
its hook gets its session back (GUPP: it resumes from the hook); Refineries with
merge requests waiting are woken. Then, a moment later, everything started must still
run. Down: the daemon first (so nothing restarts what is being stopped), then the
supervisors' sessions, then every other session, then step processes left behind.
The ledger is not touched: hooks stay, so the next `gt up` resumes the same work.
"""
from __future__ import annotations

import time
from typing import Any, NamedTuple

from gastown.agents import identity, roster, sessions, targets
from gastown.agents.tmux import Tmux
from gastown.beads import snapshot
from gastown.errors import GastownError
from gastown.rigs import config
from gastown.supervision import daemon, dogs, refinery_link, roles
from gastown.supervision.settings import load
from gastown.town.paths import Town

Bead = dict[str, Any]


class Up(NamedTuple):
    daemon_pid: int
    supervisors: list[str]  # sessions
    resumed: list[str]  # polecat sessions started for hooked work
    failed: list[str]  # what did not stay up, with why


def hooked_polecats(town: Town) -> list[Bead]:
    with snapshot.load(town, warn=False) as snap:
        return [a for a in roster.agents(snap, role="polecat")
                if a.get("hook") and a.get("status") != "closed"
                and a.get("rig") in config.names(town)]


def _still_hooked(town: Town, agent: Bead) -> bool:
    with snapshot.load(town, warn=False) as snap:
        now = snap.get(agent["id"]) or {}
    return now.get("hook") == agent.get("hook") and bool(now.get("hook"))


def up(town: Town) -> Up:
    settings = load(town)
    failed: list[str] = []
    supervisors = []
    for agent in roles.ensure(town):
        try:
            supervisors.append(roles.start(town, agent))
        except GastownError as e:
            failed.append(f"{identity.address_of(agent)}: {e}")
    resumed = []
    for agent in hooked_polecats(town):
        try:
            resumed.append(sessions.start(town, agent, targets.runtime_of(town, agent)))
        except GastownError as e:
            failed.append(f"{identity.address_of(agent)}: {e}")
    for rig in config.names(town):
        if refinery_link.needs_start(town, rig):
            refinery_link.start(town, rig)
    pid = daemon.spawn(town)  # after the sessions: it would start Boot itself
    time.sleep(settings.up_grace)
    running = Tmux.for_town(town).running()
    failed += [f"{s}: its session exited at once (see .gastown/logs/)"
               for s in supervisors if s not in running]
    for agent in hooked_polecats(town):
        session = sessions.session_of(agent)
        if session in resumed and session not in running and _still_hooked(town, agent):
            failed.append(f"{identity.address_of(agent)}: session {session} exited at once "
                          f"with {agent['hook']} still on its hook")
    if not daemon.running(town):
        failed.append(f"daemon: it exited (see {town.rel(daemon.log_path(town))})")
    return Up(pid, supervisors, resumed, failed)


def _rank(town: Town, running: set[str]) -> list[str]:
    """Sessions in the order they stop: whoever restarts others goes first."""
    names = {identity.session_name(None, "boot"): 0, identity.session_name(None, "deacon"): 1}
    names.update({identity.session_name(rig, "witness"): 2 for rig in config.names(town)})
    return sorted(running, key=lambda s: (names.get(s, 3), s))


def down(town: Town) -> dict[str, Any]:
    pid = daemon.stop(town)
    tmux = Tmux.for_town(town)
    stopped = []
    for session in _rank(town, tmux.running()):
        if tmux.stop(session):
            stopped.append(session)
    for rig in config.names(town):
        refinery_link.stop(town, rig)
    reaped = []
    for mol in dogs.survey(town, tmux).leftovers:
        dogs.EXECUTORS["orphan_process"](town, dogs.Chore("orphan_process", mol, "gt down"),
                                         tmux)
        reaped.append(mol)
    return {"daemon": pid, "stopped": stopped, "reaped": reaped}
