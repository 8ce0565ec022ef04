"""Supervision: one Witness cycle over 30 live shell-runtime polecats.

Part of the suite (`python bench/run.py --only supervision`), or on its own:

    .venv/bin/python bench/supervision.py [--quick]

30 beads are slung onto 30 polecats whose one step sleeps (their panes stay still);
then `gastown.supervision.witness.cycle` runs in this process, timed per cycle: one
ledger snapshot, one tmux listing, 30 pane captures, 30 worktree HEADs, the state
file written. Target: at most 1 s.

Then a swarm: `gt up`, 30 beads slung as one convoy to 30 polecats whose step writes a
file, and the run lasts until the Refinery has merged all 30 and the convoy has landed.
/proc is sampled every 0.2 s: a process is an agent's when it descends from a polecat's
pane, gastown's otherwise (daemon, Witness, Refinery and its gates, reactors, every
`gt`/`bd` they run); the town's tmux server is counted apart. CPU is utime+stime with
the children each process reaped, taken per tree root at its last sample, so processes
that end between samples are counted through their parent.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import harness  # noqa: E402
import synth  # noqa: E402
from agents import SESSIONS, _kill, _sessions_running, _town_with_rig  # noqa: E402
from harness import Context, Measurement, Report, Table, fmt_s  # noqa: E402
from harness import output as _run  # noqa: E402
from harness import project_bin as _bin  # noqa: E402

NAME = "supervision"
DESCRIPTION = f"one Witness cycle over {SESSIONS} live polecats (target 1 s)"
TARGET_S = 1.0


def run(ctx: Context) -> Report:
    from gastown.supervision import witness
    from gastown.town.paths import Town

    report = Report()
    env = synth.bench_env(ctx.workdir / "home")
    base = env
    root = _town_with_rig(ctx, env, "witness-town")
    env = {**env, "GT_TOWN": str(root)}
    beads = [json.loads(_run([_bin("bd"), "create", f"job {i}", "--json"], env, root))["id"]
             for i in range(SESSIONS)]
    ctx.log(f"slinging {SESSIONS} beads to start {SESSIONS} polecats")
    _run([_bin("gt"), "sling", *beads, "--rig", "demo"], env, root)
    try:
        while not _sessions_running(root, env, SESSIONS):
            time.sleep(0.05)
        time.sleep(1.0)  # the panes settle
        town = Town(root)
        times = []
        for n in range(5 if ctx.quick else 20):
            t0 = time.perf_counter()
            done = witness.cycle(town, "demo", now=time.time() + n)
            times.append(time.perf_counter() - t0)
            assert len(done["polecats"]) == SESSIONS and not done["actions"], done["actions"]
    finally:
        _kill(root, env)
    _swarm(ctx, base, report)
    med = statistics.median(times)
    report.measurements.append(Measurement(
        "witness cycle", f"{SESSIONS} polecats", times, "in-process, wall clock", "", 0,
        TARGET_S, [], False, harness.loadavg()))
    report.tables.append(Table(
        "supervision (medians)", ["what", "size", "median", "p95/max"],
        [["witness cycle", f"{SESSIONS} live polecats", fmt_s(med),
          fmt_s(harness.percentile(times, 95))]],
        f"target: at most {TARGET_S * 1e3:.0f} ms per cycle"))
    return report


SWARM_FORMULA = """formula = "bench-swarm"
version = 1
[vars.issue]
required = true
[vars.base]
default = "main"
[[steps]]
id = "work"
run = 'echo "$GT_VAR_ISSUE" > "work-$GT_VAR_ISSUE.txt"'
"""
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _processes() -> dict[int, tuple[int, float, int]]:
    """pid -> (parent pid, CPU seconds with reaped children, RSS bytes)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu = sum(int(x) for x in fields[11:15]) / TICKS  # utime stime cutime cstime
        out[int(name)] = (int(fields[1]), cpu, int(fields[21]) * PAGE)
    return out


def _in_town(pid: int, root: str) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"GT_TOWN={root}".encode() in f.read()
    except OSError:
        return False


def _swarm(ctx: Context, env: dict[str, str], report: Report) -> None:
    from towns import town_with_rig

    from gastown.agents.tmux import Tmux
    from gastown.town.paths import Town

    root = town_with_rig(ctx, env, "swarm-town", SWARM_FORMULA, "bench-swarm", SESSIONS)
    _run(["git", "config", "receive.denyCurrentBranch", "updateInstead"], env,
         ctx.workdir / "swarm-town-src")
    env = {**env, "GT_TOWN": str(root), "GT_REFINERY_AUTOSTART": "1"}
    town = Town(root)
    beads = [json.loads(_run([_bin("bd"), "create", f"swarm {i}", "--json"], env, root))["id"]
             for i in range(SESSIONS)]
    tmux = Tmux.for_town(town)
    me = os.getpid()
    cpu: dict[str, dict[int, float]] = {"gastown": {}, "agents": {}, "tmux": {}}
    peak = {"gastown": 0, "agents": 0, "tmux": 0}
    panes: set[int] = set()
    _run([_bin("gt"), "up"], env, root)
    ctx.log(f"slinging {SESSIONS} beads as one convoy; sampling /proc until it lands")
    t0 = time.perf_counter()
    convoy = json.loads(_run([_bin("gt"), "sling", *beads, "--rig", "demo", "--json"], env,
                             root))["convoy"]
    try:
        landed = False
        while not landed:
            if time.perf_counter() - t0 > 600:
                raise RuntimeError(f"convoy {convoy} did not land in 10 minutes")
            with contextlib.suppress(Exception):
                for line in tmux._cmd("list-panes", "-a", "-F",
                                      "#{session_name} #{pane_pid}").stdout:
                    session, pane = line.split()
                    if not session.endswith(("-witness", "-refinery")):
                        panes.add(int(pane))
            procs = _processes()
            rss = dict.fromkeys(peak, 0)
            for pid, (ppid, seconds, mem) in procs.items():
                if pid == me or ppid == me or not _in_town(pid, str(root)):
                    continue
                kind, walk, top = "gastown", pid, pid
                while walk in procs and walk != 1:
                    if walk in panes:
                        kind = "agents"
                        break
                    parent = procs[walk][0]
                    if parent in (me, 1) or parent not in procs or not _in_town(parent, str(root)):
                        break
                    walk = top = parent
                if ppid == 1 and pid not in panes and "tmux" in _comm(pid):
                    kind, seconds = "tmux", _own_cpu(pid)  # its reaped children are panes
                rss[kind] += mem
                if pid == top or pid in panes:  # a tree root carries its reaped children
                    cpu[kind][pid] = max(cpu[kind].get(pid, 0.0), seconds)
            for kind in peak:
                peak[kind] = max(peak[kind], rss[kind])
            landed = any(c["id"] == convoy and c.get("status") == "closed"
                         for c in _ledger(root, "convoys"))
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        merged = [m for m in _ledger(root, "mq") if m.get("close_reason") == "merged"]
        assert len(merged) == SESSIONS, f"{len(merged)} of {SESSIONS} merged"
    finally:
        with contextlib.suppress(Exception):
            _run([_bin("gt"), "down"], env, root)
        _kill(root, env)
    total = {k: sum(v.values()) for k, v in cpu.items()}
    mib = 1 << 20
    report.tables.append(Table(
        f"swarm: {SESSIONS} shell-runtime polecats, one convoy, all merged",
        ["what", "wall", "CPU s", "peak RSS"],
        [["convoy slung to landed", fmt_s(wall), "", ""],
         ["gastown (daemon, Witness, Refinery + gates, reactors, gt/bd)", "",
          f"{total['gastown']:.1f}", f"{peak['gastown'] / mib:.0f} MiB"],
         ["agents (polecat panes and all they run)", "", f"{total['agents']:.1f}",
          f"{peak['agents'] / mib:.0f} MiB"],
         ["tmux server", "", f"{total['tmux']:.1f}", f"{peak['tmux'] / mib:.0f} MiB"]],
        f"gastown/agents CPU ratio {total['gastown'] / max(total['agents'], 1e-9):.2f}; "
        f"{len(merged)} MRs merged"))


def _own_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _ledger(root: Path, name: str) -> list[dict[str, Any]]:
    path = root / "beads" / f"{name}.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x] if path.exists() else []


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read()
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gt-bench-supervision-") as tmp:
        report = run(Context(args.quick, Path(tmp), False, print))
    for table in report.tables:
        harness.print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__: list[Any] = ["run", "NAME", "DESCRIPTION"]
