"""Crew: a person's own full clone of a rig, with an agent identity and a session."""
from __future__ import annotations

import shutil
from typing import Any

from gastown import git
from gastown.agents import identity, roster, sessions
from gastown.beads import snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.errors import GastownError, UsageError
from gastown.rigs import config, repo
from gastown.town.paths import Town

Bead = dict[str, Any]
RESERVED = ("witness", "refinery")


def _save(town: Town, bead: Bead, subject: str) -> None:
    with store.transaction(town) as snap:
        store.apply(town, snap, store.Change(put={bead["id"]: bead}),
                    f"{subject}\n\nActor: {current_actor()}\n")


def add(town: Town, name: str, rig: str) -> Bead:
    """Clone the rig's repository to rigs/<rig>/crew/<name> and record the crew identity."""
    cfg = config.load(town, rig)
    if not config.NAME_RE.match(name) or name in RESERVED:
        raise UsageError(f"bad crew name {name!r}: lowercase letters, digits and '_' "
                         f"(not {' or '.join(RESERVED)})")
    with snapshot.load(town, warn=False) as snap:
        existing = snap.get(identity.agent_id(rig, name))
    if existing is not None and existing.get("status") != "closed":
        raise GastownError(f"{rig}/{name} exists (a {existing.get('role')})")
    path = config.rig_dir(town, rig) / "crew" / name
    if path.exists():
        raise GastownError(f"{town.rel(path)} exists; remove it or pick another name")
    path.parent.mkdir(parents=True, exist_ok=True)
    proc = git.git(path.parent, "clone", "--quiet", "--branch", cfg.branch, "--", cfg.url, name,
                   check=False)
    if proc.returncode:
        shutil.rmtree(path, ignore_errors=True)
        raise GastownError(f"cannot clone {cfg.url}: {proc.stderr.decode(errors='replace').strip()}")
    stamp = now()
    bead = identity.new_agent(rig, name, "crew", "", stamp, current_actor())
    bead.pop("hook")
    try:
        _save(town, bead, f"gt crew add: {rig}/{name}")
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return bead


def members(town: Town, rig: str | None = None) -> list[dict[str, Any]]:
    with snapshot.load(town, warn=False) as snap:
        crew = [a for a in roster.agents(snap, rig, "crew") if a.get("status") != "closed"]
    running = sessions.running(town)
    return [{"name": identity.address_of(a), "rig": a["rig"], "path": str(sessions.workdir(town, a)),
             "running": sessions.session_of(a) in running, "session": sessions.session_of(a)}
            for a in crew]


def find(town: Town, name: str, rig: str | None) -> Bead:
    with snapshot.load(town, warn=False) as snap:
        agent = roster.find(snap, f"{rig}/{name}" if rig and "/" not in name else name)
    if agent.get("role") != "crew" or agent.get("status") == "closed":
        raise GastownError(f"{identity.address_of(agent)} is a {agent.get('role')}, not crew")
    return agent


def remove(town: Town, name: str, rig: str | None, *, force: bool = False) -> Bead:
    agent = find(town, name, rig)
    path = sessions.workdir(town, agent)
    if path.exists() and not force:
        lost = repo.unpushed(path)
        if lost:
            raise GastownError(f"{town.rel(path)} has {', '.join(lost)} (--force loses them)")
    sessions.stop(town, agent)
    shutil.rmtree(path, ignore_errors=True)
    agent = dict(agent)
    stamp = now()
    agent.update(status="closed", closed_at=stamp, updated_at=stamp, close_reason="crew removed")
    _save(town, agent, f"gt crew remove: {identity.address_of(agent)}")
    return agent
