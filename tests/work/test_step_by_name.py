"""`gt mol step done STEP_ID`: a bare step id names that step of the molecule on your hook."""
from __future__ import annotations

import pytest

from gastown.agents.tmux import Tmux
from tests.refinery.conftest import Rig, rig  # noqa: F401  (the fixture)


def _slung_as_nux(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    """A bead of agent steps slung to demo/nux (its session stopped), this process acting
    as demo/nux; the molecule's id."""
    bead = rig.issue("agent steps")
    try:
        rig.gt("sling", bead, "--rig", "demo").assert_success()
    finally:
        Tmux.for_town(rig.town).kill_server()
    monkeypatch.setenv("GT_AGENT", "demo/nux")
    return rig.gt("hook", "demo/nux", "--json").assert_success().json()["molecule"]


def test_a_polecat_closes_its_steps_by_their_formula_ids(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    mol = _slung_as_nux(rig, monkeypatch)
    out = rig.gt("mol", "step", "done", "understand").assert_success().out
    assert f"Closed {mol}.1 (understand)" in out
    # Names that are not a step of the hooked molecule are refused as before.
    err = rig.gt("mol", "step", "done", "deploy").assert_failure().err
    assert "deploy" in err
    assert rig.gt("mol", "step", "done", "understand").assert_failure().err.count("already closed")
    monkeypatch.delenv("GT_AGENT")  # not an agent: a bare step id names nothing
    assert "no molecule 'implement'" in rig.gt("mol", "step", "done", "implement").assert_failure().err


def test_gt_mol_run_without_an_id_runs_the_molecule_on_your_hook(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    mol = _slung_as_nux(rig, monkeypatch)
    out = rig.gt("mol", "run", "--json").assert_failure(4).json()
    assert out["mol_id"] == mol and out["state"] == "waiting"  # its steps are the agent's
    rig.gt("unsling", "demo/nux").assert_success()
    err = rig.gt("mol", "run").assert_failure(2).err
    assert "demo/nux has no molecule on its hook" in err
