"""Agents: `gt agents list --json` with 30 sessions, and a sling of 10 beads.

Part of the suite (`python bench/run.py --only agents`), or on its own:

    .venv/bin/python bench/agents.py [--quick]

* list: 30 polecat identities, each with a live tmux session on the town's socket;
  `gt agents list --json` against `bd list --json` on the same town (the ledger read
  alone) in alternating rounds; target: at most 300 ms.
* sling: `gt sling` of 10 beads on the shell runtime (worktrees, pours, one hook
  commit, sessions), its wall time and the time until every session runs, against
  the same 10 worktrees made by plain `git worktree add` (the floor).
* mail: from the start of `gt mail send` to the nudge's text arriving in an idle
  pane (the scripted stand-in client logs every line it receives), through the
  detached reactor as in real use; against `bd create` (the commit alone); target
  at most 1 s median.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
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
import towns  # noqa: E402
from harness import Context, Measurement, Report, Table, fmt_s  # noqa: E402
from harness import output as _run  # noqa: E402
from harness import project_bin as _bin

NAME = "agents"
DESCRIPTION = ("gt agents list --json with 30 sessions (target 300 ms); sling of 10 beads; "
               "mail commit to keys in an idle pane (target 1 s)")
LIST_TARGET_S = 0.300
MAIL_TARGET_S = 1.0
STANDIN = HERE.parent / "tests" / "agents" / "standin.py"
SESSIONS = 30
SLING = 10

FORMULA = """formula = "bench-work"
version = 1
[vars.issue]
required = true
[vars.base]
default = "main"
[[steps]]
id = "work"
run = 'sleep 30'
"""




def _town_with_rig(ctx: Context, env: dict[str, str], name: str) -> Path:
    return towns.town_with_rig(ctx, env, name, FORMULA, "bench-work", SESSIONS + 10)


def _kill(root: Path, env: dict[str, str]) -> None:
    sys.path.insert(0, str(HERE.parent))
    from gastown.agents.tmux import socket_name
    from gastown.town.paths import Town

    subprocess.run(["tmux", "-L", socket_name(Town(root)), "kill-server"], env=env,
                   capture_output=True)


def _list(ctx: Context, env: dict[str, str], report: Report, rows: list[list[str]]) -> None:
    root = _town_with_rig(ctx, env, "list-town")
    env = {**env, "GT_TOWN": str(root)}
    beads = [json.loads(_run([_bin("bd"), "create", f"job {i}", "--json"], env, root))["id"]
             for i in range(SESSIONS)]
    ctx.log(f"slinging {SESSIONS} beads to start {SESSIONS} sessions")
    _run([_bin("gt"), "sling", *beads, "--rig", "demo"], env, root)
    try:
        running = json.loads(_run([_bin("gt"), "agents", "list", "--json"], env, root))
        assert sum(a["running"] for a in running) == SESSIONS, "not every session runs"
        rounds, runs = (2, 5) if ctx.quick else (4, 10)
        cmds = {"bd list --json": [_bin("bd"), "list", "--json"],
                "gt agents list --json": [_bin("gt"), "agents", "list", "--json"]}
        got: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(rounds):
            for key, cmd in cmds.items():
                times, _m, _ = harness.time_command(cmd, env=env, cwd=root, runs=runs, warmup=2)
                got[key] += times
        base = statistics.median(got["bd list --json"])
        for key, times in got.items():
            med = statistics.median(times)
            target = LIST_TARGET_S if key.startswith("gt") else None
            report.measurements.append(Measurement(
                key, f"{SESSIONS} sessions", times, "alternating rounds", " ".join(cmds[key][-3:]),
                2, target, [], False, harness.loadavg()))
            rows.append([key, f"{SESSIONS} sessions", fmt_s(med),
                         fmt_s(harness.percentile(times, 95)),
                         "baseline" if med == base else f"{med / base:.2f}x bd"])
    finally:
        _kill(root, env)


def _sessions_running(root: Path, env: dict[str, str], want: int) -> bool:
    out = json.loads(_run([_bin("gt"), "agents", "list", "--json"], env, root))
    return sum(a["running"] for a in out) >= want


def _sling(ctx: Context, env: dict[str, str], report: Report, rows: list[list[str]]) -> None:
    repeats = 1 if ctx.quick else 3
    walls, readies, floors = [], [], []
    for r in range(repeats):
        root = _town_with_rig(ctx, env, f"sling-town-{r}")
        tenv = {**env, "GT_TOWN": str(root)}
        beads = [json.loads(_run([_bin("bd"), "create", f"job {i}", "--json"], tenv, root))["id"]
                 for i in range(SLING)]
        bare = root / "rigs" / "demo" / "repo.git"
        t0 = time.perf_counter()
        for i in range(SLING):
            _run(["git", "worktree", "add", "-q", "-b", f"floor/{i}",
                  str(ctx.workdir / f"floor-{r}-{i}"), "refs/remotes/origin/main"], tenv, bare)
        floors.append(time.perf_counter() - t0)
        try:
            t0 = time.perf_counter()
            _run([_bin("gt"), "sling", *beads, "--rig", "demo"], tenv, root)
            walls.append(time.perf_counter() - t0)
            while not _sessions_running(root, tenv, SLING):
                time.sleep(0.01)
            readies.append(time.perf_counter() - t0)
        finally:
            _kill(root, tenv)
    floor = statistics.median(floors)
    for key, times in (("10 plain git worktree add", floors), ("gt sling of 10 beads", walls),
                       ("sling until every session runs", readies)):
        med = statistics.median(times)
        report.measurements.append(Measurement(key, f"{SLING} beads", times, "wall clock",
                                               "", 0, None, [], False, harness.loadavg()))
        rows.append([key, f"{SLING} beads", fmt_s(med), fmt_s(max(times)),
                     "baseline" if times is floors else f"{med / floor:.1f}x worktrees"])


def _received(log: Path) -> int:
    try:
        return len(log.read_text().splitlines())
    except FileNotFoundError:
        return 0


def _mail(ctx: Context, env: dict[str, str], report: Report, rows: list[list[str]]) -> None:
    root = _town_with_rig(ctx, env, "mail-town")
    env = {**env, "GT_TOWN": str(root)}
    (root / "runtimes").mkdir()
    (root / "runtimes" / "standin.toml").write_text(
        f'command = ["{{python}}", "{STANDIN}", "standin.log", "--busy", "0.05"]\n'
        'prompt = "typed"\nprime = "prompt"\nready = \'^> ?$\'\nbusy = "esc to interrupt"\n')
    bead = json.loads(_run([_bin("bd"), "create", "listen", "--json"], env, root))["id"]
    _run([_bin("gt"), "sling", bead, "--rig", "demo", "--runtime", "standin"], env, root)
    log = root / "rigs" / "demo" / "polecats" / "nux" / "standin.log"
    try:
        deadline = time.monotonic() + 30
        while _received(log) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        count = 8 if ctx.quick else 20
        latencies, commits = [], []
        for i in range(count):
            before = _received(log)
            t0 = time.perf_counter()
            _run([_bin("gt"), "mail", "send", "demo/nux", "-s", f"ping {i}"], env, root)
            while _received(log) <= before:
                if time.perf_counter() - t0 > 10:
                    raise RuntimeError("a mail nudge did not arrive within 10 s")
                time.sleep(0.005)
            latencies.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _run([_bin("bd"), "create", f"baseline {i}"], env, root)
            commits.append(time.perf_counter() - t0)
            time.sleep(0.2)  # the client's busy marker clears
    finally:
        _kill(root, env)
    base = statistics.median(commits)
    for key, times, target in (("bd create (the commit alone)", commits, None),
                               ("mail commit to keys in an idle pane", latencies, MAIL_TARGET_S)):
        med = statistics.median(times)
        report.measurements.append(Measurement(key, "1 session", times, "wall clock", "", 0,
                                               target, [], False, harness.loadavg()))
        rows.append([key, "1 session", fmt_s(med), fmt_s(harness.percentile(times, 95)),
                     "baseline" if target is None else f"{med / base:.1f}x bd create"])


def run(ctx: Context) -> Report:
    report = Report()
    env = synth.bench_env(ctx.workdir / "home")
    rows: list[list[str]] = []
    _list(ctx, env, report, rows)
    _sling(ctx, env, report, rows)
    _mail(ctx, env, report, rows)
    report.tables.append(Table(
        "agents (medians)", ["what", "size", "median", "p95/max", "vs baseline"], rows,
        f"targets: gt agents list --json at most {LIST_TARGET_S * 1e3:.0f} ms with "
        f"{SESSIONS} sessions; mail to keys at most {MAIL_TARGET_S:.0f} s"))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gt-bench-agents-") as tmp:
        report = run(Context(args.quick, Path(tmp), False, print))
    for table in report.tables:
        harness.print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__: list[Any] = ["run", "NAME", "DESCRIPTION", "os"]
