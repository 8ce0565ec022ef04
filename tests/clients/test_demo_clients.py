"""`make demo RUNTIME=claude|codex`: the Mayor and the polecats are real client sessions,
driven by the scripted local model (it stands in for the paid one), inside a
loopback-only namespace; the convoy lands as on the shell runtime."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from filelock import FileLock

from gastown.agents.tmux import Tmux
from gastown.town.paths import Town
from tests.clients.test_conformance import START_LOCK
from tests.conftest import run_process

pytestmark = pytest.mark.clients


def _ledger(root: Path, stem: str) -> list[dict]:
    return [json.loads(x) for x in (root / "beads" / f"{stem}.jsonl").read_text().splitlines()
            if x]


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_the_real_client_demo_lands_the_mayors_convoy(tmp_path: Path, name: str) -> None:
    target = tmp_path / "demo"
    with FileLock(START_LOCK):
        out = run_process("python", "-m", "gastown.demo", "--runtime", name, str(target),
                          cwd=tmp_path, timeout=400).assert_success().out
    assert "landed" in out and "the Mayor filed 6 beads" in out
    [convoy] = _ledger(target, "convoys")
    assert convoy["status"] == "closed" and convoy["created_by"] == "mayor"
    examples = [b for b in _ledger(target, "work") if b["id"].startswith("ex-")]
    assert len(examples) == 6 and all(b["close_reason"].startswith("merged in ")
                                      for b in examples)
    requests = [json.loads(x) for x in
                (target / ".gastown" / "demo" / "requests.jsonl").read_text().splitlines()]
    mayor = [r for r in requests if r["agent"] == "gt-mayor"]
    # the Mayor read its task: the mail, in gt prime's text (its hook's, or its tool's)
    assert any("Implement textkit's next features" in json.dumps(r["body"]) for r in mayor)
    polecats = {r["agent"] for r in requests} - {"gt-mayor"}
    assert len(polecats) >= 3 and all(p.startswith("gt-example-") for p in polecats)
    assert not Tmux.for_town(Town(target)).running()
