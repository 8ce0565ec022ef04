"""The Deacon's round as a deacon-patrol wisp run on the shell runtime: its steps'
`gt` commands do the patrol, a killed round does not block the next, and the Deacon
shows alive while it rests."""
from __future__ import annotations

import json
import subprocess

from gastown.agents.tmux import Tmux
from gastown.molecules import model
from gastown.molecules.model import Molecule
from gastown.molecules.storage import WispMolecules, wisp_ids
from gastown.supervision import deacon, roles
from tests.supervision.conftest import configure
from tests.work.conftest import wait_for

STEPS = ["check-agents", "handle-escalations", "tidy", "rest"]


def _dead_pid() -> int:
    dead = subprocess.Popen(["true"])
    dead.wait()
    return dead.pid


def _rounds(town) -> list[Molecule]:
    store = WispMolecules(town)
    return [store.load(w) for w in wisp_ids(town)]


def test_a_round_runs_the_patrol_through_its_steps_gt_commands(town, rig):
    configure(town, deacon_interval=1, backoff_base=0.1)
    stale = town.root / ".gastown" / "run" / "old.pid"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text(f"{_dead_pid()}\n")
    assert not Tmux.for_town(town).has("gt-demo-witness")

    result = deacon.run_round(town, gate_wait=10)

    assert result.state == model.DONE, result
    (mol,) = _rounds(town)
    assert mol.id == result.mol_id and mol.root["formula"] == "deacon-patrol"
    assert [s["step_id"] for s in sorted(mol.steps, key=lambda s: s["closed_at"])] == STEPS
    assert mol.by_step_id()["rest"]["gate"]["after_seconds"] == 1
    assert Tmux.for_town(town).has("gt-demo-witness")  # check-agents restarted it
    assert not stale.exists()  # the tidy step's Dogs removed it
    logs = town.root / ".gastown" / "logs" / "molecules" / mol.id
    assert "demo/witness: restarted" in (logs / "check-agents.log").read_text()
    assert "stale_pid" in (logs / "tidy.log").read_text()


def test_the_formula_keeps_its_descriptions_for_an_agent(town):
    from gastown.molecules import ops

    mol = ops.pour(town, "deacon-patrol", wisp=True, work_dir=str(town.root))
    steps = mol.by_step_id()
    assert list(steps) == STEPS
    assert all(steps[s].get("description") for s in STEPS)
    assert [steps[s].get("run") for s in STEPS[:3]] == [
        "gt deacon check-agents", "gt escalate check", "gt deacon dogs"]
    assert steps["rest"]["gate"] == {"type": "timer", "after_seconds": 600}
    assert deacon.paced(mol, 7).by_step_id()["rest"]["gate"]["after_seconds"] == 7


def test_a_deacon_killed_mid_round_leaves_the_next_round_working(town, rig, gt):
    configure(town, deacon_interval=3600)  # the session's round rests for an hour
    (agent,) = roles.ensure(town, [(None, "deacon")])
    roles.start(town, agent)

    def resting() -> list[Molecule]:
        return [m for m in _rounds(town)
                if m.states()[m.by_step_id()["rest"]["id"]] == model.TIMER_GATE]

    wait_for(lambda: resting(), 30, "the Deacon's round to reach its rest")
    (killed,) = resting()
    status = json.loads(gt("deacon", "status", "--json").assert_success().out)
    assert status["running"] and status["heartbeat_age"] < 30
    agents = json.loads(gt("status", "--json").assert_success().out)["agents"]
    assert [a["running"] for a in agents if a["role"] == "deacon"] == [True]
    Tmux.for_town(town).stop("gt-deacon")
    assert deacon.unfinished_rounds(_rounds(town)) == [killed.id]

    configure(town, deacon_interval=1)
    result = deacon.run_round(town, gate_wait=10)

    assert result.state == model.DONE
    assert [m.id for m in _rounds(town)] == [result.mol_id]  # the killed round burned
    assert deacon.unfinished_rounds(_rounds(town)) == []


def test_unfinished_rounds_are_open_deacon_patrol_wisps():
    def wisp(wid: str, formula: str, status: str) -> Molecule:
        root = {"id": wid, "formula": formula, "status": status, "issue_type": "molecule"}
        step = {"id": f"{wid}.1", "step_id": "s", "status": status, "issue_type": "step",
                "run": "true"}
        return Molecule(root, [step], wisp=True)

    wisps = [wisp("a", "deacon-patrol", "open"), wisp("b", "deacon-patrol", "closed"),
             wisp("c", "witness-patrol", "open")]
    assert deacon.unfinished_rounds(wisps) == ["a"]
