"""Molecules: pour a 100-step molecule; run 100 trivial `run` steps with the shell runtime.

Part of the suite (`python bench/run.py --only molecules`), or on its own:

    .venv/bin/python bench/molecules.py [--quick] [--steps N] [--repeat R] [--react MODE]

The per-step overhead is what the runtime adds around a `true` step: marking it
started, spawning `sh -c true` with its log file, and the checkpoint commit that
closes it. Target: <= 60 ms per step.

* pour: wall time of `ops.pour` of an N-step chain formula (one commit).
* chain: N steps, each needing the previous, --jobs 1. Every step is on the critical
  path, so the gap between two consecutive steps' close stamps is the per-step
  overhead; its median is the headline number (checked against the target).
* flat: N independent steps, --jobs 2 (the default): wall / N.

The reactor mode is the town default (detached: the runtime wakes a background
reactor at most once a second, and the reactor's work competes for the same CPUs).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import harness  # noqa: E402

NAME = "molecules"
DESCRIPTION = ("pour a 100-step molecule; run 100 `true` steps with the shell runtime "
               "(per-step overhead incl. its checkpoint commit, target <= 60 ms)")
TARGET_S = 0.060


def formula(name: str, steps: int, chain: bool) -> str:
    out = [f'formula = "{name}"', 'description = "benchmark"', "version = 1", ""]
    for i in range(1, steps + 1):
        out += ["[[steps]]", f'id = "s{i:03d}"', "run = 'true'"]
        if chain and i > 1:
            out.append(f'needs = ["s{i - 1:03d}"]')
        out.append("")
    return "\n".join(out)


def _settle(town: Any, limit: float = 60.0) -> None:
    """Let a detached reactor catch up, so it does not eat the next run's CPU."""
    from gastown.githooks.reactor import head, read_cursor

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and read_cursor(town) != head(town):
        time.sleep(0.1)
    time.sleep(0.2)


def bench_once(base: Path, steps: int) -> dict[str, Any]:
    from gastown.beads.actor import parse_time
    from gastown.molecules import ops, runtime
    from gastown.town.install import install

    town = install(base / "town", prefix="bn").town
    folder = town.root / "formulas"
    (folder / "bench-chain.formula.toml").write_text(formula("bench-chain", steps, True))
    (folder / "bench-flat.formula.toml").write_text(formula("bench-flat", steps, False))
    work = base / "work"

    t0 = time.perf_counter()
    chain = ops.pour(town, "bench-chain", work_dir=str(work))
    pour_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = runtime.run(town, chain.id, jobs=1)
    chain_s = time.perf_counter() - t0
    assert result.exit_code == 0, result
    closed = sorted(parse_time(s["closed_at"]).timestamp()
                    for s in ops.load(town, chain.id).steps)
    gaps = [b - a for a, b in zip(closed, closed[1:])]
    _settle(town)

    flat = ops.pour(town, "bench-flat", work_dir=str(work))
    t0 = time.perf_counter()
    result = runtime.run(town, flat.id, jobs=2)
    flat_s = time.perf_counter() - t0
    assert result.exit_code == 0, result
    _settle(town)
    return {"pour_s": pour_s, "chain_s": chain_s, "flat_s": flat_s, "gaps": gaps}


def measure(workdir: Path, *, steps: int, repeat: int, react: str,
            log: Any = print) -> harness.Report:
    old = os.environ.get("GT_REACT")
    os.environ["GT_REACT"] = react
    runs = []
    try:
        for i in range(repeat):
            log(f"run {i + 1}/{repeat}: {steps}-step chain and flat molecules")
            runs.append(bench_once(workdir / f"run{i}", steps))
    finally:
        if old is None:
            os.environ.pop("GT_REACT", None)
        else:
            os.environ["GT_REACT"] = old
    method = f"in-process perf_counter / close stamps, GT_REACT={react}"
    gaps = [g for r in runs for g in r["gaps"]]
    ms = [
        harness.Measurement(f"pour {steps}-step molecule (one commit)", NAME,
                            [r["pour_s"] for r in runs], method),
        harness.Measurement("per-step overhead: chain, gap between closes", NAME, gaps,
                            method, target=TARGET_S, load=harness.loadavg()),
        harness.Measurement("per step: chain --jobs 1, wall / N", NAME,
                            [r["chain_s"] / steps for r in runs], method),
        harness.Measurement("per step: flat --jobs 2, wall / N", NAME,
                            [r["flat_s"] / steps for r in runs], method),
    ]
    rows = []
    for m in ms:
        st = m.stats
        verdict = "-" if m.ok is None else ("ok" if m.ok else "OVER")
        rows.append([m.name, str(st.n), harness.fmt_s(st.median), harness.fmt_s(st.p95),
                     harness.fmt_s(st.min), harness.fmt_s(st.max),
                     harness.fmt_s(m.target) if m.target else "-", verdict])
    table = harness.Table(f"molecules: {steps} `true` steps, {repeat} runs, GT_REACT={react}",
                          ["measure", "n", "median", "p95", "min", "max", "target", ""],
                          rows, caption="per-step overhead = spawn + log + checkpoint commit")
    return harness.Report(measurements=ms, tables=[table],
                          data={"steps": steps, "repeat": repeat, "react": react,
                                "per_step_overhead_ms": round(ms[1].stats.median * 1000, 1)})


def run(ctx: harness.Context) -> harness.Report:
    steps, repeat = (30, 1) if ctx.quick else (100, 3)
    return measure(ctx.workdir, steps=steps, repeat=repeat, react="detached", log=ctx.log)


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--react", default="detached", help="detached (default), inline, off")
    args = parser.parse_args()
    steps = args.steps or (30 if args.quick else 100)
    repeat = args.repeat or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="gt-bench-molecules-",
                                     ignore_cleanup_errors=True) as tmp:
        report = measure(Path(tmp), steps=steps, repeat=repeat, react=args.react)
    for table in report.tables:
        harness.print_table(table)
    path = harness.write_results(NAME, report, {**harness.environment(),
                                                "description": DESCRIPTION})
    print(f"results in {path}")
    return 0 if all(m.ok is not False for m in report.measurements) else 1


if __name__ == "__main__":
    raise SystemExit(main())
