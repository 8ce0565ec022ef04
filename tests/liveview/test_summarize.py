"""The live view's model from plain records: no tmux, no git."""
from __future__ import annotations

from gastown.liveview import model
from gastown.liveview.model import agent_state, current_step, summarize

PATTERNS = {"ready": r"^> ?$", "busy": "esc to interrupt",
            "needs_input": r"Do you want to proceed\?"}
NOW = 10_000.0


def agent(name: str, hook: str | None = "gt-1", **extra: object) -> dict:
    return {"name": f"demo/{name}", "role": "polecat", "rig": "demo",
            "session": f"gt-demo-{name}", "hook": hook, "hook_title": "a job",
            "patterns": PATTERNS, **extra}


def pane(*lines: str, changed_at: float = NOW) -> dict:
    return {"lines": list(lines), "changed_at": changed_at}


def test_agent_states() -> None:
    busy = pane("thinking", "esc to interrupt")
    assert agent_state(agent("a"), busy, NOW) == model.WORKING
    assert agent_state(agent("a"), pane("done.", "> "), NOW) == model.IDLE
    assert agent_state(agent("a"), pane("Do you want to proceed?", "1. Yes"), NOW) \
        == model.NEEDS_INPUT
    assert agent_state(agent("a"), None, NOW) == model.DEAD
    assert agent_state(agent("a", hook=None), None, NOW) == model.STOPPED


def test_a_working_pane_unchanged_too_long_is_stuck() -> None:
    old = pane("thinking", "esc to interrupt", changed_at=NOW - model.STUCK_AFTER_S - 1)
    assert agent_state(agent("a"), old, NOW) == model.STUCK
    assert agent_state(agent("a"), old, NOW, stuck_after=3600) == model.WORKING
    # waiting at its prompt or on a question is not stuck, however long
    assert agent_state(agent("a"), pane("> ", changed_at=0), NOW) == model.IDLE
    assert agent_state(agent("a"), pane("Do you want to proceed?", changed_at=0), NOW) \
        == model.NEEDS_INPUT


def test_a_pane_of_unknown_text_works_when_hooked_and_idles_when_not() -> None:
    assert agent_state(agent("a"), pane("compiling..."), NOW) == model.WORKING
    assert agent_state(agent("a", hook=None), pane("compiling..."), NOW) == model.IDLE
    assert agent_state(agent("a", patterns=None), pane("x"), NOW) == model.WORKING


def test_current_step_is_the_first_not_done() -> None:
    steps = [{"id": "m.1", "step_id": "implement", "title": "Implement", "state": "done"},
             {"id": "m.2", "step_id": "test", "title": "Test", "state": "running"},
             {"id": "m.3", "step_id": "submit", "title": "Submit", "state": "pending"}]
    assert current_step(steps) == {"id": "m.2", "step_id": "test", "title": "Test",
                                   "state": "running"}
    assert current_step(steps[:1]) is None
    assert current_step([]) is None


LEDGER = {
    "agents": [agent("nux", steps=[{"id": "m.1", "step_id": "work", "title": "Work",
                                    "state": "running"}]),
               agent("ace"), agent("bob", hook=None)],
    "convoys": [
        {"id": "gt-c1", "title": "release", "status": "open",
         "members": [{"id": "a", "state": "merged"}, {"id": "b", "state": "closed"},
                     {"id": "c", "state": "queued"}, {"id": "d", "state": "missing"}]},
        {"id": "gt-c2", "title": "landed", "status": "closed", "members": []}],
    "queue": [{"id": "gt-mr1", "branch": "polecat/nux/gt-1", "status": "open",
               "source_issue": "gt-1", "issue_type": "merge-request"},
              {"id": "gt-mr0", "branch": "old", "status": "closed"}],
    "escalations": [{"id": "gt-e1", "title": "help", "status": "open", "severity": "high",
                     "created_at": "2026-01-01T00:00:00Z"},
                    {"id": "gt-e0", "title": "done with", "status": "closed"}],
}
TMUX = {"running": ["gt-demo-nux", "gt-demo-bob"],
        "panes": {"gt-demo-nux": pane("step work", "esc to interrupt"),
                  "gt-demo-bob": pane("> ")}}


def test_summarize() -> None:
    feed = [f"line {i}" for i in range(15)]
    view = summarize(LEDGER, TMUX, feed, NOW, feed_lines=3)
    assert [(a["name"], a["state"], a["running"]) for a in view["agents"]] == [
        ("demo/nux", "working", True), ("demo/ace", "dead", False), ("demo/bob", "idle", True)]
    nux = view["agents"][0]
    assert nux["step"] == {"id": "m.1", "step_id": "work", "title": "Work", "state": "running"}
    assert nux["hook"] == "gt-1" and nux["hook_title"] == "a job"
    assert "patterns" not in nux
    assert view["convoys"] == [{"id": "gt-c1", "title": "release", "done": 3, "total": 4}]
    assert view["queue"] == [{"id": "gt-mr1", "branch": "polecat/nux/gt-1", "status": "open",
                              "source_issue": "gt-1"}]
    assert view["escalations"] == [{"id": "gt-e1", "title": "help", "severity": "high",
                                    "created_at": "2026-01-01T00:00:00Z"}]
    assert view["feed"] == ["line 12", "line 13", "line 14"]
    assert view["now"] == NOW


def test_summarize_of_an_empty_town() -> None:
    view = summarize({}, {"running": [], "panes": {}}, [], NOW)
    assert view == {"now": NOW, "agents": [], "convoys": [], "queue": [], "escalations": [],
                    "feed": []}
