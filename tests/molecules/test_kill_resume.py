"""Kill `gt mol run` (SIGKILL to its process group) at random moments, start it again.

Every molecule completes (the last start of each is left to finish), and no step ever
runs again once it has closed: each step appends its id to lines.txt when it starts,
so after every kill the line count of each closed step is frozen, and must still be
that at the end. (A step that started but had not closed may run again: at-least-once.)
"""
from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from gastown.town.paths import Town
from tests.conftest import BIN, git_out
from tests.molecules.conftest import ledger

KILLS = 50
STEPS = 10


def _formula() -> str:
    # a DAG with chains and parallel branches; steps take 0-80 ms
    needs = {2: [1], 3: [1], 4: [2, 3], 5: [4], 6: [4], 7: [5], 8: [6, 7], 9: [8], 10: [8]}
    out = []
    for n in range(1, STEPS + 1):
        out.append(f"""
[[steps]]
id = "s{n:02d}"
run = 'echo "$GT_STEP_ID" >> "$GT_VAR_LINES"; sleep 0.0{n % 9}'""")
        if n in needs:
            out.append("needs = [" + ", ".join(f'"s{m:02d}"' for m in needs[n]) + "]")
    return '[vars]\nlines = "lines.txt"\n' + "\n".join(out) + "\n"


def _closed(town: Town, mid: str) -> set[str]:
    return {b["step_id"] for b in ledger(town).values()
            if b["id"].startswith(mid + ".") and b.get("status") == "closed"}


def _counts(path: Path) -> collections.Counter[str]:
    try:
        return collections.Counter(path.read_text().split())
    except FileNotFoundError:
        return collections.Counter()


@pytest.mark.slow
def test_kill_and_resume_never_reruns_a_closed_step(town: Town, gt, write_formula,
                                                    tmp_path: Path) -> None:
    seed = int(os.environ.get("GT_TEST_SEED", time.time_ns() % 100000))
    rng = random.Random(seed)
    write_formula("ten", _formula())
    env = {**os.environ, "GT_REACT": "off"}
    kills, molecules, attempts = 0, 0, 0
    while kills < KILLS:
        work = tmp_path / f"work{molecules}"
        mid = gt("mol", "pour", "ten", "--dir", str(work), "--json").assert_success().json()["id"]
        molecules += 1
        lines = work / "lines.txt"
        frozen: dict[str, int] = {}
        budget = min(KILLS - kills, rng.randint(4, 8))
        for attempt in range(budget + 1):
            attempts += 1
            proc = subprocess.Popen([str(BIN / "gt"), "mol", "run", mid, "-q"], cwd=town.root,
                                    env=env, start_new_session=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # random kill moments over a run's length; the last attempt runs to the end
            limit = rng.uniform(0.05, 2.0) if attempt < budget else 300
            try:
                out, err = proc.communicate(timeout=limit)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                kills += 1
            else:
                assert proc.returncode == 0, (seed, out, err)
                break
            closed, counts = _closed(town, mid), _counts(lines)
            for sid in closed:
                assert counts[sid] >= 1, (seed, sid, "closed but never ran")
                if sid in frozen:
                    assert counts[sid] == frozen[sid], (seed, sid, "ran again after closing")
                frozen[sid] = counts[sid]
        counts = _counts(lines)
        assert _closed(town, mid) == {f"s{n:02d}" for n in range(1, STEPS + 1)}, seed
        for sid, count in frozen.items():
            assert counts[sid] == count, (seed, sid, "ran again after closing")
        assert all(counts[f"s{n:02d}"] >= 1 for n in range(1, STEPS + 1))
        info = gt("mol", "status", mid, "--json").assert_success().json()
        assert info["state"] == "done" and info["status"] == "closed"
    # the ledger on disk is what was committed: every checkpoint made it into git
    assert git_out(town.root, "status", "--porcelain", "--", "beads") == ""
    committed = git_out(town.root, "show", "HEAD:beads/molecules.jsonl")
    assert committed == (town.root / "beads" / "molecules.jsonl").read_text().rstrip("\n")
    print(json.dumps({"seed": seed, "kills": kills, "molecules": molecules,
                      "attempts": attempts}))
