"""The verified marks of the runtime presets are the clients the conformance suite holds
to them, at the versions `make setup` pins."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from gastown.agents import runtimes
from gastown.errors import GastownError
from tests.clients.test_conformance import CLIENTS

ROOT = Path(__file__).parents[2]


def _pins() -> set[str]:
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    [line] = [ln for ln in text.splitlines() if ln.startswith("CLIENT_PACKAGES :=")]
    return set(line.split(":=", 1)[1].split())


def test_a_preset_is_marked_verified_exactly_when_the_suite_holds_it_at_its_pin() -> None:
    marked = {name: runtimes.load(None, name).verified for name in runtimes.names(None)}
    assert {name for name, pin in marked.items() if pin} == set(CLIENTS)
    pins = _pins()
    for name in CLIENTS:
        assert marked[name] in pins, f"{name}: {marked[name]} is not what make setup installs"
        package = re.sub(r"@[^@]+$", "", marked[name] or "")
        assert package in runtimes.load(None, name).description  # the client it describes


def test_gt_config_runtime_list_shows_the_marks(gt) -> None:
    lines = {line.split()[0]: line for line in gt("config", "runtime", "list").assert_success()
             .out.splitlines()}
    assert "verified with @anthropic-ai/claude-code@" in lines["claude"]
    assert lines["aider"].endswith("not verified)")
    assert "gastown's own program" in lines["shell"]
    rows = {r["name"]: r for r in gt("config", "runtime", "list", "--json").assert_success().json()}
    assert rows["codex"]["verified"] in _pins() and rows["gemini"]["verified"] is None


def test_a_verified_mark_must_be_a_string() -> None:
    with pytest.raises(GastownError, match="verified must be a string"):
        runtimes.parse("x", {"command": ["x"], "ready": "r", "busy": "b", "verified": True},
                       "x.toml")
