"""The Witness on real polecats: stuck ones nudged, restarted, escalated; a permission
prompt escalated at once; a dead session restarted from its hook; cleanup after merge."""
from __future__ import annotations

import json
import time

from gastown.agents.tmux import Tmux
from gastown.beads import store
from gastown.supervision import witness
from gastown.supervision.settings import load
from tests.supervision.conftest import configure
from tests.work.conftest import create, ledger, wait_for
from tests.work.test_nudge_delivery import STANDIN, received, standin_runtime


def feed(town, kind: str) -> list[dict]:
    path = town.root / ".gastown" / "events.jsonl"
    if not path.exists():
        return []
    events = [json.loads(line) for line in path.read_text().split("\n") if line]
    return [e for e in events if e["type"] == kind]


def escalations(town) -> list[dict]:
    return [b for b in ledger(town, "work") if b.get("issue_type") == "escalation"]


def ran(town, bead: str) -> list[str]:
    path = town.root / ".gastown" / f"ran-{bead}"
    return path.read_text().split() if path.exists() else []


def test_a_stuck_polecat_is_nudged_then_restarted_then_escalated(town, gt, bd, rig):
    configure(town, stuck_after=5)
    bead = create(bd, "sleeps forever")
    gt("sling", bead, "--rig", rig, "--var", "pause=100000").assert_success()
    wait_for(lambda: ran(town, bead) == ["implement"], 20, "the step to start")
    time.sleep(0.5)  # the pane settles: the step prints nothing while it sleeps
    t = time.time()

    def at(offset: float) -> list[str]:
        return [a["action"] for a in witness.cycle(town, rig, now=t + offset)["actions"]]

    assert at(0) == []  # the first look is the baseline
    assert at(3) == []  # not stuck yet
    assert at(6) == ["nudged"]
    assert "reads no typed text" in feed(town, "witness_nudged")[0]["title"]
    assert at(8) == []  # the nudge gets a whole stuck_after
    assert at(12) == ["restarted"]
    wait_for(lambda: ran(town, bead) == ["implement", "implement"], 20, "the step to rerun")
    time.sleep(0.5)
    assert at(13) == []  # the restart's own output is the new baseline
    assert at(19) == ["escalated"]
    assert at(40) == []  # escalated once, then left to whoever was told
    assert [e["source"] for e in escalations(town)] == ["hq-demo-witness"]
    assert "demo/nux on " + bead in escalations(town)[0]["message"]
    assert [e["bead"] for e in feed(town, "witness_escalated")] == ["demo/nux"]
    assert Tmux.for_town(town).has("gt-demo-nux")
    saved = json.loads((town.root / ".gastown" / "witness" / "demo.json").read_text())
    assert saved["polecats"]["nux"]["health"] == "stuck"
    assert saved["polecats"]["nux"]["escalated"] is True


def test_a_stuck_client_at_its_prompt_gets_the_nudge_typed(town, gt, bd, rig):
    configure(town, stuck_after=5)
    standin_runtime(town)
    gt("sling", create(bd, "idles"), "--rig", rig, "--runtime", "standin").assert_success()
    wait_for(lambda: received(town, rig, "nux"), 20, "the first prompt")
    time.sleep(1.0)  # the stand-in is done with it and shows its prompt again
    t = time.time()
    assert witness.cycle(town, rig, now=t)["actions"] == []
    done = witness.cycle(town, rig, now=t + 6)["actions"]
    assert [(a["action"], a["detail"].endswith("(delivered)")) for a in done] == [
        ("nudged", True)]
    got = wait_for(lambda: received(town, rig, "nux")[1:], 20, "the nudge")
    assert got[0].startswith("Witness: no progress on ")


def permission_runtime(town) -> None:
    folder = town.root / "runtimes"
    folder.mkdir(exist_ok=True)
    (folder / "asks.toml").write_text(
        f'command = ["{{python}}", "{STANDIN}", "standin.log", "--mode", "permission"]\n'
        'prompt = "none"\nprime = "prompt"\nready = \'^> ?$\'\nbusy = "esc to interrupt"\n'
        'needs_input = "Do you want to proceed\\\\?"\n')


def test_a_permission_prompt_is_escalated_at_once(town, gt, bd, rig):
    permission_runtime(town)
    bead = create(bd, "asks first")
    gt("sling", bead, "--rig", rig, "--runtime", "asks").assert_success()
    tmux = Tmux.for_town(town)
    wait_for(lambda: any("Do you want to proceed?" in line
                         for line in tmux.capture("gt-demo-nux")), 20, "the question")
    done = witness.cycle(town, rig)
    assert [a["action"] for a in done["actions"]] == ["escalated"]
    assert done["polecats"]["nux"]["health"] == "needs_input"
    assert "permission prompt" in escalations(town)[0]["message"]
    assert escalations(town)[0]["severity"] == "HIGH"
    assert witness.cycle(town, rig)["actions"] == []  # once


def test_a_dead_session_with_hooked_work_is_restarted_and_finishes(town, gt, bd, rig):
    bead = create(bd, "dies midway")
    gt("sling", bead, "--rig", rig, "--var", "pause=2").assert_success()
    wait_for(lambda: ran(town, bead) == ["implement"], 20, "the step to start")
    Tmux.for_town(town).stop("gt-demo-nux")
    assert witness.cycle(town, rig)["polecats"]["nux"]["health"] == "missing"
    done = witness.cycle(town, rig)
    assert [a["action"] for a in done["actions"]] == ["restarted"]
    wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
             "the merge request")
    assert ran(town, bead) == ["implement", "implement", "test"]


def test_a_finished_polecat_is_cleaned_only_after_its_merge(town, gt, bd, rig):
    bead = create(bd, "quick")
    gt("sling", bead, "--rig", rig).assert_success()
    mr = wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
                  "the merge request")[0]
    worktree = town.root / "rigs" / rig / "polecats" / "nux"
    wait_for(lambda: not Tmux.for_town(town).has("gt-demo-nux"), 20, "the session to end")
    assert witness.cycle(town, rig)["actions"] == []
    assert worktree.is_dir()  # the MR is only queued

    with store.transaction(town) as snap:
        merged = {**snap.get(mr["id"]), "status": "closed", "close_reason": "merged",
                  "merged_sha": mr["commit_sha"]}
        store.apply(town, snap, store.Change(put={mr["id"]: merged}), "merge it\n")
    done = witness.cycle(town, rig)
    assert [a["action"] for a in done["actions"]] == ["cleaned"]
    assert not worktree.exists()
    assert witness.cycle(town, rig)["actions"] == []


def test_settings_come_from_town_toml(town):
    configure(town, stuck_after=7, crash_loop_restarts=2)
    settings = load(town)
    assert settings.stuck_after == 7.0 and settings.crash_loop_restarts == 2


def test_a_polecat_that_dies_at_once_is_restarted_with_backoff_then_escalated(town, gt, bd,
                                                                              rig):
    configure(town, backoff_base=10, crash_loop_restarts=2)
    (town.root / "runtimes").mkdir()
    (town.root / "runtimes" / "broken.toml").write_text(
        'command = ["false"]\nprompt = "none"\nready = "^> $"\nbusy = "busy"\n')
    bead = create(bd, "never starts")
    gt("sling", bead, "--rig", rig, "--runtime", "broken").assert_success()
    tmux = Tmux.for_town(town)
    wait_for(lambda: not tmux.has("gt-demo-nux"), 10, "the session to exit")
    t = time.time()

    def at(offset: float) -> list[str]:
        actions = witness.cycle(town, rig, now=t + offset)["actions"]
        wait_for(lambda: not tmux.has("gt-demo-nux"), 10, "the session to exit")
        return [a["action"] for a in actions]

    assert at(0) == []  # not running on the first look: maybe just being slung
    assert at(0.5) == ["restarted"]
    assert at(1) == []  # missing once more after the restart
    assert at(2) == []  # backing off
    assert at(11) == ["restarted"]
    assert at(12) == ["escalated"]  # two restarts in the window: a crash loop
    assert at(40) == []  # escalated once; no more restarts while the window holds them
    assert "crash loop" in escalations(town)[0]["message"]
