"""Real clients as polecats in a real town: slung work primed at session start, done by
the client's own tool calls (`gt mol step done`, `gt done`), merged by the Refinery; a
client killed mid-turn and restarted resumes from its hook.

The model is the scripted local server (no paid model can run here); everything else
is real: the town, its rig, the worktree, tmux, the client binary, the Refinery.
"""
from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable

import pytest
from filelock import FileLock

from gastown.agents.tmux import socket_name
from gastown.refinery import process
from tests.clients.conftest import Sandbox, eventually
from tests.clients.test_conformance import CLIENTS, START_LOCK
from tests.conftest import git_out
from tests.refinery.conftest import Rig, rig  # noqa: F401  (the fixture)

pytestmark = pytest.mark.clients

SESSION = "gt-demo-nux"
STEPS = ("understand", "implement", "test", "commit", "submit")
# Codex primes itself by the first prompt (`gt prime` as its first tool call); Claude
# Code's SessionStart hook puts the same text in its context before the first request.
PRIME_STEP = {"claude": [], "codex": [{"shell": "gt prime"}], "opencode": [{"shell": "gt prime"}]}


@pytest.fixture
def real_rig(rig: Rig, sandbox: Callable[..., Sandbox],  # noqa: F811
             monkeypatch: pytest.MonkeyPatch) -> Callable[[dict], Sandbox]:
    """The rig's town with its tmux server inside a sandbox playing `script`."""

    def start(script: dict) -> Sandbox:
        box = sandbox(script, socket_name(rig.town))
        monkeypatch.setenv("GT_MODEL_URL", box.url)
        return box

    yield start
    process.stop(rig.town, rig.name, timeout=10)


def sling(rig: Rig, box: Sandbox, bead: str, name: str) -> None:  # noqa: F811
    """Sling `bead` to a `name` polecat; return once its client has asked the model."""
    with FileLock(START_LOCK):
        rig.gt("sling", bead, "--rig", "demo", "--runtime", name).assert_success()
        eventually(lambda: any(r["agent"] == SESSION for r in box.requests()), 60,
                   what="the client to send its first request")


def until(box: Sandbox, check: Callable[[], object], timeout: float, what: str) -> None:
    """`eventually`, failing with the pane and the model's last request."""
    try:
        eventually(check, timeout, what=what)
    except AssertionError:
        screen = "\n".join(box.tmux.capture(SESSION)) if box.tmux.has(SESSION) else "(gone)"
        outputs = [_outputs(r["body"]) for r in box.requests()[-1:]] or [["(no request)"]]
        raise AssertionError(f"timed out waiting for {what}; the pane shows:\n{screen}\n"
                             "the tool results in the model's last request:\n"
                             + "\n".join(outputs[0])) from None


def _outputs(body: dict) -> list[str]:
    """The tool results in one request (Messages, chat completions, Responses or Gemini's),
    as text."""
    found = [json.dumps(part.get("content")) for m in body.get("messages", [])
             if isinstance(m.get("content"), list) for part in m["content"]
             if isinstance(part, dict) and part.get("type") == "tool_result"]
    found += [json.dumps(m.get("content")) for m in body.get("messages", [])
              if m.get("role") == "tool"]
    found += [json.dumps(part["functionResponse"]) for content in body.get("contents", [])
              for part in content.get("parts", []) if "functionResponse" in part]
    return found + [json.dumps(item.get("output")) for item in body.get("input") or []
                    if isinstance(item, dict) and item.get("type") == "function_call_output"]


def first_turn_text(box: Sandbox) -> str:
    """Everything the client sent in its first request with tools (before any result)."""
    first = min((r for r in box.requests() if r["agent"] == SESSION and _has_tools(r["body"])),
                key=lambda r: r["n"])
    return json.dumps(first["body"], ensure_ascii=False)


def _has_tools(body: dict) -> bool:
    return bool(body.get("tools"))


@pytest.mark.parametrize("name", CLIENTS)
def test_a_bead_slung_to_a_real_client_polecat_ends_with_its_mr_merged(
        rig: Rig, real_rig: Callable[[dict], Sandbox], name: str,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = [*PRIME_STEP[name],
            {"shell": "gt mol step done understand && echo 'made by a real client' > feature.txt"},
            {"shell": " && ".join(f"gt mol step done {s}" for s in STEPS[1:])},
            {"shell": "gt done"}]
    # Before the sandbox starts: its tmux server passes its environment to the panes,
    # where the client's `gt done` wakes the Refinery.
    monkeypatch.setenv("GT_REFINERY_AUTOSTART", "1")
    box = real_rig({"steps": work, "final": "Submitted."})
    bead = rig.issue("a change made by a real client")
    sling(rig, box, bead, name)
    until(box, lambda: rig.ledger("work")[bead]["status"] == "closed", 180,
          "the polecat's MR to be merged")
    assert git_out(rig.src, "show", "main:feature.txt") == "made by a real client"
    [mr] = [m for m in rig.ledger("mq").values() if m["source_issue"] == bead]
    assert mr["worker"] == "demo/nux" and mr["close_reason"] == "merged"
    # Handed in: the client finished its turn and its session ended (the worktree stays).
    until(box, lambda: not box.tmux.has(SESSION), 60, "the polecat's session to end")
    assert (rig.town.root / "rigs" / "demo" / "polecats" / "nux").is_dir()
    assert bead in first_turn_text(box) or name != "claude"  # primed before its first turn
    assert any(bead in json.dumps(r["body"]) for r in box.requests())


@pytest.mark.parametrize("name", CLIENTS)
def test_a_client_killed_mid_turn_resumes_from_its_hook(
        rig: Rig, real_rig: Callable[[dict], Sandbox], name: str) -> None:  # noqa: F811
    box = real_rig({"steps": [*PRIME_STEP[name], {"shell": "gt mol step done understand"},
                              {"shell": "sleep 60"}]})
    bead = rig.issue("work that outlives a session")
    sling(rig, box, bead, name)
    mol = rig.ledger("work")[bead]["molecule"]
    until(box, lambda: _closed(rig, mol, "understand"), 90, "the first step to close")
    # The request with that many tool results is the one the script answers with the sleep.
    asked = len(PRIME_STEP[name]) + 1
    until(box, lambda: any(len(_outputs(r["body"])) == asked for r in box.requests()), 30,
          "the model to be asked for its next command")
    until(box, lambda: _state(box, name) == "busy", 30, "the client to run the long command")
    before = len(box.requests())
    _kill_client(box)
    rig.gt("agents", "restart", "demo/nux").assert_success()
    until(box, lambda: _prime_after(box, before, bead), 90,
          "the restarted client to be primed with its hook")
    text = _prime_after(box, before, bead)
    assert "implement [agent]" in text and "understand [" not in text  # the step it is on


def _state(box: Sandbox, name: str) -> str:
    from gastown.agents import runtimes
    from gastown.agents.idle import pane_state
    from gastown.agents.targets import patterns_of

    return pane_state(box.tmux.capture(SESSION), patterns_of(runtimes.load(None, name)))


def _closed(rig: Rig, mol: str, step_id: str) -> bool:  # noqa: F811
    steps = rig.gt("mol", "status", mol, "--json").assert_success().json()["steps"]
    return any(s["step_id"] == step_id and s["state"] == "done" for s in steps)


def _kill_client(box: Sandbox) -> None:
    pid = box.tmux.server.cmd("display-message", "-p", "-t", SESSION, "#{pane_pid}").stdout[0]
    os.kill(int(pid), signal.SIGKILL)


def _prime_after(box: Sandbox, before: int, bead: str) -> str:
    """The prime text (`gt prime`'s, by hook or by tool call) in a request after `before`."""
    for r in box.requests()[before:]:
        text = json.dumps(r["body"], ensure_ascii=False)
        if f"On your hook: {bead}" in text:
            return text.replace("\\n", "\n")
    return ""
