"""Dogs: the Deacon's chores. A survey of the town (facts), a pure list of chores
from it, and one executor per kind of chore.

Kinds: orphan_worktree (rigs/<rig>/polecats/<n> whose polecat has no agent bead or a
retired one, and older than orphan_grace: `gt sling` makes the worktree before the
polecat's bead), orphan_session (a gt-* tmux session no agent owns), orphan_process
(step process groups a killed shell runtime left behind), stale_pid (a pid file under
.gastown/run/ or .gastown/pids/ whose process is gone), wisp_gc (a finished wisp
older than wisp_max_age), rotate_events (.gastown/events.jsonl beyond events_max_mb).
Lock files are never chores: flock locks die with their holder, and a lock file is
never deleted.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import NamedTuple

from gastown import locks
from gastown.agents import identity, roster, sessions
from gastown.agents.tmux import Tmux
from gastown.beads import snapshot
from gastown.errors import GastownError
from gastown.rigs import config, repo
from gastown.supervision.settings import Settings
from gastown.supervision.witness import rig_lock
from gastown.town.paths import Town

EVENTS, ROTATED = "events.jsonl", "events.1.jsonl"


class Survey(NamedTuple):
    worktrees: list[tuple[str, str, float]]  # (rig, polecat name, mtime) of polecats/<n>
    agents: dict[str, str]  # agent id -> status
    owned_sessions: set[str]  # session names of agents that are not retired
    sessions: set[str]  # what tmux runs
    leftovers: list[str]  # molecules with step pid files and no runtime holding them
    pid_files: list[tuple[str, bool]]  # (town-relative path, whether its pid lives)
    wisps: list[tuple[str, bool, float]]  # (id, finished, mtime)
    events_bytes: int


class Chore(NamedTuple):
    kind: str
    target: str
    why: str


def chores(s: Survey, settings: Settings, now: float) -> list[Chore]:
    out = []
    for rig, name, mtime in s.worktrees:
        status = s.agents.get(identity.agent_id(rig, name))
        if (status is None or status == "closed") and now - mtime > settings.orphan_grace:
            why = "no agent bead" if status is None else "its polecat is retired"
            out.append(Chore("orphan_worktree", f"{rig}/{name}", why))
    for session in sorted(s.sessions - s.owned_sessions):
        if session.startswith("gt-"):
            out.append(Chore("orphan_session", session, "no agent owns it"))
    out += [Chore("orphan_process", mol, "steps left running by a dead runtime")
            for mol in s.leftovers]
    out += [Chore("stale_pid", path, "its process is gone") for path, alive in s.pid_files
            if not alive]
    out += [Chore("wisp_gc", wisp, "finished over wisp_max_age ago")
            for wisp, finished, mtime in s.wisps
            if finished and now - mtime > settings.wisp_max_age]
    if s.events_bytes > settings.events_max_mb * 1024 * 1024:
        out.append(Chore("rotate_events", EVENTS, f"{s.events_bytes} bytes"))
    return out


# The survey ----------------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_files(town: Town) -> list[tuple[str, bool]]:
    out = []
    for folder in ("run", "pids"):
        for path in sorted((town.state / folder).glob("*.pid")):
            try:
                pid = int(path.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                out.append((town.rel(path), False))
                continue
            out.append((town.rel(path), _alive(pid)))
    return out


def _leftovers(town: Town) -> list[str]:
    from gastown.molecules.runtime import PID_DIR
    from gastown.molecules.storage import lock_path

    out = []
    root = town.state / PID_DIR
    for folder in sorted(root.glob("*")) if root.is_dir() else ():
        if not any(folder.glob("*.pid")):
            continue
        with locks.held(lock_path(town, folder.name), wait=0) as free:
            if free:
                out.append(folder.name)
    return out


def _wisps(town: Town) -> list[tuple[str, bool, float]]:
    from gastown.molecules import model
    from gastown.molecules.storage import WispMolecules, wisp_ids, wisp_path

    store = WispMolecules(town)
    out = []
    for wisp in wisp_ids(town):
        try:
            finished = store.load(wisp).state() in (model.DONE, model.BURNED)
            mtime = wisp_path(town, wisp).stat().st_mtime
        except (GastownError, OSError, ValueError):
            continue
        out.append((wisp, finished, mtime))
    return out


def survey(town: Town, tmux: Tmux) -> Survey:
    worktrees = [(rig, p.name, p.stat().st_mtime) for rig in config.names(town)
                 for p in sorted((config.rig_dir(town, rig) / "polecats").glob("*"))
                 if p.is_dir()]
    with snapshot.load(town, warn=False) as snap:
        agents = roster.agents(snap)
    try:
        events = (town.state / EVENTS).stat().st_size
    except FileNotFoundError:
        events = 0
    return Survey(worktrees, {a["id"]: str(a.get("status", "open")) for a in agents},
                  {sessions.session_of(a) for a in agents if a.get("status") != "closed"},
                  tmux.running(), _leftovers(town), _pid_files(town), _wisps(town), events)


# The executors -------------------------------------------------------------------

def _worktree(town: Town, chore: Chore, tmux: Tmux) -> None:
    rig, _, name = chore.target.partition("/")
    path = config.rig_dir(town, rig) / "polecats" / name
    with locks.held(rig_lock(town, rig), wait=10) as taken:
        if not taken:
            return  # a sling is busy with the rig; the next patrol looks again
        with snapshot.load(town, warn=False) as snap:
            agent = snap.get(identity.agent_id(rig, name))
        if agent is not None and agent.get("status") != "closed":
            return  # slung meanwhile
        repo.remove_worktree(repo.bare_path(town, rig), path)
        if path.exists():
            shutil.rmtree(path)


def _session(town: Town, chore: Chore, tmux: Tmux) -> None:
    tmux.stop(chore.target)


def _process(town: Town, chore: Chore, tmux: Tmux) -> None:
    from gastown.molecules.runtime import reap_stale
    from gastown.molecules.storage import lock_path

    with locks.held(lock_path(town, chore.target), wait=0) as free:
        if free:  # a runtime that started meanwhile reaps for itself
            reap_stale(town, chore.target)


def _pid(town: Town, chore: Chore, tmux: Tmux) -> None:
    (town.root / chore.target).unlink(missing_ok=True)


def _wisp(town: Town, chore: Chore, tmux: Tmux) -> None:
    from gastown.molecules.runtime import LOG_DIR, PID_DIR
    from gastown.molecules.storage import wisp_path

    wisp_path(town, chore.target).unlink(missing_ok=True)
    for folder in (LOG_DIR, PID_DIR):
        shutil.rmtree(town.state / folder / chore.target, ignore_errors=True)


def _rotate(town: Town, chore: Chore, tmux: Tmux) -> None:
    os.replace(town.state / EVENTS, town.state / ROTATED)


EXECUTORS: dict[str, Callable[[Town, Chore, Tmux], None]] = {
    "orphan_worktree": _worktree, "orphan_session": _session, "orphan_process": _process,
    "stale_pid": _pid, "wisp_gc": _wisp, "rotate_events": _rotate,
}


def send(town: Town, settings: Settings, tmux: Tmux, now: float) -> list[Chore]:
    """Survey the town, do every chore found; returns the chores done."""
    done = []
    for chore in chores(survey(town, tmux), settings, now):
        EXECUTORS[chore.kind](town, chore, tmux)
        done.append(chore)
    return done

