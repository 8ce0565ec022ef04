"""SIGKILL `bd` writers at random moments: the ledger stays whole, nothing acknowledged is lost.

Writers run as real processes, several at once (so some die holding the write lock,
some while waiting for it, some inside git). A reader runs alongside the whole time.
Afterwards every write whose process exited 0 is in the ledger, the next write
recovers whatever the dead left behind, and every commit in history is a valid ledger.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from tests.beads.ledger_history import ledger_ids_per_commit, subjects
from tests.conftest import BIN, git_out

pytestmark = pytest.mark.slow

BD = str(BIN / "bd")
KILLS = 200
WORKERS = 3
BUDGET_S = 150.0


def _env() -> dict[str, str]:
    # Reactions are the event bus's business (and its own tests'); keep the storm on
    # the ledger itself.
    return {**os.environ, "GT_REACT": "off", "BD_ACTOR": "crasher"}


def _bd(root, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BD, *args], cwd=root, env=_env(), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


class Storm:
    """Shared state of the kill loops: what succeeded, what was killed, what went wrong."""

    def __init__(self, seeds: list[str], seed: int, span: float) -> None:
        self.lock = threading.Lock()
        self.scale = span * 1.5
        self.rng = random.Random(seed)
        self.counter = 0
        self.kills = 0
        self.group_kills = 0
        self.iterations = 0
        self.created: dict[str, str] = {}   # id -> title, for creates that exited 0
        self.notes: list[tuple[str, str]] = []  # (id, note) appended by a write that exited 0
        self.labels: list[tuple[str, str]] = []
        self.closed: set[str] = set()
        self.known = list(seeds)
        self.failures: list[str] = []
        self.reads = 0
        self.done = threading.Event()

    def next_op(self) -> tuple[str, list[str], str, float, bool]:
        with self.lock:
            self.counter += 1
            n = self.counter
            pick = self.rng.random()
            target = self.rng.choice(self.known)
            delay = self.rng.random()
            group = self.rng.random() < 0.4
        if pick < 0.45:
            return "create", ["create", f"crash {n}", "--silent"], f"crash {n}", delay, group
        if pick < 0.7:
            return "note", ["update", target, "--append-notes", f"note-{n}"], f"note-{n}", delay, group
        if pick < 0.85:
            return "label", ["update", target, "--add-label", f"l{n}"], f"l{n}", delay, group
        return "close", ["close", target], target, delay, group

    def record(self, kind: str, args: list[str], token: str, out: str) -> None:
        with self.lock:
            if kind == "create":
                bead_id = out.strip()
                self.created[bead_id] = token
                self.known.append(bead_id)
            elif kind == "note":
                self.notes.append((args[1], token))
            elif kind == "label":
                self.labels.append((args[1], token))
            else:
                self.closed.add(token)


def _calibrate(root) -> float:
    """How long an unhindered `bd create` takes here: kills are spread over that span."""
    spans = []
    for i in range(3):
        start = time.monotonic()
        proc = _bd(root, "create", f"calibration {i}", "--silent")
        assert proc.returncode == 0, proc.stderr
        spans.append(time.monotonic() - start)
    return sorted(spans)[1]


def _killer(root, storm: Storm, deadline: float) -> None:
    while not storm.done.is_set():
        with storm.lock:
            if storm.kills >= KILLS or time.monotonic() > deadline:
                storm.done.set()
                return
        kind, args, token, frac, group = storm.next_op()
        proc = subprocess.Popen([BD, *args], cwd=root, env=_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, text=True)
        # Uniform over [0, scale): scale adapts so that about a quarter of the runs
        # finish first, i.e. the kills are spread over a writer's whole life (start-up,
        # waiting for the lock, inside the write, inside git) however loaded the box is.
        with storm.lock:
            time_to_kill = storm.scale * frac
        time.sleep(time_to_kill)
        killed = False
        if proc.poll() is None:
            # Not yet reaped, so the pid (and its group) cannot have been reused.
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                os.kill(proc.pid, signal.SIGKILL)
            killed = True
        out, err = proc.communicate(timeout=120)
        with storm.lock:
            storm.iterations += 1
            storm.scale *= 1.02 if killed else 0.94
        if proc.returncode == 0:
            storm.record(kind, args, token, out)  # it finished before the kill landed
        elif proc.returncode == -signal.SIGKILL and killed:
            with storm.lock:
                storm.kills += 1
                storm.group_kills += group
        else:
            with storm.lock:
                storm.failures.append(f"bd {' '.join(args)} exited {proc.returncode}: {err}")


def _reader(root, storm: Storm) -> None:
    """`bd list` all through the storm: always parses, never misses an acknowledged create."""
    while not storm.done.is_set():
        with storm.lock:
            acknowledged = set(storm.created)
        proc = _bd(root, "list", "--limit", "0", "--json")
        if proc.returncode != 0:
            with storm.lock:
                storm.failures.append(f"bd list exited {proc.returncode}: {proc.stderr}")
            continue
        seen = {b["id"] for b in json.loads(proc.stdout)}
        missing = acknowledged - seen
        with storm.lock:
            storm.reads += 1
            if missing:
                storm.failures.append(f"bd list missed acknowledged creates {sorted(missing)}")


def test_sigkilled_writers_never_corrupt_or_lose_acknowledged_writes(town, bd):
    root = town.root
    seeds = [bd("create", f"seed {i}", "--silent").assert_success().out.strip()
             for i in range(6)]
    span = _calibrate(root)
    seed = random.randrange(2**32)
    storm = Storm(seeds, seed, span)
    deadline = time.monotonic() + BUDGET_S
    threads = [threading.Thread(target=_killer, args=(root, storm, deadline))
               for _ in range(WORKERS)]
    threads.append(threading.Thread(target=_reader, args=(root, storm)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = (f"seed {seed}: {storm.iterations} runs, {storm.kills} killed "
              f"({storm.group_kills} with their group), {len(storm.created)} creates "
              f"acknowledged, {storm.reads} reads, span {span * 1000:.0f} ms, "
              f"kill window {storm.scale * 1000:.0f} ms")
    print(report)
    assert not storm.failures, "\n".join([report, *storm.failures[:10]])
    assert storm.kills >= KILLS, report
    assert storm.reads > 0, report

    # Reads work on whatever the dead left behind.
    listed = _bd(root, "list", "--limit", "0", "--json")
    assert listed.returncode == 0, listed.stderr
    beads = {b["id"]: b for b in json.loads(listed.stdout)}
    assert _bd(root, "ready", "--json").returncode == 0
    shown = _bd(root, "show", seeds[0], "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == seeds[0]

    # Everything acknowledged is there, exactly once.
    for bead_id, title in storm.created.items():
        assert bead_id in beads, f"acknowledged create {bead_id} lost ({report})"
        assert beads[bead_id]["title"] == title
    titles = [b["title"] for b in beads.values()]
    assert len(titles) == len(set(titles)), "a create was applied twice"
    for bead_id, note in storm.notes:
        assert note in (beads[bead_id].get("notes") or "").split("\n"), (bead_id, note)
    for bead_id, lab in storm.labels:
        assert lab in beads[bead_id].get("labels", []), (bead_id, lab)
    for bead_id in storm.closed:
        assert beads[bead_id]["status"] == "closed", bead_id

    # The next write recovers the leftovers and leaves a clean tree.
    after = _bd(root, "create", "after the storm", "--silent")
    assert after.returncode == 0, after.stderr
    after_id = after.stdout.strip()
    assert git_out(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (town.state / "txn.json").exists()
    assert not list(town.beads.glob(".*.tmp"))
    assert git_out(root, "log", "-1", "--format=%s") == f"bd create: {after_id} after the storm"
    final = json.loads(_bd(root, "list", "--limit", "0", "--json").stdout)
    assert {b["id"] for b in final} == set(beads) | {after_id}

    # No commit in history holds an invalid ledger, and each is a bd write.
    history = ledger_ids_per_commit(root)
    names = subjects(root)
    for sha in list(history)[1:]:
        assert names[sha].startswith("bd "), (sha, names[sha])
    assert set(history[git_out(root, "rev-parse", "HEAD")]) == set(beads) | {after_id}
    # A storm that never killed a writer between its journal and its commit proved
    # little: some of the dead writers' writes must have been finished by recovery.
    recovered = git_out(root, "log", "--grep", "Recovered-by: gastown", "--format=%H").split()
    print(f"{len(recovered)} commits made by recovery")
    assert recovered, report
