"""The Refinery as a process: killed at random points, started in the background,
woken by a new merge request, and a polecat's work landing end to end."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from gastown.refinery import process
from tests.conftest import git_out
from tests.work.conftest import FORMULA, wait_for


@pytest.fixture
def stop_refinery(rig):
    yield
    process.stop(rig.town, rig.name, timeout=10)


def _merge_subjects(rig) -> list[str]:
    return git_out(rig.src, "log", "--first-parent", "--format=%s", "main").splitlines()


@pytest.mark.slow
def test_killed_at_random_points_every_mr_lands_exactly_once(rig, stop_refinery):
    rig.configure(batch_size=3, gates='[[gates]]\nname = "slow"\nrun = "sleep 0.2; ! ls | '
                                      'grep -q bad"\n')
    mrs = [rig.work(f"k{i}", {f"{'bad' if i == 4 else 'ok'}{i}.txt": "x\n"})
           for i in range(9)]
    env = {**os.environ, "GT_TOWN": str(rig.town.root)}
    rng = random.Random(20261203)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-m", "gastown.refinery", "demo"],
                                cwd=rig.town.root, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    time.sleep(0.5)  # the killed runs' children (a gate, a push) finish or die
    rig.run()
    mq, work = rig.ledger("mq"), rig.ledger("work")
    subjects = _merge_subjects(rig)
    tip = git_out(rig.src, "rev-parse", "main")
    for i, mr in enumerate(mrs):
        got = mq[mr["id"]]
        if i == 4:
            assert got["status"] in ("blocked", "closed") and got.get("close_reason") != "merged"
            assert not rig.on_main(mr["commit_sha"])
            continue
        assert got["status"] == "closed" and got["close_reason"] == "merged", got
        assert sum(f"({mr['id']})" in s for s in subjects) == 1, subjects
        assert rig.on_main(mr["commit_sha"])
        at = got["merged_sha"]
        assert git_out(rig.src, "merge-base", "--is-ancestor", mr["commit_sha"], at) == ""
        assert git_out(rig.src, "merge-base", "--is-ancestor", at, tip) == ""
        assert work[mr["source_issue"]]["close_reason"] == f"merged in {at}"
    assert len(rig.ledger("work")) == 9 + len([b for b in work.values() if b.get("rework_of")])
    assert rig.branches() == ["k4", "main"]
    assert git_out(rig.town.root, "status", "--porcelain") == ""
    assert not process.running(rig.town, "demo")


def test_refinery_start_status_stop_in_the_background(rig, stop_refinery):
    rig.configure(gates='gates = ["sleep 2"]\n')
    mr = rig.work("bg", {"bg.txt": "bg\n"})
    out = rig.gt("refinery", "start", "--rig", "demo", "--json").assert_success().json()
    assert out["started"] and out["pid"]
    wait_for(lambda: rig.gt("refinery", "status", "--rig", "demo", "--json").json()["running"],
             10, "the refinery to run")
    again = rig.gt("refinery", "start", "--rig", "demo", "--json").assert_success().json()
    assert not again["started"]
    assert "is running already (pid" in rig.gt("mq", "run", "--rig", "demo").assert_failure().err
    wait_for(lambda: rig.ledger("mq")[mr["id"]]["status"] == "closed", 30, "the merge")
    wait_for(lambda: not process.running(rig.town, "demo"), 10, "the run to end")
    status = rig.gt("refinery", "status", "--rig", "demo", "--json").assert_success().json()
    assert status == {**status, "running": False, "queued": 0, "merged": 1, "stopped": False}
    rig.gt("refinery", "stop", "--rig", "demo").assert_success()
    assert rig.gt("refinery", "status", "--rig", "demo", "--json").json()["stopped"]
    busy = rig.gt("mq", "run", "--rig", "demo")
    assert busy.code == 0  # a foreground run is always allowed


def test_a_new_mr_wakes_the_refinery(rig, stop_refinery, monkeypatch):
    rig.configure(gates='gates = ["true"]\n')
    monkeypatch.setenv("GT_REFINERY_AUTOSTART", "1")
    mr = rig.work("woken", {"w.txt": "w\n"})
    wait_for(lambda: rig.ledger("mq")[mr["id"]]["status"] == "closed", 30, "the merge")
    assert rig.on_main(mr["commit_sha"])
    rig.gt("refinery", "stop", "--rig", "demo").assert_success()
    later = rig.work("asleep", {"a.txt": "a\n"})
    time.sleep(1.5)
    assert rig.ledger("mq")[later["id"]]["status"] == "open"  # stopped: not woken
    rig.gt("mq", "reject", later["id"]).assert_success()
    rig.gt("refinery", "start", "--rig", "demo").assert_success()  # woken again from now on
    wait_for(lambda: not process.running(rig.town, "demo"), 10, "the empty run to end")
    rig.gt("mq", "retry", later["id"]).assert_success()  # an MR queued again wakes it too
    wait_for(lambda: rig.ledger("mq")[later["id"]]["status"] == "closed", 30, "the merge")
    assert rig.on_main(later["commit_sha"])


def test_a_slung_beads_work_lands_on_main(rig, stop_refinery, monkeypatch):
    from gastown.agents.tmux import Tmux

    formulas = rig.town.root / "rigs" / "demo" / "formulas"
    formulas.mkdir()
    (formulas / "shell-work.formula.toml").write_text(FORMULA)
    rig.configure(formula='"shell-work"', gates='gates = ["test -s work-*.txt"]\n')
    monkeypatch.setenv("GT_REFINERY_AUTOSTART", "1")
    bead = rig.issue("end to end")
    try:
        rig.gt("sling", bead, "--rig", "demo").assert_success()
        wait_for(lambda: rig.ledger("work")[bead]["status"] == "closed", 90, "the merge")
    finally:
        Tmux.for_town(rig.town).kill_server()
    assert git_out(rig.src, "show", f"main:work-{bead}.txt") == f"done: {bead}"
    [mr] = [m for m in rig.ledger("mq").values() if m["source_issue"] == bead]
    assert mr["worker"] == "demo/nux" and mr["close_reason"] == "merged"
    assert rig.ledger("work")[bead]["close_reason"] == f"merged in {mr['merged_sha']}"
