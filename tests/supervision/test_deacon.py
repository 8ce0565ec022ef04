"""The Deacon: Witnesses kept alive with backoff, a crash loop escalated, Dogs sent for
orphans, stale pid files, old wisps and a big event log; Boot restarts a stale Deacon."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from gastown.agents.tmux import Tmux
from gastown.rigs import repo
from gastown.supervision import boot, deacon, dogs, keepalive
from gastown.supervision.settings import Settings, load
from tests.supervision.conftest import configure
from tests.supervision.test_witness import escalations
from tests.work.conftest import wait_for


def test_a_dead_witness_is_restarted_with_backoff(town, rig):
    configure(town, backoff_base=10)
    tmux = Tmux.for_town(town)
    t = time.time()
    assert deacon.patrol(town, now=t)["revived"] == {"demo/witness": "restarted"}
    assert tmux.has("gt-demo-witness")
    tmux.stop("gt-demo-witness")
    assert deacon.patrol(town, now=t + 1)["revived"] == {"demo/witness": "waiting"}
    assert not tmux.has("gt-demo-witness")
    assert deacon.patrol(town, now=t + 11)["revived"] == {"demo/witness": "restarted"}
    assert tmux.has("gt-demo-witness")
    assert deacon.patrol(town, now=t + 12)["revived"] == {}
    assert float((town.root / ".gastown" / "heartbeat" / "deacon").read_text()) == t + 12


def test_a_crash_loop_is_escalated_once_and_not_restarted(town, rig):
    configure(town, crash_loop_restarts=3, crash_loop_window=600)
    t = time.time()
    history = keepalive.history_path(town, "deacon")
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_text(json.dumps({"demo/witness": {"restarts": [t - 300, t - 200, t - 100]}}))
    assert deacon.patrol(town, now=t)["revived"] == {"demo/witness": "gave_up"}
    assert deacon.patrol(town, now=t + 1)["revived"] == {"demo/witness": "gave_up"}
    assert not Tmux.for_town(town).has("gt-demo-witness")
    raised = escalations(town)
    assert len(raised) == 1 and "crash loop" in raised[0]["message"]
    assert raised[0]["created_by"] == "deacon" and raised[0]["severity"] == "CRITICAL"
    # once the window passes over the old restarts, it is restarted again
    assert deacon.patrol(town, now=t + 600)["revived"] == {"demo/witness": "restarted"}


def test_dogs_clean_orphans_stale_pids_old_wisps_and_rotate_the_feed(town, rig):
    configure(town, events_max_mb=0.001, wisp_max_age=3600)
    tmux = Tmux.for_town(town)
    state = town.root / ".gastown"
    tmux.start("gt-demo-ghost", cwd=town.root, env={}, command=["sleep", "600"])
    ghost = town.root / "rigs" / rig / "polecats" / "ghost"
    repo.add_worktree(repo.bare_path(town, rig), ghost, "polecat/ghost/x", "main")
    young = town.root / "rigs" / rig / "polecats" / "young"  # being slung right now
    young.mkdir()
    os.utime(ghost, (time.time() - 3600, time.time() - 3600))
    dead = subprocess.Popen(["true"])
    dead.wait()
    (state / "run").mkdir(exist_ok=True)
    (state / "run" / "old.pid").write_text(f"{dead.pid}\n")
    (state / "run" / "mine.pid").write_text(f"{os.getpid()}\n")
    token = "t0k3n"
    leftover = subprocess.Popen(["sleep", "600"], process_group=0,
                                env={**os.environ, "GT_RUN_TOKEN": token})
    (state / "run" / "molecules" / "gt-mol").mkdir(parents=True)
    (state / "run" / "molecules" / "gt-mol" / "step.pid").write_text(f"{leftover.pid} {token}\n")
    wisps = state / "wisps"
    wisps.mkdir()
    for wid, status in (("gt-old", "closed"), ("gt-live", "open")):
        root = {"id": wid, "title": "patrol", "status": status, "issue_type": "molecule",
                "step_count": 1}
        step = {"id": f"{wid}.1", "title": "look", "status": status, "issue_type": "step",
                "step_id": "look", "run": "true"}
        (wisps / f"{wid}.jsonl").write_text(json.dumps(root) + "\n" + json.dumps(step) + "\n")
        os.utime(wisps / f"{wid}.jsonl", (time.time() - 7200, time.time() - 7200))
    (state / "events.jsonl").write_text('{"id": "x", "type": "created"}\n' * 100)

    done = deacon.patrol(town)
    kinds = sorted((c["kind"], c["target"]) for c in done["chores"])
    assert kinds == [("orphan_process", "gt-mol"), ("orphan_session", "gt-demo-ghost"),
                     ("orphan_worktree", "demo/ghost"), ("rotate_events", "events.jsonl"),
                     ("stale_pid", ".gastown/run/old.pid"), ("wisp_gc", "gt-old")]
    assert not tmux.has("gt-demo-ghost")
    assert not ghost.exists() and young.exists()
    assert leftover.wait(timeout=5) == -signal.SIGKILL
    assert sorted(p.name for p in (state / "run").glob("*.pid")) == ["mine.pid"]
    assert sorted(p.name for p in wisps.iterdir()) == ["gt-live.jsonl"]
    assert (state / "events.1.jsonl").exists()
    # the Deacon's own sessions and the witness it started are not orphans
    assert [c["kind"] for c in deacon.patrol(town)["chores"]] == []


def test_chores_are_a_pure_list():
    survey = dogs.Survey(worktrees=[("r", "a", 0.0), ("r", "b", 0.0), ("r", "c", 0.0),
                                    ("r", "d", 90.0)],
                         agents={"hq-r-a": "open", "hq-r-b": "closed"},
                         owned_sessions={"gt-r-a"}, sessions={"gt-r-a", "gt-r-x", "mine"},
                         leftovers=[], pid_files=[(".gastown/run/a.pid", True)],
                         wisps=[("w1", True, 0.0), ("w2", False, 0.0), ("w3", True, 99.0)],
                         events_bytes=10)
    got = dogs.chores(survey, Settings(wisp_max_age=50, orphan_grace=30), now=100.0)
    assert [(c.kind, c.target) for c in got] == [
        ("orphan_worktree", "r/b"), ("orphan_worktree", "r/c"),
        ("orphan_session", "gt-r-x"), ("wisp_gc", "w1")]


def test_boot_restarts_a_deacon_whose_heartbeat_is_stale(town, rig):
    configure(town, deacon_interval=3600, deacon_stale=30, backoff_base=0.1)
    beat = town.root / ".gastown" / "heartbeat" / "deacon"
    log = town.root / ".gastown" / "logs" / "deacon.log"

    def starts() -> int:
        return log.read_text().count("deacon: started") if log.exists() else 0

    assert boot.check(town) == "restarted"  # no Deacon yet
    wait_for(lambda: starts() == 1, 20, "the Deacon to start")
    assert boot.check(town) == "fresh"  # it beat on start, and then on its first patrol
    beat.write_text(f"{time.time() - 60}\n")  # its patrols stopped beating
    assert boot.check(town) == "restarted"
    wait_for(lambda: starts() == 2, 20, "the new Deacon")
    assert boot.check(town) == "fresh"
    assert Tmux.for_town(town).has("gt-deacon")
    assert load(town).deacon_stale == 30.0


def test_a_deacon_just_started_is_not_stale(town, rig):
    configure(town, deacon_stale=30)
    assert boot.check(town) == "restarted"
    assert boot.check(town) == "fresh"  # before its first patrol has beaten


def test_a_rig_with_requests_waiting_gets_its_refinery_woken(town, rig, monkeypatch):
    from gastown.beads import store

    monkeypatch.setenv("GT_REFINERY_AUTOSTART", "1")
    spawned: list[str] = []
    monkeypatch.setattr("gastown.refinery.process.spawn",
                        lambda town, rig: spawned.append(rig))
    t = time.time()
    assert "demo/refinery" not in deacon.patrol(town, now=t)["revived"]  # nothing queued
    with store.transaction(town) as snap:
        mr = {"id": "gt-mr1", "title": "Merge x", "status": "open", "priority": 2,
              "issue_type": "merge-request", "rig": rig, "branch": "polecat/nux/x",
              "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
        store.apply(town, snap, store.Change(put={mr["id"]: mr}), "an MR\n")
    assert deacon.patrol(town, now=t + 1)["revived"]["demo/refinery"] == "restarted"
    assert deacon.patrol(town, now=t + 2)["revived"]["demo/refinery"] == "waiting"
    assert spawned == [rig, rig]  # once by the mq_queued reaction, once by the Deacon
