"""gt against bd: the same query through both command lines, on a 10k-bead town.

Part of the suite (`python bench/run.py --only cli`), or on its own:

    .venv/bin/python bench/cli.py [--quick]

Each pair is measured in alternating rounds (bd, gt, bd, gt, ...) so that both see
the same machine load; the headline is median(gt) - median(bd), target <= 25 ms.
`gt (invoke path)` runs the same command through the invoke Program, which is what
every `gt` run cost before the fast path; `gt mol status` has no bd twin and is
shown against its invoke path.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import harness  # noqa: E402
import synth  # noqa: E402
from harness import Context, Measurement, Report, Table, fmt_s  # noqa: E402
from harness import project_bin as _bin  # noqa: E402

NAME = "cli"
DESCRIPTION = ("gt vs bd for the same query on a 10k-bead town (fast path; "
               "target: gt at most 25 ms over bd)")
TARGET_S = 0.025
BEADS = 10_000

FORMULA = """formula = "bench-cli"
description = "benchmark"
version = 1

[[steps]]
id = "a"
run = "true"

[[steps]]
id = "b"
needs = ["a"]
"""



def _invoke_path(*args: str) -> list[str]:
    return [sys.executable, "-c", "from gastown.cli.gt import program; program().run()",
            *args]


def _alternate(cmds: dict[str, list[str]], *, env: dict[str, str], cwd: Path,
               rounds: int, runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(rounds):
        for key, cmd in cmds.items():
            times, _method, _ = harness.time_command(cmd, env=env, cwd=cwd, runs=runs,
                                                     warmup=2)
            samples[key] += times
    return samples


def run(ctx: Context) -> Report:
    rounds, runs = (2, 5) if ctx.quick else (4, 10)
    report = Report()
    env = synth.bench_env(ctx.workdir / "home")
    ctx.log(f"building a {BEADS:,}-bead town")
    info = synth.make_town(ctx.workdir / "town10k", synth.generate(BEADS), env)
    env = {**env, "GT_TOWN": str(info.root)}
    cwd = info.root
    (cwd / "formulas" / "bench-cli.formula.toml").write_text(FORMULA)
    import subprocess

    pour = subprocess.run([_bin("gt"), "mol", "pour", "bench-cli", "--json"], env=env,
                          cwd=cwd, capture_output=True, text=True, check=True)
    import json

    mol = json.loads(pour.stdout)
    mol_id = mol["id"]
    pairs: list[tuple[str, dict[str, list[str]]]] = [
        ("ready --json", {"bd": [_bin("bd"), "ready", "--json"],
                          "gt": [_bin("gt"), "bead", "ready", "--json"],
                          "gt (invoke path)": _invoke_path("bead", "ready", "--json")}),
        ("mol status", {"gt": [_bin("gt"), "mol", "status", mol_id],
                        "gt (invoke path)": _invoke_path("mol", "status", mol_id)}),
    ]
    rows = []
    for label, cmds in pairs:
        ctx.log(f"{label}: {', '.join(cmds)} in {rounds} alternating rounds of {runs}")
        got = _alternate(cmds, env=env, cwd=cwd, rounds=rounds, runs=runs)
        med = {k: statistics.median(v) for k, v in got.items()}
        base = med.get("bd", med["gt (invoke path)"])
        base_name = "bd" if "bd" in med else "gt (invoke path)"
        for key, times in got.items():
            target = None
            if key == "gt" and base_name == "bd":
                target = med["bd"] + TARGET_S
            report.measurements.append(Measurement(
                f"{label}: {key}", "10k", times, "hyperfine --shell=none, alternating",
                " ".join(os.path.basename(c) for c in cmds[key][:1]) + " " +
                " ".join(cmds[key][-3:]), 2, target, [], False, harness.loadavg()))
            rows.append([label, key, fmt_s(med[key]),
                         fmt_s(harness.percentile(times, 95)),
                         "" if key == base_name else f"{(med[key] - base) * 1e3:+.1f} ms "
                         f"vs {base_name}"])
    report.tables.append(Table(
        f"gt vs bd, {BEADS // 1000}k beads (median of {rounds * runs} runs each)",
        ["query", "command", "median", "p95", "difference"], rows,
        f"target: gt at most {TARGET_S * 1e3:.0f} ms over bd for the same query"))
    report.data["medians_s"] = {r[0] + ": " + r[1]: r[2] for r in rows}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gt-bench-cli-") as tmp:
        report = run(Context(args.quick, Path(tmp), False, print))
    for table in report.tables:
        harness.print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__: list[Any] = ["run", "NAME", "DESCRIPTION"]
