"""The work on an agent's hook: hook, unsling, release, done, prime.

GUPP: if there is work on your hook, you run it. A session that starts again finds
its hook in the ledger (never in the session), and the hooked molecule's closed steps
are never run again.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown import git
from gastown.agents import identity, roster, sessions
from gastown.beads import snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.errors import GastownError, NotFound
from gastown.refinery import requests
from gastown.rigs import config
from gastown.town.paths import Town

Bead = dict[str, Any]


def _commit(town: Town, snap: snapshot.Snapshot, put: dict[str, Bead], subject: str) -> None:
    store.apply(town, snap, store.Change(put=put),
                f"{subject}"[:200] + f"\n\nActor: {current_actor()}\n")


def hook(town: Town, who: str | None = None) -> dict[str, Any]:
    """The agent and what is on its hook (bead and molecule), for `gt hook`."""
    with snapshot.load(town, warn=False) as snap:
        agent = roster.find(snap, who)
        bead = snap.get(agent["hook"]) if agent.get("hook") else None
    return {"agent": identity.address_of(agent), "hook": agent.get("hook"),
            "bead": bead, "molecule": bead.get("molecule") if bead else None}


def _unhook(agent: Bead, bead: Bead | None, stamp: str) -> tuple[Bead, Bead | None]:
    agent = dict(agent)
    agent.update(hook=None, agent_state=identity.IDLE, updated_at=stamp, last_activity=stamp)
    if bead is not None and bead.get("status") == "hooked":
        bead = dict(bead)
        bead["status"] = "open"
        bead.pop("assignee", None)
        bead["updated_at"] = stamp
    return agent, bead


def unsling(town: Town, who: str | None = None) -> tuple[str, str]:
    """Take the work off an agent's hook (the bead is open again) and stop its session."""
    with store.transaction(town) as snap:
        agent = roster.find(snap, who)
        if not agent.get("hook"):
            raise GastownError(f"{identity.address_of(agent)} has nothing on its hook")
        bead_id = agent["hook"]
        agent, bead = _unhook(agent, snap.get(bead_id), now())
        put = {agent["id"]: agent, **({bead["id"]: bead} if bead else {})}
        _commit(town, snap, put, f"gt unsling: {bead_id} from {identity.address_of(agent)}")
    sessions.stop(town, agent)
    return identity.address_of(agent), bead_id


def release(town: Town, bead_id: str, *, force: bool = False) -> str | None:
    """Free a bead held by an agent whose session is gone (or any, forced)."""
    running = sessions.running(town)
    with store.transaction(town) as snap:
        bead = snap.get(bead_id)
        if bead is None:
            raise NotFound(f"no bead {bead_id!r}")
        holders = [a for a in roster.agents(snap) if a.get("hook") == bead_id]
        if not holders and bead.get("status") != "hooked":
            raise GastownError(f"{bead_id} is on nobody's hook")
        alive = [a for a in holders if sessions.session_of(a) in running]
        if alive and not force:
            raise GastownError(f"{bead_id} is held by {identity.address_of(alive[0])}, whose "
                               f"session {sessions.session_of(alive[0])} runs (--force frees it)")
        stamp = now()
        put: dict[str, Bead] = {}
        for agent in holders:
            freed, _ = _unhook(agent, None, stamp)
            put[freed["id"]] = freed
        _, freed_bead = _unhook({"hook": bead_id}, bead, stamp)
        if freed_bead is not None:
            put[bead_id] = freed_bead
        _commit(town, snap, put, f"gt release: {bead_id}")
    for agent in alive:
        sessions.stop(town, agent)
    return identity.address_of(holders[0]) if holders else None


def _git_identity(worktree: Path, address: str) -> list[str]:
    """`-c user.name/email` for the polecat's commits when git has no identity set."""
    have = git.git(worktree, "config", "user.email", check=False).stdout.strip()
    if have:
        return []
    mail = address.replace("/", ".") + "@gastown.invalid"
    return ["-c", f"user.name={address}", "-c", f"user.email={mail}"]


def _finish_molecule(town: Town, bead: Bead) -> None:
    """Close the molecule's last ready steps (submit); refuse while earlier ones are open."""
    if not bead.get("molecule"):
        return
    from gastown.molecules import model
    from gastown.molecules import ops as mol_ops

    mol = mol_ops.load(town, bead["molecule"])
    states = mol.states()
    if mol.state() in (model.DONE, model.BURNED):
        return
    open_steps = [s for s in mol.steps if states.get(s["id"]) != model.DONE]
    closable = [s for s in open_steps if states.get(s["id"]) in (model.READY, model.AGENT)]
    last = {s["id"] for s in mol.steps if not any(s["step_id"] in (o.get("needs") or ())
                                                  for o in mol.steps)}
    early = [s for s in open_steps if s["id"] not in last or s not in closable]
    if early:
        raise GastownError(f"molecule {mol.id} still has open steps: "
                           + ", ".join(s["step_id"] for s in early)
                           + " (close them with `gt mol step done`, or run them)")
    for step in closable:
        mol_ops.step_done(town, step["id"], note="gt done")


def done(town: Town, who: str | None = None) -> Bead:
    """Commit what is left, push the branch, file a merge request, release the hook."""
    with snapshot.load(town, warn=False) as snap:
        agent = roster.find(snap, who)
        bead_id = agent.get("hook")
        if not bead_id:
            raise GastownError(f"{identity.address_of(agent)} has nothing on its hook")
        bead = snap.get(bead_id) or {}
    if not agent.get("rig"):
        raise GastownError(f"{identity.address_of(agent)} works in no rig; nothing to push")
    cfg = config.load(town, agent["rig"])
    worktree = sessions.workdir(town, agent)
    if not (worktree / ".git").exists():
        raise GastownError(f"{identity.address_of(agent)} has no worktree at {worktree}")
    _finish_molecule(town, bead)
    address = identity.address_of(agent)
    branch = git.out(worktree, "rev-parse", "--abbrev-ref", "HEAD")
    git.git(worktree, "add", "-A")
    if git.git(worktree, "diff", "--cached", "--quiet", check=False).returncode:
        title = str(bead.get("title", bead_id)).splitlines()[0][:72]
        git.git(worktree, *_git_identity(worktree, address), "commit", "-q", "-m",
                f"{title}\n\nRefs: {bead_id}\n")
    sha = git.out(worktree, "rev-parse", "HEAD")
    base = git.out(worktree, "rev-parse", f"refs/remotes/origin/{cfg.branch}")
    if sha == base:
        raise GastownError(f"{branch} has no commits beyond {cfg.branch}; nothing to merge "
                           f"(`gt unsling` gives the work back)")
    push = git.git(worktree, "push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{branch}",
                   check=False)
    if push.returncode:
        raise GastownError(f"cannot push {branch} to {cfg.url}: "
                           f"{push.stderr.decode(errors='replace').strip()}")
    return _file_mr(town, agent["id"], bead_id, branch, cfg.branch, sha)


def _file_mr(town: Town, agent_id: str, bead_id: str, branch: str, target: str,
             sha: str) -> Bead:
    with store.transaction(town) as snap:
        agent = snap.get(agent_id)
        bead = snap.get(bead_id)
        if agent is None or agent.get("hook") != bead_id or bead is None:
            raise GastownError(f"{bead_id} left {agent_id}'s hook while `gt done` ran")
        stamp = now()
        # A rework bead's branch is submitted for the issue it reworks: its MR supersedes
        # the one that failed, and landing it closes the issue and the rework together.
        source = snap.get(bead["rework_of"]) if bead.get("rework_of") else bead
        if source is None:
            raise GastownError(f"{bead_id} reworks {bead['rework_of']}, which does not exist")
        mr, put = requests.file_mr(snap, town.prefix(), issue=source, branch=branch,
                                   target=target, sha=sha, worker=identity.address_of(agent),
                                   rig=agent.get("rig"), stamp=stamp)
        mr_id = mr["id"]
        freed, _ = _unhook(agent, None, stamp)
        put[agent_id] = freed
        bead = dict(bead)
        bead.update(status="in_progress", updated_at=stamp)
        put[bead_id] = bead
        _commit(town, snap, put, f"gt done: {bead_id} -> {mr_id} ({branch} at {sha[:10]})")
    return mr


ROLE_TEXT = {
    "polecat": "You are a polecat: a worker with one job on your hook. Do it on your branch, "
               "close each step with `gt mol step done STEP`, and finish with `gt done`.",
    "crew": "You are crew: a person's own clone of the rig.",
    "witness": "You are the rig's witness: keep its polecats alive and moving.",
    "refinery": "You are the rig's refinery: merge submitted branches one verified batch "
                "at a time.",
    "mayor": "You are the mayor: you plan the town's work and sling it to rigs.",
    "deacon": "You are the deacon: you keep every rig's witness and refinery alive.",
    "boot": "You are boot: you watch the deacon.",
}


def prime(town: Town, who: str | None = None) -> dict[str, Any]:
    """What a fresh session needs to continue: role, hooked bead, current step, mail."""
    from gastown.agents import mail
    from gastown.molecules import model
    from gastown.molecules import ops as mol_ops

    with snapshot.load(town, warn=False) as snap:
        agent = roster.find(snap, who)
        bead = snap.get(agent["hook"]) if agent.get("hook") else None
        address = identity.address_of(agent)
        unread = mail.mailbox(snap, address)
    steps: list[Bead] = []
    if bead and bead.get("molecule"):
        mol = mol_ops.load(town, bead["molecule"])
        states = mol.states()
        steps = [{"id": s["id"], "step_id": s["step_id"], "title": s.get("title"),
                  "state": states[s["id"]], "description": s.get("description", "")}
                 for s in mol.steps if states[s["id"]] != model.DONE]
    return {"agent": address, "role": agent.get("role"), "rig": agent.get("rig"),
            "context": ROLE_TEXT.get(agent.get("role") or "", ""),
            "workdir": str(sessions.workdir(town, agent)), "hook": bead,
            "steps": steps, "mail": unread, "town": str(town.root)}


def handoff(town: Town, who: str | None, note: str, runtime: Any) -> tuple[Bead, str]:
    """Mail to self (what the next session should know), then a fresh session that
    resumes from the hook. Returns the message and the session."""
    from gastown.agents import mail

    with snapshot.load(town, warn=False) as snap:
        agent = roster.find(snap, who)
    address = identity.address_of(agent)
    subject = f"handoff: {agent.get('hook') or 'nothing hooked'}"
    message = mail.send(town, address, subject, note or "(no note)", sender=address)[0]
    return message, sessions.respawn(town, agent, runtime)
