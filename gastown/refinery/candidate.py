"""The Refinery's git side: a scratch worktree, candidate merges, the compare-and-swap
push to the target, and deleting merged branches. Every call runs in the rig's bare
clone (`origin` is the rig's repository) or the scratch worktree made from it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

from gastown import git
from gastown.errors import GastownError
from gastown.rigs import config
from gastown.rigs.config import RigConfig
from gastown.town.paths import Town


class Conflict(NamedTuple):
    mr: str
    files: tuple[str, ...]


def remove_scratch(town: Town, cfg: RigConfig, bare: Path, pattern: str = "run-*") -> None:
    base = config.rig_dir(town, cfg.name) / "refinery"
    for old in sorted(base.glob(pattern)) if base.is_dir() else ():
        # twice forced: a run killed inside `worktree add` leaves it locked
        git.git(bare, "worktree", "remove", "--force", "--force", str(old), check=False)
        shutil.rmtree(old, ignore_errors=True)
    git.git(bare, "worktree", "prune")


def scratch(town: Town, cfg: RigConfig, bare: Path) -> Path:
    """A fresh scratch worktree for this run; earlier runs' ones are removed (a killed
    run's gate may still write in its own folder, never in ours)."""
    remove_scratch(town, cfg, bare)
    base = config.rig_dir(town, cfg.name) / "refinery"
    path = base / f"run-{os.getpid()}"
    base.mkdir(parents=True, exist_ok=True)
    git.git(bare, "worktree", "add", "--quiet", "--detach", "--force", str(path),
            tip(bare, cfg.branch))
    return path


def tip(bare: Path, target: str) -> str:
    return git.out(bare, "rev-parse", f"refs/remotes/origin/{target}")


def missing(bare: Path, shas: list[str]) -> set[str]:
    """Which of `shas` are not commits of the clone (one `git cat-file`)."""
    if not shas:
        return set()
    query = "".join(f"{sha}^{{commit}}\n" for sha in shas).encode()
    lines = git.git(bare, "cat-file", "--batch-check", input=query).stdout.decode().split("\n")
    return {sha for sha, line in zip(shas, lines) if line.endswith(" missing")}


def is_ancestor(bare: Path, commit: str, of: str) -> bool:
    return git.git(bare, "merge-base", "--is-ancestor", commit, of, check=False).returncode == 0


def landing_commit(bare: Path, commit: str, target_tip: str) -> str:
    """The first commit on the target's first-parent line that holds `commit`."""
    line = git.out(bare, "rev-list", "--first-parent", "--ancestry-path", "--reverse",
                   f"{commit}..{target_tip}").split("\n", 1)[0]
    return line or target_tip


def reset(worktree: Path, sha: str) -> None:
    """The worktree exactly at `sha` with no stray files (a conflicted merge is always
    aborted where it happens, so none is in progress here)."""
    git.git(worktree, "checkout", "--quiet", "--force", "--detach", sha)
    git.git(worktree, "clean", "-ffdxq")


def _identity(worktree: Path, rig: str) -> list[str]:
    if git.git(worktree, "config", "user.email", check=False).stdout.strip():
        return []
    return ["-c", f"user.name={rig}/refinery", "-c", f"user.email={rig}.refinery@gastown.invalid"]


def merge(worktree: Path, rig: str, mr: dict[str, str]) -> Conflict | None:
    """Merge the MR's commit into the worktree's HEAD (--no-ff); a conflict is undone."""
    message = f"Merge {mr['branch']} ({mr['id']})\n\nRefs: {mr['source_issue']}\n"
    proc = git.git(worktree, *_identity(worktree, rig), "merge", "--no-ff", "--no-edit",
                   "--quiet", "-m", message, mr["commit_sha"], check=False)
    if proc.returncode == 0:
        return None
    files = git.out(worktree, "diff", "--name-only", "--diff-filter=U").split()
    git.git(worktree, "merge", "--abort", check=False)
    if not files:
        raise git.GitError(["merge", mr["commit_sha"]], proc.returncode,
                           proc.stderr.decode(errors="replace"))
    return Conflict(mr["id"], tuple(files))


def rebase(worktree: Path, rig: str, mr: dict[str, str]) -> str | None:
    """The MR's commits replayed onto HEAD (commits already upstream are skipped), or
    None if that conflicts too; HEAD is left where it was either way."""
    onto = head(worktree)
    git.git(worktree, "checkout", "--quiet", "--detach", mr["commit_sha"])
    proc = git.git(worktree, *_identity(worktree, rig), "rebase", "--quiet", onto,
                   check=False)
    rebased = head(worktree) if proc.returncode == 0 else None
    if rebased is None:
        git.git(worktree, "rebase", "--abort", check=False)
    reset(worktree, onto)
    return rebased


def head(worktree: Path) -> str:
    return git.out(worktree, "rev-parse", "HEAD")


def slot(town: Town, cfg: RigConfig, bare: Path, number: int, sha: str) -> Path:
    """An extra worktree of this run (for gating candidates side by side), at `sha`."""
    path = config.rig_dir(town, cfg.name) / "refinery" / f"run-{os.getpid()}-{number}"
    if not (path / ".git").exists():
        git.git(bare, "worktree", "add", "--quiet", "--detach", "--force", str(path), sha)
    reset(path, sha)
    return path


def push(worktree: Path, target: str, new: str, expected: str) -> bool:
    """Advance origin's `target` to `new` if it is still at `expected`; False if it moved."""
    proc = git.git(worktree, "push", "--porcelain", "--quiet",
                   f"--force-with-lease=refs/heads/{target}:{expected}", "origin",
                   f"{new}:refs/heads/{target}", check=False)
    if proc.returncode == 0:
        return True
    text = (proc.stdout + proc.stderr).decode(errors="replace")
    if "[remote rejected]" in text:
        # the repository refused it (its branch is checked out, a hook said no): trying
        # again on a new tip cannot help
        reason = text[text.index("[remote rejected]"):].splitlines()[0]
        raise GastownError(f"the rig's repository refused the push of {target}: {reason}"
                           + (" (push to a bare repository, or set receive.denyCurrentBranch"
                              " = updateInstead in it)" if "checked out" in text else ""))
    if "stale info" in text or "fetch first" in text or "non-fast-forward" in text \
            or "rejected" in text:
        return False
    raise git.GitError(["push", "origin", f"{new}:refs/heads/{target}"], proc.returncode, text)


def delete_branches(bare: Path, branches: list[tuple[str, str]]) -> None:
    """Delete each (branch, sha) on origin if it still points at sha (a branch pushed
    again since is kept); the next fetch prunes them here."""
    if branches:
        leases = [f"--force-with-lease=refs/heads/{b}:{sha}" for b, sha in branches]
        git.git(bare, "push", "--quiet", *leases, "origin",
                *[f":refs/heads/{b}" for b, _ in branches], check=False)


def remote_branches(bare: Path) -> dict[str, str]:
    out = git.out(bare, "for-each-ref", "--format=%(refname:lstrip=3) %(objectname)",
                  "refs/remotes/origin/")
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
