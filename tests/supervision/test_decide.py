"""The supervisors' pure decisions: backoff, crash loops, health, actions, cleanup."""
from __future__ import annotations

from gastown.supervision import decide
from gastown.supervision.decide import Backoff, Observation

POLICY = Backoff(base=5, max=60, loop_restarts=4, loop_window=300)


def test_first_restart_is_immediate_then_each_waits_twice_as_long():
    assert decide.next_restart([], 1000, POLICY) == decide.Restart("restart")
    assert decide.next_restart([1000], 1001, POLICY) == decide.Restart("wait", 4)
    assert decide.next_restart([1000], 1005, POLICY).verdict == "restart"
    assert decide.next_restart([1000, 1005], 1010, POLICY) == decide.Restart("wait", 5)
    assert decide.next_restart([1000, 1005, 1015], 1030, POLICY) == decide.Restart("wait", 5)


def test_the_wait_is_capped():
    policy = POLICY._replace(base=50, loop_restarts=10)
    assert decide.next_restart([1000, 1001, 1002], 1002, policy) == decide.Restart("wait", 60)


def test_restarts_inside_the_window_make_a_crash_loop():
    history = [1000, 1010, 1030, 1070]
    assert decide.next_restart(history, 1100, POLICY).verdict == "give_up"
    # once the window has passed over the old restarts, restarts resume
    assert decide.next_restart(history, 1310, POLICY).verdict == "restart"
    assert decide.recent(history, 1310, POLICY) == [1030, 1070]


def look(at: float, **kw: object) -> Observation:
    base = {"alive": True, "pane": "p1", "head": "c1", "closed_steps": 0, "pane_state": "busy"}
    return Observation(at=at, **{**base, **kw})  # type: ignore[arg-type]


def test_progress_is_pane_commits_or_step_closes():
    before = look(0)
    assert not decide.progressed(before, look(10))
    assert decide.progressed(before, look(10, pane="p2"))
    assert decide.progressed(before, look(10, head="c2"))
    assert decide.progressed(before, look(10, closed_steps=1))
    assert decide.progressed(None, look(10))
    assert not decide.progressed(before, look(10, pane=None))  # the pane could not be read


def test_health():
    assert decide.health(look(100, alive=False), 0, 30, look(90, alive=False)) == "dead"
    assert decide.health(look(100, alive=False), 0, 30, look(90)) == "missing"
    assert decide.health(look(100, alive=False), 0, 30) == "missing"
    assert decide.health(look(100, pane_state="needs_input"), 99, 30) == "needs_input"
    assert decide.health(look(100), 70, 30) == "stuck"
    assert decide.health(look(100), 71, 30) == "ok"


def act(verdict, strikes=0, hooked=True, rig_exists=True, escalated=False):
    return decide.witness_action(verdict, hooked=hooked, rig_exists=rig_exists,
                                 strikes=strikes, escalated=escalated)


def test_stuck_is_nudged_then_restarted_then_escalated_then_left():
    assert [act("stuck", n) for n in range(4)] == ["nudge", "restart", "escalate", "none"]
    assert act("stuck", 2, escalated=True) == "none"


def test_needs_input_escalates_at_once_and_only_once():
    assert act("needs_input") == "escalate"
    assert act("needs_input", escalated=True) == "none"


def test_dead_with_work_restarts_or_releases_when_the_rig_is_gone():
    assert act("dead") == "restart"
    assert act("dead", rig_exists=False) == "release"
    assert act("dead", hooked=False) == "none"
    assert act("ok") == "none"
    assert act("missing") == "none"  # one look without a session is not yet dead


def mr(status, reason=None, branch="polecat/nux/gt-1", created="2026-01-01T00:00:00Z", id="m1"):
    return {"id": id, "status": status, "close_reason": reason, "branch": branch,
            "created_at": created}


def test_cleanup_only_after_the_merge():
    idle = {"hook": None}
    branch = "polecat/nux/gt-1"
    assert not decide.cleanup_due(idle, [], branch)
    assert not decide.cleanup_due(idle, [mr("open")], branch)
    assert not decide.cleanup_due(idle, [mr("closed", "superseded by m2")], branch)
    assert decide.cleanup_due(idle, [mr("closed", "merged")], branch)
    assert not decide.cleanup_due({"hook": "gt-2"}, [mr("closed", "merged")], branch)
    assert not decide.cleanup_due(idle, [mr("closed", "merged", branch="polecat/nux/gt-0")],
                                  branch)
    # a newer request for the same branch that is still open wins
    newer = mr("open", created="2026-02-01T00:00:00Z", id="m2")
    assert not decide.cleanup_due(idle, [mr("closed", "merged"), newer], branch)
