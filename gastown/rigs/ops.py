"""Adding, listing, inspecting and removing rigs."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from gastown import git
from gastown.beads import store
from gastown.beads.actor import actor as current_actor
from gastown.errors import GastownError, UsageError
from gastown.rigs import config, repo
from gastown.rigs.config import RigConfig
from gastown.town.paths import Town


def add(town: Town, name: str, url: str, *, branch: str | None = None,
        prefix: str | None = None, runtime: str | None = None,
        setup: str | None = None) -> RigConfig:
    """Clone `url` as rig `name` and commit its rig.toml."""
    config.check_name(name)
    toml = config.rig_dir(town, name) / config.RIG_FILE
    if toml.exists():
        raise GastownError(f"rig {name!r} exists ({town.rel(toml)}); "
                           f"`gt rig remove {name}` first")
    if prefix is not None and not config.PREFIX_RE.match(prefix):
        raise UsageError(f"--prefix {prefix!r}: letters, digits and '_', at most 16")
    if runtime:
        from gastown.agents import runtimes

        runtimes.load(town, runtime)
    cfg = RigConfig(name=name, url=repo.normalize_url(url), prefix=prefix or name,
                    runtime=runtime or "", setup=setup or "")
    made = not config.rig_dir(town, name).exists()
    try:
        bare = repo.clone(town, cfg)
        chosen = branch or repo.default_branch(bare) or "main"
        if not repo.has_branch(bare, chosen):
            raise GastownError(f"{cfg.url} has no branch {chosen!r}")
        cfg = cfg._replace(branch=chosen)
        toml.write_text(cfg.to_toml())
        _commit_with_agents(town, name, town.rel(toml), retire=False,
                            message=f"gt rig add: {name} ({cfg.url}, {chosen})")
    except BaseException:
        if made:
            shutil.rmtree(config.rig_dir(town, name), ignore_errors=True)
        else:
            shutil.rmtree(repo.bare_path(town, name), ignore_errors=True)
            toml.unlink(missing_ok=True)
        raise
    return cfg


def ensure_clone(town: Town, cfg: RigConfig) -> Path:
    """The rig's bare clone, made when this clone of the town has none yet; fetched."""
    bare = repo.bare_path(town, cfg.name)
    if not (bare / "HEAD").is_file():
        return repo.clone(town, cfg)
    repo.fetch(bare)
    return bare


def status(town: Town, name: str) -> dict[str, Any]:
    cfg = config.load(town, name)
    bare = repo.bare_path(town, name)
    cloned = (bare / "HEAD").is_file()
    tip = None
    if cloned:
        tip = git.git(bare, "rev-parse", "--verify", "--quiet",
                      f"refs/remotes/origin/{cfg.branch}", check=False).stdout.decode().strip()
    out = cfg._asdict()
    out.update(gates=[g._asdict() for g in cfg.gates], names=list(cfg.names), cloned=cloned,
               clone=town.rel(bare), tip=tip or None)
    return out


def list_rigs(town: Town) -> list[dict[str, Any]]:
    return [status(town, n) for n in config.names(town)]


def remove(town: Town, name: str, *, force: bool = False) -> None:
    """Delete the rig's folder and commit the removal of its rig.toml.

    Refuses while a polecat or crew worktree holds unpushed work, unless forced.
    """
    config.load(town, name)
    base = config.rig_dir(town, name)
    if not force:
        problems = []
        for kind in ("polecats", "crew"):
            for wt in sorted((base / kind).glob("*/.git")):
                lost = repo.unpushed(wt.parent)
                if lost:
                    problems.append(f"{town.rel(wt.parent)}: {', '.join(lost)}")
        if problems:
            raise GastownError(f"rig {name} has work that is not pushed (--force loses it): "
                               + "; ".join(problems))
    from gastown.agents import sessions

    sessions.stop_rig(town, name)
    rel = town.rel(base)
    shutil.rmtree(base)
    _commit_with_agents(town, name, rel, retire=True, message=f"gt rig remove: {name}")


def _commit_with_agents(town: Town, rig: str, rel: str, *, retire: bool, message: str) -> None:
    """One commit: the rig's files with its Witness and Refinery identities (made on
    add), or with every agent of the rig retired (on remove)."""
    from gastown.agents import identity, roster
    from gastown.beads.actor import now

    who = current_actor()
    with store.transaction(town) as snap:
        stamp = now()
        put = {}
        if retire:
            for agent in roster.agents(snap, rig):
                if agent.get("status") != "closed":
                    put[agent["id"]] = {**agent, "status": "closed", "closed_at": stamp,
                                        "updated_at": stamp, "close_reason": "rig removed",
                                        "hook": None}
        else:
            for role in ("witness", "refinery"):
                bead = identity.new_agent(rig, role, role, "", stamp, who)
                old = snap.get(bead["id"])
                if old is None or old.get("status") == "closed":
                    put[bead["id"]] = bead
        store.apply(town, snap, store.Change(put=put), f"{message}\n\nActor: {who}\n",
                    also=(rel,))
