"""`gt sling`: put beads on polecats' hooks and start their sessions.

For each bead: a free polecat (or a new one from the rig's name pool), a worktree on
a fresh branch `polecat/<name>/<bead>` off the rig's default branch (its `setup` run),
the rig's formula poured onto the bead, the bead hooked; then the sessions start.
Slinging several beads at once also records them as one convoy.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from gastown import locks
from gastown.agents import identity, roster, runtimes, sessions
from gastown.beads import ids, schema, snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.cli.output import echo
from gastown.errors import GastownError, NotFound, UsageError
from gastown.rigs import config, ops, repo
from gastown.rigs.config import RigConfig
from gastown.town.paths import Town

Bead = dict[str, Any]


class Slung(NamedTuple):
    bead: str
    agent: str  # address, rig/name
    session: str
    branch: str
    worktree: str
    molecule: str


class SlingResult(NamedTuple):
    rig: str
    slung: list[Slung]
    convoy: str | None


def split_rig(beads: Sequence[str], rig: str | None, town: Town) -> tuple[list[str], str]:
    """`gt sling BEAD... --rig R`, or Gas Town's `gt sling BEAD RIG` (last word a rig)."""
    words = list(beads)
    if rig is None and len(words) > 1 and words[-1] in config.names(town):
        rig = words.pop()
    if rig is None:
        raise UsageError("which rig? `gt sling BEAD... --rig RIG` (rigs: "
                         + (", ".join(config.names(town)) or "none; `gt rig add`") + ")")
    if not words:
        raise UsageError("sling what? name at least one bead")
    if len(set(words)) != len(words):
        raise UsageError("a bead is named twice")
    return words, rig


def branch_for(name: str, bead_id: str) -> str:
    return f"polecat/{name}/{bead_id}"


def _check_beads(snap: snapshot.Snapshot, bead_ids: list[str]) -> list[Bead]:
    out = []
    for bid in bead_ids:
        bead = snap.get(bid)
        if bead is None:
            raise NotFound(f"no bead {bid!r}")
        if not schema.is_work(bead):
            raise UsageError(f"{bid} is a {bead.get('issue_type')}, not work to sling")
        if bead.get("status") == "closed":
            raise GastownError(f"{bid} is closed")
        holder = [a for a in roster.agents(snap) if a.get("hook") == bid]
        if holder or bead.get("status") == "hooked":
            who = identity.address_of(holder[0]) if holder else bead.get("assignee", "?")
            raise GastownError(f"{bid} is already on {who}'s hook (`gt release {bid}` frees it)")
        out.append(bead)
    return out


def _prepare_worktree(town: Town, cfg: RigConfig, bare: Path, name: str, bead_id: str) -> Path:
    """The polecat's worktree on its branch for `bead_id`; an existing one on that branch
    is kept (its work resumes), another one is replaced if it holds nothing unpushed."""
    path = config.rig_dir(town, cfg.name) / "polecats" / name
    branch = branch_for(name, bead_id)
    if (path / ".git").exists():
        from gastown import git

        current = git.out(path, "rev-parse", "--abbrev-ref", "HEAD")
        if current == branch:
            return path
        lost = repo.unpushed(path)
        if lost:
            raise GastownError(f"polecat {name}'s worktree {town.rel(path)} has "
                               f"{', '.join(lost)} on {current}; push or remove it first")
        repo.remove_worktree(bare, path)
    repo.add_worktree(bare, path, branch, cfg.branch)
    repo.run_setup(cfg, path)
    return path


def _pour(town: Town, cfg: RigConfig, bead: Bead, formula: str, var: Sequence[str],
          worktree: Path, who: str) -> str:
    from gastown.molecules import model
    from gastown.molecules import ops as mol_ops

    current = bead.get("molecule")
    if current:
        try:
            old = mol_ops.load(town, current)
        except NotFound:
            old = None
        if old is not None and old.state() not in (model.DONE, model.BURNED):
            if old.root.get("dir") == str(worktree):
                return old.id  # the same polecat picks its molecule up again
            raise GastownError(f"{bead['id']} has molecule {old.id} in {old.root.get('dir')}; "
                               f"`gt mol burn {old.id}` to start over elsewhere")
    values = [f"issue={bead['id']}", f"base={cfg.branch}", *var]
    mol = mol_ops.pour(town, formula, var=values, on=bead["id"], work_dir=str(worktree),
                       rig=cfg.name, actor=who)
    return mol.id


def sling(town: Town, bead_ids: Sequence[str], rig: str | None, *, formula: str | None = None,
          var: Sequence[str] = (), runtime: str | None = None,
          max_polecats: int | None = None, convoy: bool = True,
          actor: str | None = None) -> SlingResult:
    """`max_polecats`: the cap to hold instead of the rig's (the scheduler keeps its own
    count); `convoy`: record several beads as a convoy; `actor`: whom the commits name."""
    words, rig_name = split_rig(bead_ids, rig, town)
    cfg = config.load(town, rig_name)
    chosen = runtimes.choose(town, cfg.runtime, runtime)
    formula_name = formula or cfg.formula
    from gastown.molecules import ops as mol_ops

    for bid in words:  # cook first: a bad var or formula fails before anything is made
        mol_ops.cook(town, formula_name, [f"issue={bid}", f"base={cfg.branch}", *var], rig_name)
    who = actor or current_actor()
    cap = cfg.max_polecats if max_polecats is None else max_polecats
    with locks.held(town.state / "locks" / f"rig-{rig_name}.lock", wait=store.lock_timeout()):
        bare = ops.ensure_clone(town, cfg)
        if not repo.has_branch(bare, cfg.branch):
            raise GastownError(f"rig {rig_name}: {cfg.url} has no branch {cfg.branch!r}")
        with snapshot.load(town, warn=False) as snap:
            beads = _check_beads(snap, words)
            everyone = roster.agents(snap, rig_name)
        polecats = [a for a in everyone if a.get("role") == "polecat"]
        plan = identity.assign(words, polecats, sessions.running(town), cfg.names,
                               cap, taken=[a["name"] for a in everyone])
        made = []
        for step, bead in zip(plan, beads):
            worktree = _prepare_worktree(town, cfg, bare, step.name, bead["id"])
            mol_id = _pour(town, cfg, bead, formula_name, var, worktree, who)
            made.append((step, worktree, mol_id))
        agents, convoy_id = _hook(town, rig_name, made, chosen.name, who, convoy)
    slung = []
    for (step, worktree, mol_id), agent in zip(made, agents):
        # The work is hooked (committed): a session that fails to start is not a failed
        # sling; it shows as dead, and `gt agents start` or the Witness starts it.
        try:
            session = sessions.start(town, agent, chosen)
        except GastownError as e:
            session = sessions.session_of(agent)
            echo(f"gt sling: {session} did not start: {e}", file=sys.stderr)
        slung.append(Slung(step.bead, identity.address_of(agent), session,
                           branch_for(step.name, step.bead), str(worktree), mol_id))
    return SlingResult(rig_name, slung, convoy_id)


def _hook(town: Town, rig: str, made: list[tuple[identity.Assignment, Path, str]],
          runtime: str, who: str, with_convoy: bool = True) -> tuple[list[Bead], str | None]:
    """One commit: the polecats (new or updated) with their hooks, the hooked beads,
    and the convoy when several beads were slung together."""
    with store.transaction(town) as snap:
        stamp = now()
        put: dict[str, Bead] = {}
        agents = []
        for step, _, _ in made:
            agent = snap.get(identity.agent_id(rig, step.name))
            agent = dict(agent) if agent else identity.new_agent(rig, step.name, "polecat",
                                                                 runtime, stamp, who)
            agent.update(hook=step.bead, agent_state=identity.WORKING, runtime=runtime,
                         updated_at=stamp, last_activity=stamp)
            bead = dict(_check_beads(snap, [step.bead])[0])
            bead.update(status="hooked", assignee=identity.address_of(agent), updated_at=stamp)
            put[agent["id"]] = agent
            put[bead["id"]] = bead
            agents.append(agent)
        convoy = None
        if len(made) > 1 and with_convoy:
            tracked = [step.bead for step, _, _ in made]
            convoy = ids.mint(town.prefix(), f"convoy\0{' '.join(tracked)}\0{stamp}",
                              snap.where, len(snap))
            put[convoy] = {"id": convoy, "title": f"sling of {len(tracked)} beads to {rig}",
                           "status": "open", "issue_type": "convoy", "created_at": stamp,
                           "created_by": who, "updated_at": stamp, "tracks": tracked,
                           "rig": rig}
        summary = ", ".join(f"{s.bead} -> {rig}/{s.name}" for s, _, _ in made)
        store.apply(town, snap, store.Change(put=put),
                    f"gt sling: {summary}"[:200] + f"\n\nActor: {who}\n")
    return agents, convoy
