"""GUPP: a polecat's session killed mid-step and started again continues from its hook."""
from __future__ import annotations

from gastown.agents.tmux import Tmux
from tests.work.conftest import create, ledger, wait_for


def test_killed_session_restarts_and_never_reruns_a_closed_step(town, gt, bd, rig):
    bead = create(bd, "survive a kill")
    gt("sling", bead, "--rig", rig, "--var", "pause2=3").assert_success()
    ran = town.root / ".gastown" / f"ran-{bead}"
    wait_for(lambda: ran.exists() and "test" in ran.read_text(), 30, "the test step to start")
    tmux = Tmux.for_town(town)
    tmux.stop("gt-demo-nux")  # killed in the middle of the `test` step
    assert gt("agents", "list", "--json").json()[0]["running"] is False
    assert gt("hook", "demo/nux", "--json").json()["hook"] == bead  # the hook outlives it

    gt("agents", "start", "demo/nux").assert_success()
    mr = wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
                  "the merge request")
    assert len(mr) == 1
    # implement closed before the kill and never ran again; test ran again (at least once)
    assert ran.read_text().splitlines() == ["implement", "test", "test"]
    wait_for(lambda: not tmux.running(), 10, "the session to end")
    assert gt("hook", "demo/nux", "--json").json()["hook"] is None


def test_restart_before_any_step_and_twice_in_a_row(town, gt, bd, rig):
    bead = create(bd, "restart storm")
    gt("sling", bead, "--rig", rig, "--var", "pause=2").assert_success()
    for _ in range(2):
        gt("agents", "restart", "demo/nux").assert_success()
    wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
             "the merge request")
    lines = (town.root / ".gastown" / f"ran-{bead}").read_text().splitlines()
    assert lines.count("test") == 1 and lines[-1] == "test"
