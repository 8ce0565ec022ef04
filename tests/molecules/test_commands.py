"""`gt formula ...` and `gt mol ...` through the real command line (in-process)."""
from __future__ import annotations

import json
import time
from pathlib import Path

from gastown.town.paths import Town
from tests.conftest import git_out
from tests.molecules.conftest import ledger

FLOW = """
description = "A small flow"

[vars.who]
default = "world"

[[steps]]
id = "plan"
title = "Plan for {{who}}"
description = "Think about {{who}}."

[[steps]]
id = "build"
needs = ["plan"]
run = 'echo "$GT_VAR_WHO" > built.txt'
acceptance_run = 'test -s built.txt'
timeout = "1m"
retries = 1

[[steps]]
id = "approve"
needs = ["build"]
gate = "human"
"""


def _commits(town: Town) -> int:
    return int(git_out(town.root, "rev-list", "--count", "HEAD"))


# -- gt formula -----------------------------------------------------------------------

def test_formula_list_show_cook(gt, write_formula) -> None:
    write_formula("flow", FLOW)
    rows = gt("formula", "list", "--json").assert_success().json()
    by_name = {r["name"]: r for r in rows}
    assert by_name["flow"]["origin"] == "town"
    assert by_name["demo"]["origin"] == "builtin"
    text = gt("formula", "list").assert_success().out
    assert "flow" in text and "town" in text

    shown = gt("formula", "show", "flow", "--json").assert_success().json()
    assert [s["id"] for s in shown["steps"]] == ["plan", "build", "approve"]
    assert shown["vars"]["who"]["default"] == "world"
    assert "approve" in gt("formula", "show", "flow").assert_success().out

    proto = gt("formula", "cook", "flow", "--var", "who=Ada").assert_success().json()
    assert proto["vars"] == {"who": "Ada"}
    assert proto["steps"][0]["title"] == "Plan for Ada"
    assert proto["steps"][1]["env"]["GT_VAR_WHO"] == "Ada"
    assert proto["steps"][1]["run"] == 'echo "$GT_VAR_WHO" > built.txt'

    gt("formula", "cook", "flow", "--var", "nope=1").assert_failure()
    gt("formula", "show", "no-such-formula").assert_failure()


def test_formula_validate_reports_file_and_line(gt, tmp_path: Path) -> None:
    good = tmp_path / "good.formula.toml"
    good.write_text('formula = "good"\n[[steps]]\nid = "a"\nrun = "true"\n')
    bad = tmp_path / "bad.formula.toml"
    bad.write_text('formula = "bad"\n[[steps]]\nid = "a"\nneeds = ["zzz"]\n'
                   '[[steps]]\nid = "b"\nrun = "echo {{x}}"\n')
    gt("formula", "validate", str(good)).assert_success()
    out = gt("formula", "validate", str(good), str(bad)).assert_failure(1).out
    lines = [line for line in out.splitlines() if line.startswith(str(bad))]
    assert lines and all(line.split(":")[1].isdigit() for line in lines), out
    assert any("zzz" in line for line in lines)
    report = gt("formula", "validate", "--json", str(bad)).assert_failure(1).json()
    assert report[0]["ok"] is False and report[0]["problems"][0]["line"]


# -- pour / status / step done / retry / burn -----------------------------------------

def test_pour_writes_root_and_steps_in_one_commit(gt, bd, town: Town, write_formula,
                                                  tmp_path: Path) -> None:
    write_formula("flow", FLOW)
    work = bd("create", "Ship it", "-p", "1", "--json").assert_success().json()
    before = _commits(town)
    mol = gt("mol", "pour", "flow", "--var", "who=Ada", "--on", work["id"],
             "--dir", str(tmp_path / "w"), "--json").assert_success().json()
    assert _commits(town) == before + 1
    mid = mol["id"]
    beads = ledger(town)
    root = beads[mid]
    assert root["issue_type"] == "molecule" and root["formula"] == "flow"
    assert root["vars"] == {"who": "Ada"} and root["on"] == work["id"]
    assert root["dir"] == str(tmp_path / "w") and root["priority"] == 1
    steps = [beads[f"{mid}.{n}"] for n in (1, 2, 3)]
    assert [s["step_id"] for s in steps] == ["plan", "build", "approve"]
    assert all(s["issue_type"] == "step" and s["status"] == "open" for s in steps)
    assert steps[1]["run"] == 'echo "$GT_VAR_WHO" > built.txt'
    assert steps[1]["needs"] == ["plan"] and steps[1]["timeout_seconds"] == 60
    assert steps[1]["retries"] == 1 and steps[1]["acceptance_run"] == "test -s built.txt"
    assert steps[2]["gate"] == {"type": "human"}
    deps = {(d["depends_on_id"], d["type"]) for d in steps[1]["dependencies"]}
    assert deps == {(mid, "parent-child"), (f"{mid}.1", "blocks")}
    # the work bead records its molecule; status finds it through the bead too
    assert bd("show", work["id"], "--json").json()["molecule"] == mid
    info = gt("mol", "status", work["id"], "--json").assert_success().json()
    assert info["id"] == mid and info["state"] == "waiting"
    assert [s["state"] for s in info["steps"]] == ["agent", "pending", "pending"]
    assert info["waiting"] == [{"id": f"{mid}.1", "step_id": "plan", "on": "agent"}]
    # a second molecule on the same unfinished bead is refused
    gt("mol", "pour", "flow", "--on", work["id"]).assert_failure()
    assert "plan" in gt("mol", "status", mid).assert_success().out
    assert mid in gt("mol", "list").assert_success().out


def test_step_done_retry_and_burn(gt, bd, town: Town, write_formula, tmp_path: Path) -> None:
    write_formula("flow", FLOW)
    work = bd("create", "Ship it", "--json").json()
    mid = gt("mol", "pour", "flow", "--on", work["id"], "--dir", str(tmp_path),
             "--json").json()["id"]
    # needs first
    gt("mol", "step", "done", f"{mid}.2").assert_failure()
    before = _commits(town)
    done = gt("mol", "step", "done", f"{mid}.1", "--note", "planned", "--json")
    done.assert_success()
    assert _commits(town) == before + 1
    step = ledger(town)[f"{mid}.1"]
    assert step["status"] == "closed" and step["note"] == "planned"
    gt("mol", "step", "done", f"{mid}.1").assert_failure()  # already closed
    info = gt("mol", "status", mid, "--json").json()
    assert info["ready"] == [f"{mid}.2"] and info["state"] == "ready"
    # retry refuses a step that did not fail
    gt("mol", "step", "retry", f"{mid}.2").assert_failure()
    # MOLECULE:STEP_ID names a step too; burn closes everything left in one commit
    before = _commits(town)
    gt("mol", "burn", mid, "--reason", "changed plans").assert_success()
    assert _commits(town) == before + 1
    beads = ledger(town)
    assert beads[mid]["status"] == "closed" and beads[mid]["burned_at"]
    assert all(beads[f"{mid}.{n}"]["status"] == "closed" for n in (1, 2, 3))
    assert "molecule" not in bd("show", work["id"], "--json").json()
    assert gt("mol", "status", mid, "--json").json()["state"] == "burned"
    gt("mol", "step", "done", f"{mid}:approve").assert_failure()
    gt("mol", "burn", mid).assert_failure()


def test_human_gate_and_run_step_through_the_cli(gt, town: Town, write_formula,
                                                 tmp_path: Path) -> None:
    write_formula("flow", FLOW)
    mid = gt("mol", "pour", "flow", "--dir", str(tmp_path), "--json").json()["id"]
    gt("mol", "step", "done", f"{mid}:plan").assert_success()
    ran = gt("mol", "run", mid)
    assert ran.code == 4, ran.err  # waiting on the human gate
    assert "gt mol step done" in ran.out and "approve" in ran.out
    assert (tmp_path / "built.txt").read_text() == "world\n"
    info = gt("mol", "status", mid, "--json").json()
    assert info["state"] == "waiting" and info["waiting"][0]["on"] == "human-gate"
    build = info["steps"][1]
    assert build["exit_code"] == 0 and build["attempts"] == 1
    assert (town.root / build["log"]).is_file()
    gt("mol", "step", "done", f"{mid}:approve", "--note", "lgtm").assert_success()
    info = gt("mol", "status", mid, "--json").json()
    assert info["state"] == "done" and info["status"] == "closed"
    assert gt("mol", "run", mid).code == 0


def test_timer_gate_step_done_only_when_due(gt, town: Town, write_formula,
                                            tmp_path: Path) -> None:
    write_formula("timed", """
[[steps]]
id = "wait"
gate = { type = "timer", after = "1h" }

[[steps]]
id = "soon"
gate = { type = "timer", after = 1 }
""")
    mid = gt("mol", "pour", "timed", "--dir", str(tmp_path), "--json").json()["id"]
    info = gt("mol", "status", mid, "--json").json()
    assert {w["on"] for w in info["waiting"]} == {"timer-gate"}
    assert all("due" in w for w in info["waiting"])
    err = gt("mol", "step", "done", f"{mid}:wait").assert_failure().err
    assert "not yet" in err
    time.sleep(1.1)
    gt("mol", "step", "done", f"{mid}:soon").assert_success()
    gt("mol", "step", "done", f"{mid}:wait", "--force").assert_success()
    assert gt("mol", "status", mid, "--json").json()["state"] == "done"


# -- wisps -----------------------------------------------------------------------------

def test_wisp_is_never_committed_and_squashes_to_one_digest(gt, town: Town, write_formula,
                                                            tmp_path: Path) -> None:
    write_formula("quick", """
[[steps]]
id = "one"
run = 'echo one >> trail.txt'

[[steps]]
id = "two"
needs = ["one"]
run = 'echo two >> trail.txt'
""")
    before = _commits(town)
    wisp = gt("mol", "wisp", "quick", "--dir", str(tmp_path), "--json").assert_success().json()
    wid = wisp["id"]
    assert wisp["wisp"] is True and "-wisp-" in wid
    assert (town.root / ".gastown" / "wisps" / f"{wid}.jsonl").is_file()
    assert _commits(town) == before
    gt("mol", "squash", wid).assert_failure()  # not finished yet
    gt("mol", "run", wid).assert_success()
    assert (tmp_path / "trail.txt").read_text() == "one\ntwo\n"
    assert _commits(town) == before  # the runtime never commits a wisp
    info = gt("mol", "status", wid, "--json").json()
    assert info["wisp"] and info["state"] == "done"
    assert git_out(town.root, "status", "--porcelain", "--", "beads") == ""
    listed = gt("mol", "list", "--json").json()
    assert [r["id"] for r in listed if r["wisp"]] == [wid]

    digest = gt("mol", "squash", wid, "--json").assert_success().json()
    assert _commits(town) == before + 1
    assert not (town.root / ".gastown" / "wisps" / f"{wid}.jsonl").exists()
    bead = ledger(town)[wid]
    assert bead == digest
    assert bead["status"] == "closed" and "digest" in bead["labels"]
    rows = bead["digest"]["steps"]
    assert [(r["step_id"], r["status"], r["exit_code"]) for r in rows] == [
        ("one", "done", 0), ("two", "done", 0)]
    assert all(isinstance(r["duration_ms"], int) for r in rows)
    assert bead["digest"]["state"] == "done"


def test_wisp_burn_deletes_it(gt, town: Town, write_formula, tmp_path: Path) -> None:
    write_formula("quick", '[[steps]]\nid = "one"\nrun = "true"\n')
    wid = gt("mol", "wisp", "quick", "--dir", str(tmp_path), "--json").json()["id"]
    gt("mol", "burn", wid).assert_success()
    assert not (town.root / ".gastown" / "wisps" / f"{wid}.jsonl").exists()
    gt("mol", "status", wid).assert_failure()


def test_feed_has_step_events(gt, town: Town, write_formula, tmp_path: Path) -> None:
    from gastown.town import feed

    write_formula("quick", '[[steps]]\nid = "one"\nrun = "true"\n')
    mid = gt("mol", "pour", "quick", "--dir", str(tmp_path), "--json").json()["id"]
    gt("mol", "run", mid).assert_success()
    events = feed.read(town)
    kinds = {(e["bead"], e["type"]) for e in events}
    assert (mid, "created") in kinds and (f"{mid}.1", "step_closed") in kinds
    assert (mid, "closed") in kinds
    assert json.dumps(events)
