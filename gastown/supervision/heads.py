"""A worktree's branch and HEAD commit, read from git's files (no process per polecat).

A linked worktree's `.git` file names its git dir; that dir's HEAD names the branch,
whose commit is a loose ref or a line of packed-refs in the common dir. Anything
unusual falls back to `git rev-parse`.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from gastown import git


class Head(NamedTuple):
    branch: str | None  # None: detached, or no worktree
    sha: str | None


NONE = Head(None, None)


def head(worktree: Path) -> Head:
    try:
        return _from_files(worktree)
    except (OSError, ValueError):
        return _from_git(worktree)


def _from_files(worktree: Path) -> Head:
    dotgit = worktree / ".git"
    if not dotgit.exists():
        return NONE
    if dotgit.is_dir():
        gitdir = common = dotgit
    else:
        text = dotgit.read_text().strip()
        if not text.startswith("gitdir: "):
            raise ValueError(f"{dotgit}: not a gitdir file")
        gitdir = (worktree / text[len("gitdir: "):]).resolve()
        common_file = gitdir / "commondir"
        common = ((gitdir / common_file.read_text().strip()).resolve()
                  if common_file.exists() else gitdir)
    ref = (gitdir / "HEAD").read_text().strip()
    if not ref.startswith("ref: "):
        return Head(None, ref)
    name = ref[len("ref: "):]
    branch = name.removeprefix("refs/heads/")
    loose = common / name
    if loose.is_file():
        return Head(branch, loose.read_text().strip())
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().split("\n"):
            if line.endswith(" " + name):
                return Head(branch, line.split(" ", 1)[0])
    return Head(branch, None)  # a branch with no commit yet


def _from_git(worktree: Path) -> Head:
    if not (worktree / ".git").exists():
        return NONE
    sha = git.git(worktree, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
    name = git.git(worktree, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return Head(name.stdout.decode().strip() or None, sha.stdout.decode().strip() or None)
