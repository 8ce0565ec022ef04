"""`make demo` end to end (python -m gastown.demo DIR), and its refusals."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gastown.agents.tmux import Tmux
from gastown.demo import main
from gastown.town.paths import Town
from tests.conftest import git_out, run_process


def _ledger(root: Path, stem: str) -> list[dict]:
    text = (root / "beads" / f"{stem}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line]


def test_demo_lands_a_convoy_through_the_refinery_and_can_run_again(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    out = run_process("python", "-m", "gastown.demo", str(target), cwd=tmp_path,
                      timeout=300).assert_success().out
    assert "landed" in out
    work = {b["id"]: b for b in _ledger(target, "work")}
    examples = [b for b in work.values() if b["id"].startswith("ex-")]
    assert len(examples) == 6
    assert all(b["status"] == "closed" and b["close_reason"].startswith("merged in ")
               for b in examples)
    # one bead conflicted and one failed the docs gate: both were reworked and landed
    reworks = [b for b in work.values() if b.get("rework_of")]
    assert {r["rework_of"] for r in reworks} >= {"ex-trunc"}
    assert any("conflict" in r["title"] for r in reworks)
    assert all(r["status"] == "closed" for r in reworks)
    convoys = _ledger(target, "convoys")
    assert len(convoys) == 1 and convoys[0]["status"] == "closed" and convoys[0]["landed_at"]
    # every change is on textkit's main, whose tests and docs check pass
    upstream = target / ".gastown" / "demo" / "textkit.git"
    checkout = tmp_path / "textkit"
    subprocess.run(["git", "clone", "-q", str(upstream), str(checkout)], check=True)
    for name in ("slug", "titles", "reverse", "truncate", "chars", "palindrome"):
        assert (checkout / "textkit" / f"{name}.py").is_file(), name
    init = (checkout / "textkit" / "__init__.py").read_text()
    assert "slugify" in init and "title_case" in init
    subprocess.run(["python3", "-m", "unittest", "discover", "-s", "tests", "-q"],
                   cwd=checkout, check=True, capture_output=True)
    subprocess.run(["python3", "tools/check_docs.py"], cwd=checkout, check=True,
                   capture_output=True)
    # every session is stopped; the town is clean and stays for inspection
    assert not Tmux.for_town(Town(target)).running()
    assert git_out(target, "status", "--porcelain") == ""
    # a second demo replaces the first one
    assert main([str(target)]) == 0


def test_demo_refuses_folders_it_did_not_make(tmp_path: Path, town: Town) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    run_process("python", "-m", "gastown.demo", str(busy), cwd=tmp_path).assert_failure(1)
    assert (busy / "keep.txt").read_text() == "mine"
    err = run_process("python", "-m", "gastown.demo", str(town.root),
                      cwd=tmp_path).assert_failure(1).err
    assert "did not make" in err and town.root.is_dir()
