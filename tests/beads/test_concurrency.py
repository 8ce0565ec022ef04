"""Many real `bd` processes writing one town at once: nothing lost, one commit each."""
from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from tests.beads.ledger_history import ledger_ids_per_commit, subjects
from tests.conftest import BIN, git_out

BD = str(BIN / "bd")
WRITERS = 16
CREATES_EACH = 25
CLAIMERS = 8


def _env(actor: str, react: str = "off") -> dict[str, str]:
    # The create storm keeps reactions off (the event bus has its own tests); the
    # claim race runs them as the rest of the suite does.
    return {**os.environ, "BD_ACTOR": actor, "GT_REACT": react}


def _run_all_together(jobs: list[list[list[str] | dict[str, str]]], cwd: Path
                      ) -> list[list[subprocess.CompletedProcess[str]]]:
    """One thread per job (a list of (argv, env) pairs run in order); all start at once."""
    results: list[list[subprocess.CompletedProcess[str]]] = [[] for _ in jobs]
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            for argv, env in jobs[n]:  # type: ignore[misc]
                results[n].append(subprocess.run(
                    argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                    stdin=subprocess.DEVNULL))
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.slow
def test_parallel_creates_lose_nothing_and_commit_once_each(town):
    root = town.root
    before = int(git_out(root, "rev-list", "--count", "HEAD"))
    jobs = [[([BD, "create", f"writer {w} bead {i}", "--silent"], _env(f"writer-{w}"))
             for i in range(CREATES_EACH)] for w in range(WRITERS)]
    results = _run_all_together(jobs, root)

    created: dict[str, str] = {}
    for w, runs in enumerate(results):
        for i, proc in enumerate(runs):
            assert proc.returncode == 0, f"writer {w} create {i}: {proc.stderr}"
            assert "Traceback" not in proc.stderr
            bead_id = proc.stdout.strip()
            assert bead_id not in created, f"{bead_id} minted twice"
            created[bead_id] = f"writer {w} bead {i}"
    assert len(created) == WRITERS * CREATES_EACH

    listed = json.loads(subprocess.run([BD, "list", "--limit", "0", "--json"], cwd=root,
                                       check=True, capture_output=True, text=True).stdout)
    listed_ids = [b["id"] for b in listed]
    assert len(listed_ids) == len(set(listed_ids)) == len(created)
    assert {b["id"]: b["title"] for b in listed} == created

    # Exactly one commit per create, each adding exactly the bead it names.
    assert int(git_out(root, "rev-list", "--count", "HEAD")) == before + len(created)
    assert git_out(root, "status", "--porcelain") == ""
    assert not (town.state / "txn.json").exists()
    history = ledger_ids_per_commit(root)
    names = subjects(root)
    shas = list(history)
    new = shas[before:]
    assert len(new) == len(created)
    previous = set(history[shas[before - 1]])
    for sha in new:
        now = set(history[sha])
        added = now - previous
        assert len(added) == 1 and previous <= now, f"{sha} ({names[sha]}) added {added}"
        (bead_id,) = added
        assert names[sha] == f"bd create: {bead_id} {created[bead_id]}"
        previous = now
    assert previous == set(created)
    # The ledger file itself: sorted by id, each line canonical.
    lines = (town.beads / "work.jsonl").read_bytes().splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted(created)


def test_parallel_claims_have_exactly_one_winner(town, bd):
    root = town.root
    bead_id = bd("create", "contested", "--silent").assert_success().out.strip()
    before = int(git_out(root, "rev-list", "--count", "HEAD"))
    jobs = [[([BD, "update", bead_id, "--claim"], _env(f"agent-{n}", "inline"))]
            for n in range(CLAIMERS)]
    results = [runs[0] for runs in _run_all_together(jobs, root)]

    winners = [n for n, proc in enumerate(results) if proc.returncode == 0]
    assert len(winners) == 1, [(p.returncode, p.stderr) for p in results]
    (winner,) = winners
    for n, proc in enumerate(results):
        if n == winner:
            continue
        assert proc.returncode == 1, (proc.returncode, proc.stderr)
        assert f"already claimed by agent-{winner}" in proc.stderr
        assert "Traceback" not in proc.stderr
    bead = bd("show", bead_id, "--json").assert_success().json()
    assert bead["assignee"] == f"agent-{winner}" and bead["status"] == "in_progress"
    assert int(git_out(root, "rev-list", "--count", "HEAD")) == before + 1
    assert git_out(root, "log", "-1", "--format=%s") == f"bd claim: {bead_id}"
    assert git_out(root, "status", "--porcelain") == ""
