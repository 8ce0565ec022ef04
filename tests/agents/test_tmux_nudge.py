"""Nudging agents' panes: the pure decisions, and real tmux servers with a stand-in agent."""
from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from gastown.agents import nudge as nudging
from gastown.agents.idle import PanePatterns, clean, input_empty, pane_state
from gastown.agents.nudge import NudgeStuck, deliver_queued, enqueue, nudge, pending, set_dnd
from gastown.agents.tmux import Tmux, socket_name
from gastown.errors import NotFound, UsageError
from gastown.town.paths import Town

STANDIN = Path(__file__).with_name("standin.py")
PATTERNS = PanePatterns(ready=r"^> ?$", busy="esc to interrupt",
                        needs_input=r"Do you want to proceed\?")
CLAUDE = PanePatterns(ready=r"^❯\s", busy="esc to interrupt", needs_input=r"Do you want to proceed\?")


def eventually(check: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


# Pure decisions -------------------------------------------------------------------

CLAUDE_READY = ["● Done.", "", "─" * 40, "❯\u00a0", "─" * 40, "  ? for shortcuts"]
CLAUDE_BUSY = ["✻ Pondering… (3s)", "─" * 40, "❯\u00a0", "─" * 40,
               "  ⏵⏵ auto mode on · esc to interrupt"]
CLAUDE_ASKS = ["Bash command", "  rm -rf build", "Do you want to proceed?", "❯ 1. Yes",
               "  2. No, and tell Claude what to do differently (esc)"]


@pytest.mark.parametrize("lines,state", [
    (CLAUDE_READY, "ready"),
    (CLAUDE_BUSY, "busy"),
    (CLAUDE_ASKS, "needs_input"),
    ([], "unknown"),
    (["", "   "], "unknown"),
    (["Compiling…"], "unknown"),
], ids=["ready", "busy", "question", "empty", "blank", "neither"])
def test_pane_state_of_a_claude_like_pane(lines: list[str], state: str) -> None:
    assert pane_state(lines, CLAUDE) == state


def test_pane_state_looks_for_the_prompt_only_at_the_bottom() -> None:
    old_prompt = ["> ", *[f"output {i}" for i in range(10)]]
    assert pane_state(old_prompt, PATTERNS) == "unknown"
    assert pane_state([*old_prompt, "> "], PATTERNS) == "ready"
    assert pane_state(["> ", "", "", ""], PATTERNS) == "ready"  # blank lines below do not count


def test_pane_state_without_a_question_pattern() -> None:
    plain = PATTERNS._replace(needs_input=None)
    assert pane_state(["Do you want to proceed?", "  1. Yes"], plain) == "unknown"


@pytest.mark.parametrize("line,empty", [
    ("> ", True), (">", True), ("❯\u00a0", True), ("│ ❯ ", True),
    ("> hello wor", False), ("❯ x", False), ("", False), ("some output", False),
])
def test_input_empty(line: str, empty: bool) -> None:
    assert input_empty(line, r"^> ?$|>$|❯") == empty


@pytest.mark.parametrize("raw,cleaned", [
    ("plain text", "plain text"),
    ("two\nlines\r\nand\rmore", "two lines and more"),
    ("tab\there", "tab here"),
    ("\x1b[31mred\x1b[0m and \x1b[1;32mbold\x1b[m", "red and bold"),
    ("title\x1b]0;owned\x07 after", "title after"),
    ("bell\x07 nul\x00 del\x7f c1\x9b31m", "bell nul del c1"),
    ("  padded \n", "padded"),
    ("keys C-c Enter Escape $(x) `y` ; 'q' \"d\"", "keys C-c Enter Escape $(x) `y` ; 'q' \"d\""),
    ("unicode ❯ 日本語 é", "unicode ❯ 日本語 é"),
    ("sep\u2028line\u0085next", "sep line next"),
])
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_socket_name_is_a_short_hash_of_the_town_path(tmp_path: Path) -> None:
    name = socket_name(Town(tmp_path))
    assert name.startswith("gt-") and len(name) == 11
    assert name == socket_name(Town(tmp_path)) != socket_name(Town(tmp_path / "other"))


def test_queue_files_keep_their_order_and_expire(tmp_path: Path) -> None:
    town = Town(tmp_path)
    for word in ("one", "two", "three"):
        enqueue(town, "gt-a", word)
    enqueue(town, "gt-a", "stale", ttl=0)
    assert [q.text for q in pending(town, "gt-a")] == ["one", "two", "three"]
    assert len(list((town.state / "nudges" / "gt-a").iterdir())) == 3
    (event,) = _feed(town)
    assert event["type"] == "nudge_expired" and event["title"] == "stale"


def _feed(town: Town) -> list[dict[str, object]]:
    path = town.state / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# Real tmux ------------------------------------------------------------------------

class Agent(NamedTuple):
    town: Town
    tmux: Tmux
    session: str
    log: Path

    def received(self) -> list[str]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def screen(self) -> str:
        return "\n".join(self.tmux.capture(self.session))

    def wait_ready(self) -> None:
        eventually(lambda: pane_state(self.tmux.capture(self.session), PATTERNS) == "ready")

    def nudge(self, text: str, **kw: float) -> str:
        return nudge(self.town, self.session, text, PATTERNS, **kw)


@pytest.fixture
def tmux_town(tmp_path: Path) -> Iterator[tuple[Town, Tmux]]:
    """A town folder and its own tmux server (its socket is named after the folder)."""
    town = Town(tmp_path / "town")
    town.root.mkdir()
    tmux = Tmux.for_town(town)
    yield town, tmux
    tmux.kill_server()


@pytest.fixture
def standin(tmux_town: tuple[Town, Tmux]) -> Callable[..., Agent]:
    town, tmux = tmux_town
    started = 0

    def start(*args: str, wait_ready: bool = True) -> Agent:
        nonlocal started
        started += 1
        session, log = f"gt-rig-agent{started}", town.root / f"agent{started}.log"
        tmux.start(session, cwd=town.root, env={},
                   command=[sys.executable, str(STANDIN), str(log), *args])
        agent = Agent(town, tmux, session, log)
        if wait_ready:
            agent.wait_ready()
        return agent

    return start


def test_tmux_sessions_start_list_and_stop(tmux_town: tuple[Town, Tmux]) -> None:
    town, tmux = tmux_town
    assert tmux.running() == set() and not tmux.has("gt-a")
    out = town.root / "out.txt"
    script = ("import os, sys; open(sys.argv[1], 'w').write(os.environ['GT_ROLE'] + '|' "
              "+ os.getcwd() + '|' + sys.argv[2]); import time; time.sleep(30)")
    arg = "$(touch pwned); `touch pwned`; 'q\" *"
    tmux.start("gt-ab", cwd=town.root, env={"GT_ROLE": "polecat x"},
               command=[sys.executable, "-c", script, str(out), arg])
    tmux.start("gt-a", cwd=town.root, env={}, command=None)
    assert tmux.running() == {"gt-a", "gt-ab"}
    assert tmux.has("gt-a") and tmux.has("gt-ab") and not tmux.has("gt-")
    eventually(out.exists)
    eventually(lambda: out.read_text() == f"polecat x|{town.root}|{arg}")
    assert not (town.root / "pwned").exists()
    assert tmux.stop("gt-a") and not tmux.stop("gt-a")
    assert tmux.running() == {"gt-ab"}
    with pytest.raises(NotFound):
        tmux.capture("gt-a")


def test_running_is_one_quick_call_with_thirty_sessions(tmux_town: tuple[Town, Tmux]) -> None:
    town, tmux = tmux_town
    names = {f"gt-rig-p{i}" for i in range(30)}
    for name in sorted(names):
        tmux.start(name, cwd=town.root, env={}, command=["sleep", "60"])
    started = time.perf_counter()
    assert tmux.running() == names
    assert time.perf_counter() - started < 0.3


def test_attach_replaces_the_process_with_a_tmux_client(tmux_town: tuple[Town, Tmux]) -> None:
    town, tmux = tmux_town
    tmux.start("gt-target", cwd=town.root, env={},
               command=[sys.executable, "-c", "print('shown by the target'); input()"])
    # The viewer runs inside a pane of this server (TMUX is set there), as a person would.
    attach = f"from gastown.agents.tmux import Tmux; Tmux({tmux.socket!r}).attach('gt-target')"
    tmux.start("gt-viewer", cwd=town.root, env={}, command=[sys.executable, "-c", attach])
    eventually(lambda: "shown by the target" in "\n".join(tmux.capture("gt-viewer")))
    assert tmux.running() == {"gt-target", "gt-viewer"}


def test_running_without_a_server_is_empty() -> None:
    assert Tmux("gt-nothing-listens-here").running() == set()


def test_session_names_that_cannot_name_files_are_refused(tmp_path: Path) -> None:
    for bad in ("../x", "a/b", ".hidden", "", "a b"):
        with pytest.raises(UsageError):
            enqueue(Town(tmp_path), bad, "hello")


def test_an_idle_pane_gets_the_nudge_typed(standin: Callable[..., Agent]) -> None:
    agent = standin()
    assert agent.tmux.cursor_line(agent.session) == "> "
    assert agent.nudge("check your mail", wait=2) == "delivered"
    assert agent.received() == ["check your mail"]


def test_a_busy_pane_gets_it_queued_and_delivered_when_idle(
        standin: Callable[..., Agent]) -> None:
    agent = standin("--busy", "1.5")
    assert agent.nudge("first", wait=2) == "delivered"
    eventually(lambda: "esc to interrupt" in agent.screen())
    assert agent.nudge("second") == "queued"
    assert agent.nudge("third") == "queued"  # behind the second, even if idle by now
    assert agent.received() == ["first"]
    eventually(lambda: agent.received() == ["first", "second", "third"])
    eventually(lambda: not pending(agent.town, agent.session))


def test_one_watcher_serves_later_nudges_and_drops_expired_ones(
        standin: Callable[..., Agent]) -> None:
    agent = standin("--busy", "1.5")
    assert agent.nudge("first", wait=2) == "delivered"
    assert agent.nudge("second", ttl=0.3) == "queued"
    assert agent.nudge("third", ttl=60) == "queued"
    eventually(lambda: agent.received() == ["first", "third"])
    assert [(e["type"], e["title"]) for e in _feed(agent.town)] == [("nudge_expired", "second")]


def test_half_typed_input_is_never_clobbered(standin: Callable[..., Agent]) -> None:
    agent = standin()
    agent.tmux.send_literal(agent.session, "hello wor")
    eventually(lambda: agent.tmux.cursor_line(agent.session) == "> hello wor")
    assert agent.nudge("from the mayor", wait=0.5) == "queued"
    time.sleep(0.6)  # the watcher has looked a few times by now
    assert agent.received() == []
    assert agent.tmux.cursor_line(agent.session) == "> hello wor"
    agent.tmux.send_literal(agent.session, "ld")
    agent.tmux.send_enter(agent.session)
    eventually(lambda: agent.received() == ["hello world", "from the mayor"])


def test_concurrent_nudges_never_interleave(standin: Callable[..., Agent]) -> None:
    agent = standin("--busy", "0.2")
    texts = [f"message {i}: " + f"{i}" * 60 for i in range(5)]
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda t=t: outcomes.append(agent.nudge(t, wait=1)))
               for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 5 and set(outcomes) <= {"delivered", "queued"}
    eventually(lambda: len(agent.received()) == 5, timeout=20)
    assert sorted(agent.received()) == texts


def test_concurrent_nudges_from_processes_never_interleave(
        standin: Callable[..., Agent]) -> None:
    import subprocess

    agent = standin("--busy", "0.2")
    code = ("import sys; from pathlib import Path; from gastown.agents.nudge import nudge;"
            "from gastown.town.paths import Town; from tests.agents.test_tmux_nudge import PATTERNS;"
            "print(nudge(Town(Path(sys.argv[1])), sys.argv[2], sys.argv[3], PATTERNS, wait=0.5))")
    texts = [f"from process {i} " + "abc" * 30 for i in range(4)]
    root = Path(__file__).parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", code, str(agent.town.root), agent.session, t],
                              cwd=root, stdout=subprocess.PIPE, text=True) for t in texts]
    assert all(p.communicate(timeout=30)[0].strip() in ("delivered", "queued") for p in procs)
    eventually(lambda: len(agent.received()) == 4, timeout=20)
    assert sorted(agent.received()) == sorted(texts)


def test_injection_corpus_arrives_as_typed(standin: Callable[..., Agent], tmp_path: Path) -> None:
    agent = standin("--busy", "0.05")
    pwned = tmp_path / "pwned"
    corpus = [
        f"$(touch {pwned})",
        f"`touch {pwned}`",
        f"; touch {pwned}; echo",
        "ends with a semicolon;",
        "ends with an escaped semicolon\\;",
        ";",
        "-starts with a dash",
        "--",
        "it's \"quoted\" 'twice'",
        "line one\nline two\r\nline three",
        "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J\x1b[H cleared?",
        "C-c",
        "Enter",
        "Escape C-d C-z BSpace M-x F1",
        "#{session_name} #(touch pwned) ~/.bashrc *",
        "{ braces } \\ backslash \\\\ two",
        "unicode ❯ › 日本語 é 🚀",
        "long " + "0123456789" * 250,
    ]
    for text in corpus:
        assert agent.nudge(text, wait=5) == "delivered", text
    # delivered means typed and entered; the program logs the last line when it has read it
    eventually(lambda: agent.received() == [clean(t) for t in corpus])
    assert agent.received() == [clean(t) for t in corpus]
    assert not pwned.exists() and not (agent.town.root / "pwned").exists()
    assert agent.tmux.has(agent.session)  # no C-c or C-d was pressed


def test_do_not_disturb_queues_until_off(standin: Callable[..., Agent]) -> None:
    agent = standin()
    set_dnd(agent.town, agent.session, True, PATTERNS)
    assert agent.nudge("while muted", wait=1) == "queued"
    time.sleep(0.5)
    assert agent.received() == []
    set_dnd(agent.town, agent.session, False, PATTERNS)
    eventually(lambda: agent.received() == ["while muted"])


def test_expired_nudges_are_dropped_with_a_feed_note(standin: Callable[..., Agent]) -> None:
    agent = standin("--mode", "never-ready", wait_ready=False)
    eventually(lambda: "loading" in agent.screen())
    assert agent.nudge("too late", ttl=0.5) == "queued"
    eventually(lambda: not (agent.town.state / "nudges" / agent.session).exists()
               or not any((agent.town.state / "nudges" / agent.session).iterdir()))
    assert agent.received() == []
    assert [(e["type"], e["bead"], e["title"]) for e in _feed(agent.town)] == [
        ("nudge_expired", agent.session, "too late")]


def test_a_permission_prompt_is_needs_input_and_gets_nothing_typed(
        standin: Callable[..., Agent]) -> None:
    agent = standin("--mode", "permission", wait_ready=False)
    eventually(lambda: pane_state(agent.tmux.capture(agent.session), PATTERNS) == "needs_input")
    assert agent.nudge("yes please", wait=0.5) == "queued"
    time.sleep(0.5)
    assert "yes please" not in agent.screen()


def test_a_mode_switch_mid_session(standin: Callable[..., Agent]) -> None:
    agent = standin()
    assert agent.nudge("/mode never-ready", wait=2) == "delivered"
    eventually(lambda: "loading" in agent.screen())
    assert agent.nudge("anyone there?", wait=0.5) == "queued"
    assert agent.received() == ["/mode never-ready"]


def test_slow_echo_is_waited_for(standin: Callable[..., Agent]) -> None:
    agent = standin("--mode", "slow-echo", "--echo-delay", "0.05")
    assert agent.nudge("twenty characters ok", wait=2) == "delivered"
    assert agent.received() == ["twenty characters ok"]


def test_a_lost_enter_is_sent_once_more_and_the_line_arrives_once(
        standin: Callable[..., Agent]) -> None:
    agent = standin("--mode", "lose-enter")
    assert agent.nudge("second time lucky", wait=2) == "delivered"
    eventually(lambda: agent.received() == ["second time lucky"])
    assert agent.nudge("and again", wait=5) == "delivered"
    eventually(lambda: agent.received() == ["second time lucky", "and again"])


def test_an_ignored_enter_is_reported_after_one_more(standin: Callable[..., Agent]) -> None:
    agent = standin("--mode", "ignore-enter")
    with pytest.raises(NudgeStuck, match="Enter did not take"):
        agent.nudge("stuck here", wait=2)
    assert agent.received() == []
    assert agent.tmux.cursor_line(agent.session) == "> stuck here"


def test_a_queued_nudge_that_gets_stuck_is_dropped_with_a_note(
        standin: Callable[..., Agent], monkeypatch: pytest.MonkeyPatch) -> None:
    agent = standin("--mode", "ignore-enter")
    monkeypatch.setattr(nudging, "ACCEPT_TIMEOUT", 0.3)
    enqueue(agent.town, agent.session, "stuck")
    assert deliver_queued(agent.town, agent.session, PATTERNS, until=time.time() + 5) == 0
    assert pending(agent.town, agent.session) == []
    assert [e["type"] for e in _feed(agent.town)] == ["nudge_stuck"]


def test_only_one_watcher_per_session(standin: Callable[..., Agent]) -> None:
    from gastown.locks import held

    agent = standin()
    enqueue(agent.town, agent.session, "later")
    with held(agent.town.state / "locks" / f"nudge-{agent.session}.watch.lock"):
        assert deliver_queued(agent.town, agent.session, PATTERNS, until=time.time() + 5) == 0
    assert deliver_queued(agent.town, agent.session, PATTERNS, until=time.time() + 5) == 1
    assert agent.received() == ["later"]


def test_nudge_refuses_an_empty_message_and_a_missing_session(
        tmux_town: tuple[Town, Tmux]) -> None:
    town, _ = tmux_town
    with pytest.raises(UsageError):
        nudge(town, "gt-none", "\x1b[0m\n\t", PATTERNS)
    with pytest.raises(NotFound):
        nudge(town, "gt-none", "hello", PATTERNS)


# The commands -----------------------------------------------------------------------

def test_gt_nudge_and_dnd(town: Town, gt: Callable[..., Any],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    tmux = Tmux.for_town(town)
    log = town.root / "mayor.log"
    try:
        tmux.start("gt-mayor", cwd=town.root, env={},
                   command=[sys.executable, str(STANDIN), str(log), "--busy", "0.1"])
        agent = Agent(town, tmux, "gt-mayor", log)
        agent.wait_ready()
        out = gt("nudge", "mayor", "hello", "there", "--wait", "2").assert_success().out
        assert out == "Nudged gt-mayor\n" and agent.received() == ["hello there"]
        monkeypatch.setenv("GT_AGENT", "mayor")
        gt("dnd", "on").assert_success()
        assert gt("nudge", "gt-mayor", "muted", "--json").assert_success().json() == {
            "session": "gt-mayor", "outcome": "queued"}
        assert gt("dnd", "off", "gt-mayor", "--json").assert_success().json() == {
            "session": "gt-mayor", "dnd": False, "queued": 1}
        eventually(lambda: agent.received() == ["hello there", "muted"])
        gt("dnd", "maybe").assert_failure(2)
        gt("nudge", "mayor", "x", "--wait", "soon").assert_failure(2)
        gt("nudge", "rig/nobody", "x").assert_failure(1)
    finally:
        tmux.kill_server()


def test_a_queued_nudge_outlives_the_gt_process(town: Town) -> None:
    from tests.conftest import run_process

    tmux = Tmux.for_town(town)
    log = town.root / "witness.log"
    try:
        tmux.start("gt-rig-witness", cwd=town.root, env={},
                   command=[sys.executable, str(STANDIN), str(log), "--busy", "1"])
        agent = Agent(town, tmux, "gt-rig-witness", log)
        agent.wait_ready()
        run_process("gt", "nudge", "rig/witness", "one", "--wait", "2", cwd=town.root).assert_success()
        out = run_process("gt", "nudge", "rig/witness", "two", cwd=town.root).assert_success().out
        assert out.startswith("Queued a nudge for gt-rig-witness")
        eventually(lambda: agent.received() == ["one", "two"])
    finally:
        tmux.kill_server()
