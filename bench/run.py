"""Run the benchmark suite: `python bench/run.py [--quick] [--only NAME ...] [--keep]`.

Each benchmark is a module of this folder named in SUITE, with NAME, DESCRIPTION and
`run(ctx) -> harness.Report`. This runner gives each one a scratch folder, prints its
tables and writes `bench/results/<NAME>.json` (git-ignored). To add one: write
`bench/<name>.py` with those three things and add its module name to SUITE.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

import harness  # noqa: E402

SUITE = ("ledger", "hooks", "writers", "molecules", "cli", "agents", "refinery", "liveview",
         "supervision", "clients")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="gastown benchmarks")
    parser.add_argument("--quick", action="store_true",
                        help="smallest sizes and fewer repeats (a smoke run)")
    parser.add_argument("--only", action="append", choices=SUITE, metavar="NAME",
                        help=f"run only these benchmarks (of: {', '.join(SUITE)})")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch towns (their path is printed)")
    parser.add_argument("--workdir", type=Path,
                        help="scratch folder (default: a new temp folder)")
    args = parser.parse_args(argv)
    names = args.only or list(SUITE)
    meta = harness.environment()
    task = f"task {meta['taskwarrior']}" if meta["taskwarrior"] else "no taskwarrior"
    print(f"gastown benchmarks: {', '.join(names)}{' (--quick)' if args.quick else ''}; "
          f"python {meta['python']}, {meta['cpus']} cpus, {task}, "
          f"{meta['hyperfine'] or 'no hyperfine (subprocess timer)'}", flush=True)
    started = time.perf_counter()
    failed = 0
    for name in names:
        module = importlib.import_module(name)
        scratch = (contextlib.nullcontext(tempfile.mkdtemp(prefix=f"gt-bench-{name}-",
                                                           dir=args.workdir))
                   if args.keep else
                   tempfile.TemporaryDirectory(prefix=f"gt-bench-{name}-", dir=args.workdir))
        with scratch as tmp:
            workdir = Path(tmp)
            if args.keep:
                print(f"[{name}] scratch (kept): {workdir}", flush=True)
            t0 = time.perf_counter()
            print(f"[{name}] {module.DESCRIPTION}", flush=True)
            ctx = harness.Context(quick=args.quick, workdir=workdir, keep=args.keep,
                                  log=lambda msg, name=name: print(f"  [{name}] {msg}",
                                                                   flush=True))
            report = module.run(ctx)
            elapsed = time.perf_counter() - t0
        print()
        for table in report.tables:
            harness.print_table(table)
        for note in report.notes:
            print(f"note: {note}")
        path = harness.write_results(name, report, {
            **meta, "quick": args.quick, "elapsed_s": round(elapsed, 1),
            "description": module.DESCRIPTION})
        print(f"[{name}] {elapsed:.0f} s; results in {path.relative_to(HERE.parent)}\n",
              flush=True)
        failed += sum(1 for m in report.measurements if m.ok is False)
    print(f"total {time.perf_counter() - started:.0f} s; "
          f"{failed} measurement(s) over target" if failed else
          f"total {time.perf_counter() - started:.0f} s; all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
