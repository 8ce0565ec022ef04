"""A town with a rig whose formula does real shell work, and its tmux server killed after."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gastown.agents.tmux import Tmux
from gastown.town.paths import Town
from tests.conftest import git_out
from tests.rigs.conftest import make_source

# Each step appends to a counter file, so a test can tell how often a step ran.
FORMULA = """
formula = "shell-work"
version = 1
[vars.issue]
required = true
[vars.base]
default = "main"
[vars.pause]
default = "0"
[vars.pause2]
default = "0"
[[steps]]
id = "implement"
title = "Implement {{issue}}"
run = '''
echo implement >> "$GT_TOWN/.gastown/ran-$GT_VAR_ISSUE"
sleep "$GT_VAR_PAUSE"
echo "done: $GT_VAR_ISSUE" > "work-$GT_VAR_ISSUE.txt"
'''
[[steps]]
id = "test"
title = "Test {{issue}}"
needs = ["implement"]
run = '''
echo test >> "$GT_TOWN/.gastown/ran-$GT_VAR_ISSUE"
sleep "$GT_VAR_PAUSE2"
test -s "work-$GT_VAR_ISSUE.txt"
'''
"""


@pytest.fixture
def rig(town: Town, gt, tmp_path: Path) -> Iterator[str]:
    """Rig `demo` from a fresh source repo, its formula `shell-work` committed."""
    make_source(tmp_path / "src")
    gt("rig", "add", "demo", str(tmp_path / "src")).assert_success()
    formulas = town.root / "rigs" / "demo" / "formulas"
    formulas.mkdir()
    (formulas / "shell-work.formula.toml").write_text(FORMULA)
    toml = town.root / "rigs" / "demo" / "rig.toml"
    toml.write_text(toml.read_text().replace('formula = "polecat-work"',
                                             'formula = "shell-work"'))
    git_out(town.root, "add", "rigs")
    git_out(town.root, "commit", "-qm", "demo rig formula")
    yield "demo"
    Tmux.for_town(town).kill_server()
    reap_steps(town)


def reap_steps(town: Town) -> None:
    """Kill the step processes the killed sessions' runtimes left (their own groups)."""
    from gastown.molecules.runtime import PID_DIR, reap_stale

    folder = town.state / PID_DIR
    for mol in sorted(folder.iterdir()) if folder.is_dir() else ():
        reap_stale(town, mol.name)


def ledger(town: Town, stem: str) -> list[dict]:
    text = (town.root / "beads" / f"{stem}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line]


def wait_for(check: Callable[[], object], timeout: float = 60, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")


def create(bd, title: str) -> str:
    return bd("create", title, "--json").assert_success().json()["id"]
