"""A worktree's branch and HEAD read from git's files match git's own answer."""
from __future__ import annotations

import subprocess

from gastown.supervision import heads
from tests.conftest import git_out
from tests.rigs.conftest import make_source


def test_head_of_linked_worktrees_loose_and_packed(tmp_path):
    src = make_source(tmp_path / "src")
    wt = tmp_path / "wt"
    git_out(src, "worktree", "add", "-q", "-b", "polecat/nux/gt-1", str(wt))
    sha = git_out(wt, "rev-parse", "HEAD")
    assert heads.head(wt) == heads.Head("polecat/nux/gt-1", sha)
    git_out(src, "pack-refs", "--all")
    assert not (src / ".git" / "refs" / "heads" / "polecat").exists()
    assert heads.head(wt) == heads.Head("polecat/nux/gt-1", sha)
    subprocess.run(["git", "checkout", "-q", "--detach"], cwd=wt, check=True)
    assert heads.head(wt) == heads.Head(None, sha)
    assert heads.head(src) == heads.Head("main", sha)
    assert heads.head(tmp_path / "nowhere") == heads.NONE
