"""A rig's git side: the bare clone under rigs/<name>/repo.git and worktrees made from it.

The rig's repository is the URL it was added from (`origin` of the bare clone): work
branches are pushed there, and the default branch is read from there.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gastown import git
from gastown.errors import GastownError
from gastown.rigs.config import RigConfig, rig_dir
from gastown.town.paths import Town

BARE = "repo.git"


def bare_path(town: Town, name: str) -> Path:
    return rig_dir(town, name) / BARE


def normalize_url(url: str) -> str:
    """A local path becomes absolute (worktrees and clones run from other folders)."""
    if "://" in url or (":" in url and not os.path.exists(url)):
        return url
    path = Path(url).expanduser()
    if not path.exists():
        raise GastownError(f"{url}: no such repository (not a URL and no such folder)")
    return str(path.resolve())


def clone(town: Town, cfg: RigConfig) -> Path:
    """Bare-clone the rig's repository, with remote-tracking branches for `origin`."""
    dest = bare_path(town, cfg.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    proc = git.git(dest.parent, "clone", "--bare", "--quiet", "--", cfg.url, BARE, check=False)
    if proc.returncode:
        raise GastownError(f"cannot clone {cfg.url}: "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    git.git(dest, "config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*")
    fetch(dest)
    return dest


def fetch(bare: Path) -> None:
    git.git(bare, "fetch", "--quiet", "--prune", "origin")


def default_branch(bare: Path) -> str | None:
    """The branch the remote's HEAD names (what a fresh clone checks out)."""
    ref = git.git(bare, "symbolic-ref", "--quiet", "HEAD", check=False)
    name = ref.stdout.decode().strip().removeprefix("refs/heads/")
    return name or None


def has_branch(bare: Path, branch: str) -> bool:
    return git.git(bare, "rev-parse", "--verify", "--quiet",
                   f"refs/remotes/origin/{branch}", check=False).returncode == 0


def add_worktree(bare: Path, path: Path, branch: str, base: str) -> None:
    """A worktree at `path` on a new `branch` starting at origin/`base`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    git.git(bare, "worktree", "prune")
    proc = git.git(bare, "worktree", "add", "--quiet", "-B", branch, str(path),
                   f"refs/remotes/origin/{base}", check=False)
    if proc.returncode:
        raise GastownError(f"cannot make worktree {path} on {branch}: "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    git.git(path, "branch", "--quiet", "--unset-upstream", check=False)


def remove_worktree(bare: Path, path: Path) -> None:
    if path.exists():
        git.git(bare, "worktree", "remove", "--force", str(path), check=False)
    git.git(bare, "worktree", "prune")


def run_setup(cfg: RigConfig, worktree: Path) -> None:
    """The rig's `setup` command, run by the shell in a new worktree (it is the rig
    owner's committed configuration, like a Makefile)."""
    if not cfg.setup:
        return
    proc = subprocess.run(cfg.setup, shell=True, cwd=worktree, env=git.no_git_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise GastownError(f"rig {cfg.name}: setup `{cfg.setup}` failed in {worktree} "
                           f"(exit {proc.returncode}): " + " / ".join(tail))


def unpushed(worktree: Path) -> list[str]:
    """Commits on the worktree's branch that no remote branch holds, and uncommitted files."""
    problems = []
    status = git.out(worktree, "status", "--porcelain")
    if status:
        problems.append(f"{len(status.splitlines())} uncommitted file(s)")
    ahead = git.out(worktree, "rev-list", "--count", "HEAD", "--not", "--remotes")
    if ahead != "0":
        problems.append(f"{ahead} commit(s) not pushed")
    return problems
