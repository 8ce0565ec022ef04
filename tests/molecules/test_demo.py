"""`make demo` end to end (python -m gastown.demo DIR), and its refusals."""
from __future__ import annotations

from pathlib import Path

from gastown.demo import main
from gastown.town.paths import Town
from tests.conftest import git_out, run_process
from tests.molecules.conftest import ledger


def test_demo_runs_end_to_end_and_can_run_again(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    out = run_process("python", "-m", "gastown.demo", str(target), cwd=tmp_path,
                      timeout=180).assert_success().out
    assert "molecule" in out and "is done" in out and "step_closed" in out
    town = Town(target)
    mols = [b for b in ledger(town).values() if b["issue_type"] == "molecule"]
    assert len(mols) == 1 and mols[0]["status"] == "closed" and mols[0]["on"] == "gt-d3m0.1"
    project = target / "rigs" / "demo" / "scratch" / "hello"
    assert (project / "greetings" / "bob.txt").read_text() == "Hello, bob!\n"
    assert git_out(project, "log", "--oneline")
    # the scratch folder is ignored by the town; the town is clean
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
