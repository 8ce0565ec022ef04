"""Concurrent writers: 16 processes x 50 `bd create` each on one town, as agents would.

Each writer is a shell loop of whole `bd create` processes (start-up included), all 16
at once on the machine's two cores; writes serialise on the town's write lock. The
measure is landed writes per second of wall time, on a town of 10 beads and on one
of 1k beads; afterwards every write must be in the ledger, one commit each, the tree clean.
Target (DESIGN): all land, ledger valid, >= 40 writes/s.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import harness  # noqa: E402
import synth  # noqa: E402

NAME = "writers"
DESCRIPTION = "16 concurrent writers x 50 bd create on one town (target: >= 40 writes/s)"
TARGET_PER_S = 40.0
BD = str(Path(sys.executable).parent / "bd")


def storm(town: Path, env: dict[str, str], writers: int, each: int) -> float:
    """Run the writers; returns the wall time in seconds."""
    script = (f'for i in $(seq {each}); do "{BD}" create "w$W-$i" --silent >/dev/null '
              f'|| exit 1; done')
    start = time.perf_counter()
    procs = [subprocess.Popen(["sh", "-c", script], cwd=town, env={**env, "W": str(w)})
             for w in range(writers)]
    codes = [p.wait() for p in procs]
    wall = time.perf_counter() - start
    if any(codes):
        raise RuntimeError(f"writers failed: exit codes {codes}")
    return wall


def check(town: Path, env: dict[str, str], before: int, expected: int) -> None:
    out = subprocess.run([BD, "list", "--json", "--limit", "0"], cwd=town, env=env,
                         capture_output=True, text=True, check=True).stdout
    titles = [b["title"] for b in json.loads(out) if re.fullmatch(r"w\d+-\d+", b["title"])]
    commits = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=town,
                                 capture_output=True, text=True, check=True).stdout)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=town, capture_output=True,
                            text=True, check=True).stdout
    if len(titles) != expected or commits - before != expected or status:
        raise RuntimeError(f"lost writes: {len(titles)} beads, {commits - before} commits "
                           f"of {expected}; status {status!r}")


def run(ctx: harness.Context) -> harness.Report:
    writers, each = (16, 10) if ctx.quick else (16, 50)
    env = synth.bench_env(ctx.workdir / "home")
    ms = []
    for size in (10, 1000):
        ctx.log(f"{writers} writers x {each} creates on a town of {size} beads")
        town = synth.make_town(ctx.workdir / f"town{size}", synth.generate(size), env).root
        before = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=town,
                                    capture_output=True, text=True, check=True).stdout)
        wall = storm(town, env, writers, each)
        check(town, env, before, writers * each)
        rate = writers * each / wall
        m = harness.Measurement(f"{size} beads: {writers} x {each} bd create", NAME, [wall],
                                "wall time of all writers", load=harness.loadavg(),
                                target=writers * each / TARGET_PER_S)
        ms.append((m, rate))
    rows = [[m.name, harness.fmt_s(m.samples[0]), f"{rate:.1f}",
             "ok" if rate >= TARGET_PER_S else "UNDER"] for m, rate in ms]
    table = harness.Table("writers: concurrent bd create, one town", ["run", "wall",
                          "writes/s", f">= {TARGET_PER_S:.0f}/s"], rows,
                          caption="every write landed: one commit each, tree clean")
    return harness.Report(measurements=[m for m, _ in ms], tables=[table],
                          data={"writes_per_s": {m.name: round(r, 1) for m, r in ms}})


if __name__ == "__main__":
    import run as runner

    raise SystemExit(runner.main(["--only", NAME, *sys.argv[1:]]))
