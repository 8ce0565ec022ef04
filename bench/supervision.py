"""Supervision: one Witness cycle over 30 live shell-runtime polecats.

Part of the suite (`python bench/run.py --only supervision`), or on its own:

    .venv/bin/python bench/supervision.py [--quick]

30 beads are slung onto 30 polecats whose one step sleeps (their panes stay still);
then `gastown.supervision.witness.cycle` runs in this process, timed per cycle: one
ledger snapshot, one tmux listing, 30 pane captures, 30 worktree HEADs, the state
file written. Target: at most 1 s.
"""
from __future__ import annotations

import argparse
import json
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
