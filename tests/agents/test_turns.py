"""End-of-turn signals: recorded per session, and waking the session's nudge watcher."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gastown.agents import turns
from gastown.town.paths import Town

ROOT = Path(__file__).parents[2]


def _signal(town: Town, session: str, *payload: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*turns.command(town, session), *payload], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


def test_a_turn_end_wakes_the_listening_watcher_once(tmp_path: Path) -> None:
    town = Town(tmp_path)
    with turns.Listener(town, "gt-rig-a") as listener:
        assert listener.wait(0) is False
        assert _signal(town, "gt-rig-a", json.dumps({"type": "agent-turn-complete"})).returncode == 0
        assert listener.wait(30) is True
        assert listener.wait(0) is False  # one signal, one wake-up
        assert _signal(town, "gt-rig-b").returncode == 0  # another session's
        assert listener.wait(0.2) is False
    assert turns.count(town, "gt-rig-a") == 1 and turns.count(town, "gt-rig-b") == 1
    entry = json.loads(turns.log_path(town, "gt-rig-a").read_text())
    assert entry["source"] == "agent-turn-complete"


def test_a_turn_end_with_no_watcher_is_only_recorded(tmp_path: Path) -> None:
    town = Town(tmp_path)
    turns.ended(town, "gt-rig-a")  # no FIFO yet
    with turns.Listener(town, "gt-rig-a"):
        pass
    turns.ended(town, "gt-rig-a", "hook")  # a FIFO nobody reads
    assert _signal(town, "gt-rig-a", "not json").returncode == 0
    sources = [json.loads(x)["source"] for x in turns.log_path(town, "gt-rig-a").read_text().splitlines()]
    assert sources == ["", "hook", "notify"]


def test_the_signal_program_says_how_to_call_it(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "gastown.agents.turns"], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "usage: python -m gastown.agents.turns ended" in done.stderr


def test_a_session_name_that_is_not_one_is_refused(tmp_path: Path) -> None:
    done = _signal(Town(tmp_path), "../../etc")
    assert done.returncode == 2 and "not a session name" in done.stderr
    assert not (tmp_path / ".gastown").exists()
