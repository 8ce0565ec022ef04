"""A rig's repository that refuses the push (its branch checked out) is a clear error,
not a target that "moved" twenty times; the MR stays queued and lands once it can."""
from __future__ import annotations

from tests.refinery.conftest import git


def test_a_refused_push_is_named_and_the_mr_stays_queued(rig):
    mr = rig.work("feature", {"feature.txt": "x\n"})
    git(rig.src, "checkout", "-q", "main")  # main checked out: the repository refuses pushes
    out = rig.gt("mq", "run", "--rig", rig.name)
    assert out.code == 1, out
    assert "refused the push of main" in out.err and "checked out" in out.err
    assert "moved" not in out.err
    assert rig.ledger("mq")[mr["id"]]["status"] == "open"
    git(rig.src, "config", "receive.denyCurrentBranch", "updateInstead")
    rig.gt("mq", "run", "--rig", rig.name).assert_success()
    assert rig.ledger("mq")[mr["id"]]["close_reason"] == "merged"
    assert (rig.src / "feature.txt").read_text() == "x\n"
