"""Real clients in real tmux panes, inside a loopback-only namespace, against the
scripted model server: each preset's patterns read the client's screen, its seeded home
starts it straight to its prompt, and nudges reach it only when it is idle.

Client starts are serialised across test workers (a start costs a few CPU seconds).
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from filelock import FileLock

from gastown.agents import clientconfig, runtimes, turns
from gastown.agents.idle import PanePatterns, State, pane_state
from gastown.agents.nudge import nudge, pending
from gastown.agents.targets import patterns_of
from gastown.agents.tmux import socket_name
from gastown.town.paths import Town
from tests.clients.conftest import Sandbox, eventually

pytestmark = pytest.mark.clients

# Each preset marked verified. Gemini CLI passes these, and as a polecat, but under
# heavy CPU load a nudge queued while it is busy sometimes never reached its model.
CLIENTS = ["claude", "codex", "opencode"]
# Gemini CLI allows tools by its command line, not its config.
AUTO_ALLOW = "--approval-mode=yolo"
SESSION = "gt-rig-agent"
START_LOCK = Path(tempfile.gettempdir()) / "gastown-client-start.lock"
READY_TIMEOUT = 60.0
TURN_TIMEOUT = 60.0


class Client(NamedTuple):
    box: Sandbox
    town: Town
    work: Path
    patterns: PanePatterns

    def state(self) -> State:
        return pane_state(self.box.tmux.capture(SESSION), self.patterns)

    def screen(self) -> str:
        return "\n".join(self.box.tmux.capture(SESSION))

    def wait_for(self, state: State, timeout: float = TURN_TIMEOUT) -> None:
        try:
            eventually(lambda: self.state() == state, timeout, what=state)
        except AssertionError:
            raise AssertionError(f"the pane never read {state}; it shows:\n{self.screen()}") from None

    def nudge(self, text: str, wait: float = 0.0) -> str:
        return nudge(self.town, SESSION, text, self.patterns, wait=wait, tmux=self.box.tmux)

    def requests_mentioning(self, text: str) -> list[dict[str, Any]]:
        return [r for r in self.box.requests() if text in json.dumps(r["body"])]


@pytest.fixture
def client(sandbox: Callable[..., Sandbox], tmp_path: Path) -> Callable[..., Client]:
    """Start a real client (its preset, its seeded home) under a scripted model."""

    def start(name: str, script: dict[str, Any], allow_tools: bool = True) -> Client:
        runtime = runtimes.load(None, name)
        if not runtime.installed():
            pytest.fail(f"{name} is not installed in {runtimes.clients_bin()}: run `make setup`",
                        pytrace=False)
        town = Town(tmp_path / "town")
        town.root.mkdir()
        box = sandbox(script, socket_name(town))
        work = tmp_path / "work"
        work.mkdir()
        assert runtime.seed is not None
        env = clientconfig.seed(runtime.seed, tmp_path / "home", work, f"{box.url}/{SESSION}",
                                allow_tools=allow_tools,
                                hooks=clientconfig.Hooks(turn_end=turns.command(town, SESSION)))
        launched = Client(box, town, work, patterns_of(runtime))
        command = [a for a in runtime.argv(None) if allow_tools or a != AUTO_ALLOW]
        with FileLock(START_LOCK):
            box.tmux.start(SESSION, cwd=work, env=env, command=command)
            launched.wait_for("ready", READY_TIMEOUT)
        return launched

    return start


def result_ids(body: dict[str, Any]) -> list[str]:
    """The call ids of the tool results in one request (Messages, chat completions,
    Responses or Gemini's; Gemini's results carry no id: they are numbered in order)."""
    found = [part["tool_use_id"] for message in body.get("messages", [])
             if isinstance(message.get("content"), list) for part in message["content"]
             if isinstance(part, dict) and part.get("type") == "tool_result"]
    found += [message["tool_call_id"] for message in body.get("messages", [])
              if message.get("role") == "tool"]
    found += [item["call_id"] for item in body.get("input") or []
              if isinstance(item, dict) and item.get("type") == "function_call_output"]
    gemini = [part["functionResponse"] for content in body.get("contents", [])
              for part in content.get("parts", []) if "functionResponse" in part]
    return found + [f"{result.get('name')}#{i + 1}" for i, result in enumerate(gemini)]


def count_results(body: dict[str, Any]) -> int:
    return len(result_ids(body))


def tool_results(client: Client) -> list[str]:
    """The call ids of the tool results the client sent back to the model."""
    return sorted({i for request in client.box.requests() for i in result_ids(request["body"])})


@pytest.mark.parametrize("name", CLIENTS)
def test_a_prompt_runs_the_scripted_tools_and_the_pane_reads_busy_then_ready(
        client: Callable[..., Client], name: str, tmp_path: Path) -> None:
    notes = tmp_path / "work" / "notes.txt"
    agent = client(name, {"steps": [
        {"shell": "touch marker"},
        {"write": {"path": str(notes), "content": "written by the script\n"}},
        {"shell": "sleep 2"}], "final": "All done here."})
    assert agent.nudge("Please run the scripted steps.", wait=10) == "delivered"
    agent.wait_for("busy")
    agent.wait_for("ready")
    assert (agent.work / "marker").exists()
    assert notes.read_text() == "written by the script\n"
    assert len(tool_results(agent)) == 3
    assert agent.requests_mentioning("Please run the scripted steps.")
    assert "All done here." in agent.screen()


@pytest.mark.parametrize("name", CLIENTS)
def test_a_permission_prompt_reads_needs_input_and_gets_no_nudge(
        client: Callable[..., Client], name: str) -> None:
    agent = client(name, {"steps": [{"shell": "touch marker", "escalate": True}]},
                   allow_tools=False)
    assert agent.nudge("Please run the scripted steps.", wait=10) == "delivered"
    agent.wait_for("needs_input")
    assert agent.nudge("are you there?") == "queued"
    assert not (agent.work / "marker").exists()
    assert not agent.requests_mentioning("are you there?")


@pytest.mark.parametrize("name", ["claude", "opencode"])
def test_a_file_write_that_needs_permission_reads_needs_input(
        client: Callable[..., Client], name: str, tmp_path: Path) -> None:
    notes = tmp_path / "work" / "notes.txt"
    agent = client(name, {"steps": [{"write": {"path": str(notes), "content": "x\n"}}]},
                   allow_tools=False)
    assert agent.nudge("Please run the scripted steps.", wait=10) == "delivered"
    agent.wait_for("needs_input")
    assert not notes.exists()


@pytest.mark.parametrize("name", CLIENTS)
def test_a_nudge_while_busy_is_queued_and_delivered_once_idle(
        client: Callable[..., Client], name: str) -> None:
    agent = client(name, {"steps": [{"shell": "sleep 4"}], "final": "Slept."})
    assert agent.nudge("Please run the scripted steps.", wait=10) == "delivered"
    agent.wait_for("busy")
    assert agent.nudge("Check your mail, please.") == "queued"
    assert not agent.requests_mentioning("Check your mail, please.")
    try:
        eventually(lambda: agent.requests_mentioning("Check your mail, please."), TURN_TIMEOUT,
                   what="the nudge to reach the model")
    except AssertionError:
        raise AssertionError(f"the queued nudge never reached the model; the pane shows:\n"
                             f"{agent.screen()}\nqueue: {pending(agent.town, SESSION)}") from None
    eventually(lambda: not pending(agent.town, SESSION), what="the queue to empty")
    agent.wait_for("ready")
    # Typed at the idle prompt, so it starts a turn of its own: the request carrying the
    # sleep's result (the one the script answered with its final text) came before it.
    finished = min(r["n"] for r in agent.box.requests() if count_results(r["body"]) == 1)
    assert min(r["n"] for r in agent.requests_mentioning("Check your mail, please.")) > finished


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_the_clients_own_hook_signals_the_end_of_each_turn(
        client: Callable[..., Client], name: str) -> None:
    agent = client(name, {"steps": [{"shell": "sleep 2"}], "final": "Slept."})
    assert agent.nudge("Please run the scripted steps.", wait=10) == "delivered"
    agent.wait_for("busy")
    before = turns.count(agent.town, SESSION)
    agent.wait_for("ready")
    eventually(lambda: turns.count(agent.town, SESSION) > before, TURN_TIMEOUT,
               what="the end-of-turn signal")
    last = json.loads(turns.log_path(agent.town, SESSION).read_text().splitlines()[-1])
    assert last["source"] == {"claude": "hook", "codex": "agent-turn-complete"}[name]


@pytest.mark.parametrize("name", CLIENTS)
def test_a_session_gastown_starts_sends_the_first_prompt_to_the_model(
        sandbox: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        name: str) -> None:
    from gastown.agents import sessions

    town = Town(tmp_path / "town")
    town.root.mkdir()
    # A git repository, as a town is: there Codex asks whether to trust the folder
    # unless its seeded config says so.
    subprocess.run(["git", "init", "-q", str(town.root)], check=True)
    box = sandbox({"steps": [{"shell": "touch started"}], "final": "Primed."}, socket_name(town))
    monkeypatch.setenv("GT_MODEL_URL", box.url)
    agent = {"name": "mayor", "role": "mayor"}
    runtime = runtimes.load(None, name)
    with FileLock(START_LOCK):
        session = sessions.start(town, agent, runtime)
        eventually(lambda: (town.root / "started").exists(), TURN_TIMEOUT,
                   what="the scripted tool to run in the town")
    prompt = sessions.first_prompt(agent, runtime.prime)
    prompted = [r for r in box.requests() if prompt in json.dumps(r["body"])]
    assert prompted and all(r["agent"] == session for r in prompted)
    assert (town.state / "homes" / session).is_dir()
    eventually(lambda: pane_state(box.tmux.capture(session), patterns_of(runtime)) == "ready")
