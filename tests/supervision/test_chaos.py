"""Chaos: a convoy of 20 beads on the shell runtime lands while a killer keeps stopping
polecat sessions, the Refinery, the Witness and the daemon. Every bead is merged exactly
once, the convoy lands, and after `gt down` nothing is left running or orphaned."""
from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time

from gastown.agents.tmux import Tmux
from gastown.refinery import process as refinery
from gastown.supervision import daemon
from tests.conftest import git_out
from tests.supervision.conftest import FAST, configure
from tests.work.conftest import create, ledger, wait_for

BEADS = 20
KILL_FOR = 25.0  # seconds of killing
LAND_WITHIN = 120.0


def _raise_caps(town, rig: str) -> None:
    toml = town.root / "rigs" / rig / "rig.toml"
    toml.write_text(toml.read_text().replace("max_polecats = 10", "max_polecats = 25"))
    limits = town.root / "town.toml"
    limits.write_text(limits.read_text().replace("max_polecats = 8", "max_polecats = 25"))
    git_out(town.root, "add", "-A")
    git_out(town.root, "commit", "-qm", "caps for the chaos run")


def _kill_pid(pid: int | None) -> bool:
    if not pid:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
        return True
    return False


def _kill_something(town, rig: str, rng: random.Random) -> str:
    tmux = Tmux.for_town(town)
    running = sorted(tmux.running())
    polecats = [s for s in running if s.startswith(f"gt-{rig}-")
                and not s.endswith(("-witness", "-refinery"))]
    choice = rng.choice(["polecat", "polecat", "refinery", "witness", "daemon"])
    if choice == "polecat" and polecats:
        victim = rng.choice(polecats)
        tmux.stop(victim)
        return victim
    if choice == "refinery" and _kill_pid(refinery.pid_of(town, rig)):
        return "refinery"
    if choice == "witness" and f"gt-{rig}-witness" in running:
        tmux.stop(f"gt-{rig}-witness")
        return "witness"
    if choice == "daemon" and _kill_pid(daemon.pid(town)):
        return "daemon"
    return "nothing"


def test_a_convoy_lands_exactly_once_under_a_killer(town, gt, bd, rig, tmp_path, monkeypatch):
    monkeypatch.setenv("GT_REFINERY_AUTOSTART", "1")
    configure(town, **FAST, stuck_after=120)
    _raise_caps(town, rig)
    # the source repository has main checked out: let the Refinery's pushes update it
    git_out(tmp_path / "src", "config", "receive.denyCurrentBranch", "updateInstead")
    beads = [create(bd, f"chaos {i}") for i in range(BEADS)]
    gt("up").assert_success()
    out = gt("sling", *beads, "--rig", rig, "--var", "pause=1", "--json").assert_success().json()
    convoy = out["convoy"]

    rng = random.Random(20261203)
    killed = []
    deadline = time.monotonic() + KILL_FOR
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0.5, 2.0))
        killed.append(_kill_something(town, rig, rng))
    assert killed.count("nothing") < len(killed)

    def landed() -> bool:
        return any(c["id"] == convoy and c["status"] == "closed" for c in ledger(town, "convoys"))

    wait_for(landed, LAND_WITHIN, f"convoy {convoy} to land (killed: {killed})")
    work = {b["id"]: b for b in ledger(town, "work")}
    merged_mrs = [m for m in ledger(town, "mq") if m.get("close_reason") == "merged"]
    for bead in beads:
        assert work[bead]["status"] == "closed", work[bead]
        assert [m["source_issue"] for m in merged_mrs].count(bead) == 1, bead
    # every bead's work is on the rig's main exactly once
    src = tmp_path / "src"
    files = git_out(src, "ls-tree", "--name-only", "main").split()
    assert sorted(f for f in files if f.startswith("work-")) == sorted(
        f"work-{b}.txt" for b in beads)
    merges = git_out(src, "log", "--merges", "--format=%s", "main").splitlines()
    for bead in beads:  # "Merge polecat/<name>/<bead> (<mr>)": one merge per bead
        assert sum(1 for s in merges if f"/{bead} (" in s) == 1, (bead, merges)

    gt("down").assert_success()
    assert not Tmux.for_town(town).running()
    assert daemon.pid(town) is None or not _alive(daemon.pid(town))
    leftovers = subprocess.run(["pgrep", "-f", str(town.root / ".gastown" / "ran-")],
                               capture_output=True, text=True).stdout.split()
    assert leftovers == []
    # no worktree is orphaned: each belongs to a polecat the ledger knows
    agents = {a["name"] for a in ledger(town, "agents") if a["status"] != "closed"}
    worktrees = town.root / "rigs" / rig / "polecats"
    assert {p.name for p in worktrees.iterdir()} <= agents if worktrees.exists() else True


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
