"""`gt top` on a real town: one frame, the JSON model, and ledger text shown literally."""
from __future__ import annotations

import io

import pytest
from rich.console import Console

from gastown.agents.tmux import Tmux
from gastown.liveview.gather import FeedTail, LedgerCache, PaneWatch, Watcher
from gastown.liveview.render import frame
from tests.liveview.conftest import create, wait_for

EVIL = "[red]x[/red] [bold]loud \x1b[31mred\x1b[0m \x1b]0;owned\x07 end"


@pytest.fixture
def working(town, gt, bd, rig) -> str:
    """demo/nux hooked to a bead whose first step sleeps a minute in its session."""
    bead = create(bd, "long job")
    gt("sling", bead, "--rig", rig, "--var", "pause=60").assert_success()
    wait_for(lambda: "gt-demo-nux" in Tmux.for_town(town).running(), 10, "the session")
    return bead


def test_top_once_shows_the_agent_and_its_state(gt, working, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = gt("top", "--once").assert_success().out
    row = next(line for line in out.splitlines() if "demo/nux" in line)
    assert "polecat" in row and "working" in row
    assert working in row and "long job" in row
    assert "implement" in row  # its current step
    assert "Feed" in out and "hooked" in out


def test_top_json_shape(town, gt, working):
    view = gt("top", "--json").assert_success().json()
    assert set(view) == {"town", "now", "agents", "convoys", "queue", "escalations", "feed",
                         "error"}
    assert view["town"] == str(town.root) and view["error"] is None
    nux = next(a for a in view["agents"] if a["name"] == "demo/nux")
    assert nux["running"] is True and nux["state"] == "working"
    assert nux["session"] == "gt-demo-nux" and nux["hook"] == working
    assert nux["step"]["step_id"] == "implement"
    assert isinstance(view["feed"], list) and all(isinstance(line, str) for line in view["feed"])


def test_a_stopped_hooked_agent_is_dead(gt, working):
    gt("agents", "stop", "demo/nux").assert_success()
    nux = next(a for a in gt("top", "--json").assert_success().json()["agents"]
               if a["name"] == "demo/nux")
    assert nux["running"] is False and nux["state"] == "dead"


def test_ledger_text_is_printed_literally(town, gt, bd, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    create(bd, EVIL)
    out = gt("top", "--once").assert_success().out
    assert "[red]x[/red] [bold]loud " in out
    assert "\\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07 end" in out
    assert "\x1b" not in out and "\x07" not in out


def test_a_frame_on_a_colour_terminal_keeps_markup_and_escapes_literal(town):
    view = {"town": str(town.root), "now": 0.0, "error": None, "feed": [EVIL],
            "agents": [{"name": "demo/[blink]n", "role": "polecat", "state": "working",
                        "hook": "gt-1", "hook_title": EVIL, "running": True,
                        "step": {"step_id": "[u]s\\", "state": "running"}}],
            "convoys": [{"id": "gt-c", "title": EVIL, "done": 1, "total": 2}],
            "queue": [{"id": "gt-mr", "branch": EVIL, "status": "open", "source_issue": "gt-1"}],
            "escalations": [{"id": "gt-e", "title": EVIL, "severity": "high"}]}
    raw = io.StringIO()
    console = Console(file=raw, force_terminal=True, color_system="truecolor", width=400,
                      record=True)
    console.print(frame(view))
    text = console.export_text()
    assert text.count("[red]x[/red] [bold]loud \\x1b[31mred") == 5
    assert "demo/[blink]n" in text and "[u]s\\" in text
    # the only escape sequences written are rich's own styles, never the title's
    assert "\x1b]0;owned" not in raw.getvalue() and "\x07" not in raw.getvalue()
    assert "\x1b[5m" not in raw.getvalue()  # no blink


def test_the_ledger_is_read_again_only_when_it_changed(town, bd):
    cache = LedgerCache(town)
    cache.read()
    cache.read()
    assert cache.reads == 1
    create(bd, "new work")
    cache.read()
    cache.read()
    assert cache.reads == 2


def test_pane_hashes_tell_when_a_pane_last_changed():
    watch = PaneWatch()
    assert watch.changed_at("s", ["a"], 1.0) == 1.0
    assert watch.changed_at("s", ["a"], 5.0) == 1.0
    assert watch.changed_at("s", ["b"], 7.0) == 7.0
    watch.keep_only(set())
    assert watch.changed_at("s", ["b"], 9.0) == 9.0


def test_feed_tail_reads_the_last_events(town, bd):
    for i in range(4):
        create(bd, f"job {i}")
    tail = FeedTail(town, lines=2)
    lines = tail.read()
    assert len(lines) == 2 and "job 3" in lines[-1] and "job 2" in lines[0]
    assert tail.read() is lines  # unchanged feed: not read again


def test_watcher_shows_a_corrupt_ledger_and_the_last_good_read(town, bd):
    create(bd, "fine")
    watcher = Watcher(town)
    assert watcher.view()["error"] is None
    with open(town.ledger_file("work"), "a") as f:
        f.write("{not json\n")
    view = watcher.view()
    assert view["error"] and "work.jsonl" in view["error"]


class CountingTmux:
    """Stands in for Tmux: counts the calls a refresh makes."""

    def __init__(self, panes: dict[str, list[str]]) -> None:
        self.panes = panes
        self.calls: list[str] = []

    def running(self) -> set[str]:
        self.calls.append("running")
        return set(self.panes)

    def capture(self, name: str, lines: int = 50) -> list[str]:
        self.calls.append(f"capture {name}")
        return self.panes[name]


def test_a_refresh_makes_one_list_call_and_one_capture_per_running_agent():
    from gastown.liveview.gather import read_panes

    tmux = CountingTmux({"gt-a": ["x"], "gt-b": ["y"], "gt-other": ["z"]})
    out = read_panes(tmux, {"gt-a", "gt-b", "gt-gone"}, PaneWatch(), 1.0)  # type: ignore[arg-type]
    assert tmux.calls == ["running", "capture gt-a", "capture gt-b"]
    assert out["running"] == ["gt-a", "gt-b"]
    assert out["panes"]["gt-a"] == {"lines": ["x"], "changed_at": 1.0}


def test_a_bad_interval_is_a_usage_error(gt):
    assert "--interval" in gt("top", "--interval", "soon").assert_failure(2).err


def test_top_redraws_on_a_terminal_until_interrupted(town, bd):
    import os
    import pty
    import select
    import signal
    import subprocess
    import time

    from tests.conftest import BIN

    create(bd, "shown live")
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(BIN / "gt"), "top", "--interval", "0.2"], cwd=town.root,
                            stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, "TERM": "xterm", "COLUMNS": "160"})
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 20
    while seen.count(b"gt top") < 3 and time.monotonic() < deadline:
        if select.select([master], [], [], 1)[0]:
            seen += os.read(master, 65536)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 0
    os.close(master)
    assert seen.count(b"gt top") >= 3 and b"shown live" in seen


def test_convoy_progress_comes_from_the_ledger(town, gt, bd):
    one, two = create(bd, "one"), create(bd, "two")
    convoy = gt("convoy", "create", "release", one, two, "--json").assert_success().json()
    convoy_id = convoy["id"]
    watcher = Watcher(town)
    assert watcher.view()["convoys"] == [{"id": convoy_id, "title": "release", "done": 0,
                                          "total": 2}]
    bd("close", one).assert_success()
    assert watcher.view()["convoys"][0]["done"] == 1
    bd("close", two).assert_success()
    assert watcher.view()["convoys"] == []  # landed


def test_the_queue_and_escalations_come_from_the_ledger(town, bd):
    from gastown.beads import store
    from gastown.beads.actor import now
    from gastown.liveview.gather import read_ledger

    work = create(bd, "a job")
    stamp = now()
    mr = {"id": "gt-mr1", "title": f"Merge {work}", "status": "open",
          "issue_type": "merge-request", "created_at": stamp, "created_by": "demo/nux",
          "branch": f"polecat/nux/{work}", "target": "main", "source_issue": work}
    merged = {**mr, "id": "gt-mr0", "status": "closed", "close_reason": "merged"}
    help_ = {"id": "gt-esc1", "title": "nux is stuck", "status": "open",
             "issue_type": "escalation", "created_at": stamp, "created_by": "demo/witness"}
    done = {**help_, "id": "gt-esc0", "status": "closed"}
    with store.transaction(town) as snap:
        store.apply(town, snap, store.Change(put={b["id"]: b for b in (mr, merged, help_, done)}),
                    "test: a merge request and an escalation\n\nActor: tester\n")
    ledger = read_ledger(town)
    assert [q["id"] for q in ledger["queue"]] == ["gt-mr1"]
    assert [e["id"] for e in ledger["escalations"]] == ["gt-esc1"]
    view = Watcher(town).view()
    assert view["queue"] == [{"id": "gt-mr1", "branch": f"polecat/nux/{work}",
                              "status": "open", "source_issue": work}]
    assert [e["title"] for e in view["escalations"]] == ["nux is stuck"]


def test_gt_top_is_a_top_level_command_on_the_fast_path():
    from gastown.cli import fast

    command, values = fast.parse(["top", "--interval", "0.5", "--once"])  # type: ignore[misc]
    assert command.handler == "gastown.liveview.commands:top"
    assert values == {"interval": "0.5", "once": True, "json": False}
