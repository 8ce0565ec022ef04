"""`gt up`, `gt status`, `gt down`: the daemon and the supervisors' sessions; hooked
work survives a down and resumes at the next up; a session that cannot start fails up."""
from __future__ import annotations

from gastown.agents.tmux import Tmux
from gastown.supervision import daemon
from tests.supervision.conftest import FAST, configure
from tests.work.conftest import create, ledger, wait_for

SUPERVISORS = {"gt-boot", "gt-deacon", "gt-demo-witness"}


def running(gt) -> dict[str, bool]:
    return {a["name"]: a["running"] for a in gt("status", "--json").assert_success().json()["agents"]}


def test_up_status_down(town, gt, rig):
    configure(town, **FAST)
    gt("up").assert_success()
    assert SUPERVISORS <= Tmux.for_town(town).running()
    status = gt("status", "--json").assert_success().json()
    assert status["town"]["daemon"]["running"] is True
    assert status["town"]["daemon"]["pid"] == daemon.pid(town)
    assert status["rigs"] == [{"name": "demo", "queue_depth": 0, "polecats": []}]
    assert status["convoys"] == [] and status["escalations"] == []
    roles = {a["name"]: a["role"] for a in status["agents"]}
    assert roles == {"deacon": "deacon", "boot": "boot", "demo/witness": "witness",
                     "demo/refinery": "refinery"}
    assert running(gt) == {"deacon": True, "boot": True, "demo/witness": True,
                           "demo/refinery": False}
    assert (town.root / ".gastown" / "logs" / "daemon.log").read_text()
    gt("up").assert_success()  # a second up finds it all running
    wait_for(lambda: (town.root / ".gastown" / "heartbeat" / "deacon").exists(), 20,
             "the Deacon's heartbeat")

    out = gt("down").assert_success().out
    assert "Stopped daemon" in out
    assert Tmux.for_town(town).running() == set()
    assert not daemon.running(town)
    assert not (town.root / ".gastown" / "run" / "daemon.pid").exists()
    assert gt("status", "--json").json()["town"]["daemon"]["running"] is False


def test_down_keeps_hooks_and_up_resumes_the_work(town, gt, bd, rig):
    configure(town, **FAST)
    bead = create(bd, "outlives a down")
    gt("sling", bead, "--rig", rig, "--var", "pause=3").assert_success()
    ran = town.root / ".gastown" / f"ran-{bead}"
    wait_for(lambda: ran.exists(), 20, "the first step to start")
    gt("down").assert_success()
    assert Tmux.for_town(town).running() == set()
    assert gt("hook", "demo/nux", "--json").json()["hook"] == bead
    assert [a["hook"] for a in gt("status", "--json").json()["agents"]
            if a["name"] == "demo/nux"] == [bead]

    out = gt("up").assert_success().out
    assert "gt-demo-nux" in out
    wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
             "the merge request")
    assert ran.read_text().split() == ["implement", "implement", "test"]
    status = gt("status", "--json").json()
    assert status["rigs"][0]["queue_depth"] == 1


def test_up_fails_naming_a_session_that_exits_at_once(town, gt, bd, rig):
    configure(town, **FAST)
    (town.root / "runtimes").mkdir()
    (town.root / "runtimes" / "broken.toml").write_text(
        'command = ["false"]\nprompt = "none"\nready = "^> $"\nbusy = "busy"\n')
    bead = create(bd, "never starts")
    gt("sling", bead, "--rig", rig, "--runtime", "broken").assert_success()
    wait_for(lambda: not Tmux.for_town(town).has("gt-demo-nux"), 10, "the session to exit")
    result = gt("up").assert_failure(1)
    assert "did not start: demo/nux: session gt-demo-nux exited at once" in result.err
    assert bead in result.err
    assert SUPERVISORS <= Tmux.for_town(town).running()  # the rest is up


def test_witness_start_status_stop(town, gt, rig):
    configure(town, **FAST)
    assert gt("witness", "start", "--rig", rig, "--json").assert_success().json()["running"]
    wait_for(lambda: (town.root / ".gastown" / "witness" / "demo.json").exists(), 20,
             "the first cycle")
    status = gt("witness", "status", "--rig", rig, "--json").assert_success().json()
    assert status["running"] is True and status["cycle_ms"] is not None
    assert gt("witness", "stop", "--rig", rig, "--json").json() == {"rig": rig, "stopped": True}
    assert gt("witness", "status", "--rig", rig, "--json").json()["running"] is False
    gt("witness", "start", "--rig", "nope").assert_failure()


def test_deacon_start_status_stop(town, gt, rig):
    configure(town, **FAST)
    assert gt("deacon", "start", "--json").assert_success().json()["running"]
    status = wait_for(lambda: (lambda s: s["restarts"] and s)(
        gt("deacon", "status", "--json").assert_success().json()), 20,
        "the Deacon to start the witness")
    assert status["running"] is True and status["heartbeat_age"] < 5
    assert status["restarts"]["demo/witness"]["restarts"]
    assert Tmux.for_town(town).has("gt-demo-witness")
    assert gt("deacon", "stop", "--json").json() == {"stopped": True}
    assert gt("deacon", "status", "--json").json()["running"] is False


def test_the_witness_session_restarts_a_polecat_killed_while_the_town_is_up(town, gt, bd, rig):
    configure(town, **FAST)
    bead = create(bd, "killed under supervision")
    gt("sling", bead, "--rig", rig, "--var", "pause=2").assert_success()
    gt("up").assert_success()
    ran = town.root / ".gastown" / f"ran-{bead}"
    wait_for(lambda: ran.exists(), 20, "the first step to start")
    Tmux.for_town(town).stop("gt-demo-nux")
    wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
             "the merge request")
    assert ran.read_text().split()[-1] == "test"
    assert "witness_restarted" in (town.root / ".gastown" / "events.jsonl").read_text()


def test_status_lists_open_convoys_and_escalations(town, gt, bd, rig):
    from gastown.beads import store

    a, b = create(bd, "a"), create(bd, "b")
    convoy = gt("convoy", "create", "both", a, b, "--json").assert_success().json()["id"]
    with store.transaction(town) as snap:
        beads = {f"gt-esc{n}": {"id": f"gt-esc{n}", "title": f"help {n}", "status": status,
                                "issue_type": "escalation", "priority": 1, "severity": "high",
                                "source": "demo/witness", "created_at": "2026-01-01T00:00:00Z",
                                "updated_at": "2026-01-01T00:00:00Z"}
                 for n, status in ((1, "open"), (2, "closed"))}
        store.apply(town, snap, store.Change(put=beads), "two escalations\n")
    status = gt("status", "--json").assert_success().json()
    assert [c["id"] for c in status["convoys"]] == [convoy]
    assert status["convoys"][0]["tracks"] == [a, b]
    assert status["escalations"] == [{"id": "gt-esc1", "title": "help 1", "severity": "high",
                                      "source": "demo/witness"}]
    assert "escalation gt-esc1: help 1" in gt("status").assert_success().out


def test_from_the_daemon_alone_the_whole_town_comes_back(town, gt, bd, rig):
    configure(town, **FAST)
    bead = create(bd, "outlives its tmux server")
    gt("sling", bead, "--rig", rig, "--var", "pause=2").assert_success()
    gt("up").assert_success()
    ran = town.root / ".gastown" / f"ran-{bead}"
    wait_for(lambda: ran.exists(), 20, "the first step to start")
    tmux = Tmux.for_town(town)
    tmux.kill_server()  # every session gone; only the daemon is left
    # daemon -> Boot -> Deacon -> Witness -> the polecat, each restarting the next
    wait_for(lambda: SUPERVISORS <= tmux.running(), 30, "the supervisors to come back")
    wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
             "the merge request")
    assert ran.read_text().split()[-1] == "test"
