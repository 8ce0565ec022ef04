"""Slings beyond max_polecats wait and start as hooks are released: real towns, tmux."""
from __future__ import annotations

from gastown.agents.tmux import Tmux
from tests.conftest import git_out, run_process
from tests.rigs.conftest import make_source
from tests.work.conftest import FORMULA, create, ledger, wait_for


def set_rig_cap(town, rig: str, cap: int) -> None:
    toml = town.root / "rigs" / rig / "rig.toml"
    toml.write_text(toml.read_text().replace("max_polecats = 10", f"max_polecats = {cap}"))


def set_town_cap(town, cap: int) -> None:
    toml = town.root / "town.toml"
    toml.write_text(toml.read_text().replace("max_polecats = 8", f"max_polecats = {cap}"))


def hooked(town, rig: str | None = None) -> int:
    return sum(1 for a in ledger(town, "agents")
               if a.get("hook") and (rig is None or a.get("rig") == rig))


def mrs_for(town, beads) -> set[str]:
    return {m["source_issue"] for m in ledger(town, "mq")} & set(beads)


def wait_all_done(town, beads, caps: dict[str | None, int], timeout: float = 120) -> None:
    """Wait for a merge request per bead, checking on the way that no cap is exceeded."""
    def check() -> bool:
        for rig, cap in caps.items():
            assert hooked(town, rig) <= cap, (rig, ledger(town, "agents"))
        return mrs_for(town, beads) == set(beads)

    wait_for(check, timeout, f"merge requests for {beads}")


def test_a_sling_of_five_with_a_cap_of_two_starts_two_and_the_rest_follow(town, gt, bd, rig):
    set_rig_cap(town, rig, 2)
    beads = [create(bd, f"task {i}") for i in range(5)]
    out = gt("sling", *beads, "--rig", rig, "--var", "pause=1", "--json").assert_success().json()
    assert [s["bead"] for s in out["slung"]] == beads[:2]
    assert out["waiting"] == beads[2:] and out["failed"] == []
    convoy = [c for c in ledger(town, "convoys") if c["id"] == out["convoy"]]
    assert convoy and convoy[0]["tracks"] == beads and convoy[0]["rig"] == rig

    status = gt("scheduler", "status", "--json").assert_success().json()
    assert [r["bead"] for r in status["waiting"]] == beads[2:]
    assert {"rig": rig, "busy": 2, "cap": 2, "waiting": 3} in status["rigs"]
    assert status["town_cap"] == 8

    wait_all_done(town, beads, {rig: 2})
    assert gt("scheduler", "status", "--json").json()["waiting"] == []
    wait_for(lambda: not Tmux.for_town(town).running(), 15, "sessions to end")
    assert hooked(town) == 0


def test_the_human_output_names_what_started_and_what_waits(town, gt, bd, rig):
    set_rig_cap(town, rig, 1)
    first, second = create(bd, "one"), create(bd, "two")
    out = gt("sling", first, second, "--rig", rig, "--var", "pause=30").assert_success().out
    assert f"{first} -> demo/nux" in out
    assert f"{second} waits for a free polecat" in out
    again = gt("sling", second, "--rig", rig).assert_failure()
    assert "already waiting" in again.err
    text = gt("scheduler", "status").assert_success().out
    assert "1/1 at work, 1 waiting" in text and second in text


def add_rig(town, gt, tmp_path, name: str) -> None:
    make_source(tmp_path / f"src-{name}")
    gt("rig", "add", name, str(tmp_path / f"src-{name}")).assert_success()
    formulas = town.root / "rigs" / name / "formulas"
    formulas.mkdir()
    (formulas / "shell-work.formula.toml").write_text(FORMULA)
    toml = town.root / "rigs" / name / "rig.toml"
    toml.write_text(toml.read_text().replace('formula = "polecat-work"', 'formula = "shell-work"'))
    git_out(town.root, "add", "rigs")
    git_out(town.root, "commit", "-qm", f"{name} rig formula")


def test_the_town_cap_holds_across_two_rigs(town, gt, bd, rig, tmp_path):
    add_rig(town, gt, tmp_path, "other")
    set_town_cap(town, 2)
    here = [create(bd, f"demo {i}") for i in range(2)]
    there = [create(bd, f"other {i}") for i in range(2)]
    a = gt("sling", *here, "--rig", rig, "--var", "pause=1", "--json").assert_success().json()
    assert len(a["slung"]) == 2 and a["waiting"] == []
    b = gt("sling", *there, "--rig", "other", "--json").assert_success().json()
    assert b["slung"] == [] and b["waiting"] == there  # the town is full
    assert gt("scheduler", "status", "--json").json()["busy"] == 2

    wait_all_done(town, here + there, {None: 2})
    assert {m["worker"].split("/")[0] for m in ledger(town, "mq")} == {rig, "other"}


def test_the_queue_survives_a_restart_and_starts_when_a_hook_is_released(town, gt, bd, rig):
    set_rig_cap(town, rig, 1)
    busy, waiting = create(bd, "long"), create(bd, "next")
    gt("sling", busy, "--rig", rig, "--var", "pause=60").assert_success()
    gt("sling", waiting, "--rig", rig).assert_success()
    Tmux.for_town(town).kill_server()  # the machine restarts: sessions gone, state kept

    status = run_process("gt", "scheduler", "status", "--json", cwd=town.root)
    assert [r["bead"] for r in status.assert_success().json()["waiting"]] == [waiting]
    assert gt("scheduler", "run", "--json").assert_success().json()["started"] == []

    gt("release", busy).assert_success()  # the dead session's hook is freed
    wait_for(lambda: mrs_for(town, [waiting]), 60, "the waiting bead's merge request")
    assert gt("scheduler", "status", "--json").json()["waiting"] == []


def test_with_detached_reactions_the_waiting_beads_still_follow(town, gt, bd, rig, monkeypatch):
    monkeypatch.setenv("GT_REACT", "detached")  # as a town runs by default
    set_rig_cap(town, rig, 1)
    beads = [create(bd, f"task {i}") for i in range(3)]
    out = gt("sling", *beads, "--rig", rig, "--json").assert_success().json()
    assert len(out["slung"]) == 1 and out["waiting"] == beads[1:]
    wait_all_done(town, beads, {rig: 1})


def test_a_bead_closed_while_it_waits_is_reported_and_skipped(town, gt, bd, rig):
    set_rig_cap(town, rig, 1)
    busy, dropped, last = create(bd, "long"), create(bd, "dropped"), create(bd, "last")
    gt("sling", busy, "--rig", rig, "--var", "pause=3").assert_success()
    gt("sling", dropped, last, "--rig", rig).assert_success()
    bd("close", dropped, "--reason", "not needed").assert_success()
    # the busy polecat finishes: its slot goes to `dropped`, which fails, then to `last`
    wait_for(lambda: mrs_for(town, [last]), 60, "the last bead's merge request")
    status = gt("scheduler", "status", "--json").assert_success().json()
    assert status["waiting"] == []
    [failed] = status["failed"]
    assert failed["bead"] == dropped and "is closed" in failed["error"]
    assert f"could not start {dropped}" in gt("scheduler", "status").out
