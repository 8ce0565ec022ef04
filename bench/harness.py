"""What every benchmark shares: timing processes, statistics, tables, results files.

A benchmark is a module with `NAME`, `DESCRIPTION` and `run(ctx) -> Report`; it is
registered by naming it in `bench/run.py`'s SUITE. `run` measures, and returns its
rows (one per measured thing), any extra tables, and a JSON-able dict; the runner
prints the tables and writes `bench/results/<NAME>.json`.

Whole-process timings use hyperfine (`--shell=none`, output to /dev/null,
`--export-json` for every run's time) when it is installed, else a subprocess timer
(`time.perf_counter` around `subprocess.run`, output to DEVNULL). Either way each
sample is one complete process, start to exit.
"""
from __future__ import annotations

import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"


# --- statistics ---------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), numpy's default method."""
    xs = sorted(values)
    if not xs:
        return math.nan
    k = (len(xs) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass
class Stats:
    n: int
    median: float
    p95: float
    mean: float
    stdev: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        if not samples:
            nan = math.nan
            return cls(0, nan, nan, nan, nan, nan, nan)
        return cls(len(samples), statistics.median(samples), percentile(samples, 95),
                   statistics.fmean(samples),
                   statistics.stdev(samples) if len(samples) > 1 else 0.0,
                   min(samples), max(samples))


@dataclass
class Measurement:
    """One measured thing: its samples (seconds) and how they were taken."""

    name: str
    group: str
    samples: list[float]
    method: str
    command: str = ""
    warmup: int = 0
    target: float | None = None  # seconds; the median must be at or under it
    notes: list[str] = field(default_factory=list)
    timed_out: bool = False      # samples hold a lower bound (the timeout)
    load: float | None = None    # 1-minute load average when the measurement ended

    @property
    def stats(self) -> Stats:
        return Stats.of(self.samples)

    @property
    def ok(self) -> bool | None:
        if self.target is None or not self.samples:
            return None
        return not self.timed_out and self.stats.median <= self.target

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["stats"] = asdict(self.stats)
        out["ok"] = self.ok
        return out


# --- timing whole processes ---------------------------------------------------------

def hyperfine_path() -> str | None:
    if os.environ.get("BENCH_NO_HYPERFINE"):
        return None
    return shutil.which("hyperfine")


def _subprocess_times(cmd: Sequence[str], *, env: dict[str, str], cwd: str | os.PathLike[str],
                      runs: int, warmup: int, prepare: Sequence[str] | None,
                      timeout: float | None) -> tuple[list[float], bool]:
    samples: list[float] = []
    for i in range(warmup + runs):
        if prepare:
            subprocess.run(prepare, env=env, cwd=cwd, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return [float(timeout or 0)], True
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}: "
                               f"{proc.stderr.decode(errors='replace')[-2000:]}")
        if i >= warmup:
            samples.append(elapsed)
    return samples, False


def time_command(cmd: Sequence[str], *, env: dict[str, str], cwd: str | os.PathLike[str],
                 runs: int, warmup: int = 0, prepare: Sequence[str] | None = None,
                 timeout: float | None = None) -> tuple[list[float], str, bool]:
    """Wall times (s) of `runs` complete runs of `cmd` after `warmup` untimed ones.

    `prepare` runs (untimed) before every run, warm-ups included. With `timeout`, one
    run over it stops the measurement: the result is [timeout] and timed_out=True.
    Returns (samples, method, timed_out).
    """
    hf = hyperfine_path()
    if hf is None or timeout is not None:
        samples, timed_out = _subprocess_times(cmd, env=env, cwd=cwd, runs=runs,
                                               warmup=warmup, prepare=prepare,
                                               timeout=timeout)
        return samples, "subprocess+perf_counter", timed_out
    with tempfile.TemporaryDirectory(prefix="bench-hf-") as tmp:
        export = os.path.join(tmp, "hf.json")
        args = [hf, "--shell=none", "--style", "none", "--output", "null",
                "--runs", str(runs), "--warmup", str(warmup), "--export-json", export]
        if prepare:
            args += ["--prepare", shlex.join(prepare)]
        args.append(shlex.join(cmd))
        proc = subprocess.run(args, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError(f"hyperfine failed on {shlex.join(cmd)}: "
                               f"{proc.stderr.decode(errors='replace')[-2000:]}")
        with open(export) as f:
            result = json.load(f)["results"][0]
    return list(result["times"]), "hyperfine --shell=none", False


def time_once(cmd: Sequence[str], *, env: dict[str, str], cwd: str | os.PathLike[str],
              prepare: Callable[[], None] | None = None, timeout: float | None = None
              ) -> tuple[float, bool]:
    """One timed run (for things that cannot be repeated as they are, e.g. a cold start)."""
    if prepare:
        prepare()
    samples, timed_out = _subprocess_times(cmd, env=env, cwd=cwd, runs=1, warmup=0,
                                           prepare=None, timeout=timeout)
    return samples[0], timed_out


def time_call(fn: Callable[[], Any], *, repeat: int, number: int = 1,
              setup: Callable[[], Any] | None = None) -> list[float]:
    """In-process: seconds per call of `fn`, `repeat` samples of `number` calls each."""
    samples = []
    for _ in range(repeat):
        if setup:
            setup()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    return samples


# --- reports ------------------------------------------------------------------------

@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Report:
    measurements: list[Measurement] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    quick: bool
    workdir: Path
    keep: bool
    log: Callable[[str], None]


def fmt_s(seconds: float | None) -> str:
    """Seconds as a short human time (µs, ms or s)."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on Linux/macOS
        return None


def print_table(table: Table) -> None:
    try:
        from rich import box
        from rich.console import Console
        from rich.table import Table as RichTable
    except ImportError:  # pragma: no cover - rich is a gastown dependency
        print(f"\n{table.title}")
        widths = [max(len(c), *(len(r[i]) for r in table.rows)) if table.rows else len(c)
                  for i, c in enumerate(table.columns)]
        print("  ".join(c.ljust(w) for c, w in zip(table.columns, widths)))
        for r in table.rows:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths)))
        if table.caption:
            print(table.caption)
        return
    console = Console(width=max(140, shutil.get_terminal_size((140, 40)).columns),
                      highlight=False)
    t = RichTable(title=table.title, caption=table.caption or None, box=box.SIMPLE_HEAVY,
                  title_justify="left", caption_justify="left")
    for i, c in enumerate(table.columns):
        t.add_column(c, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for r in table.rows:
        t.add_row(*r)
    console.print(t)


def environment() -> dict[str, Any]:
    def version(cmd: list[str]) -> str | None:
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip() or None
        except FileNotFoundError:
            return None

    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                         text=True).stdout.strip() or None
    dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                 "gastown"], capture_output=True, text=True).stdout.strip())
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": loadavg(),
        "gastown_commit": sha,
        "gastown_dirty": dirty,
        "git": version(["git", "--version"]),
        "hyperfine": version(["hyperfine", "--version"]),
        "taskwarrior": version(["task", "--version"]),
    }


def write_results(name: str, report: Report, meta: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "benchmark": name,
        **meta,
        "measurements": [m.to_json() for m in report.measurements],
        "tables": [asdict(t) for t in report.tables],
        "notes": report.notes,
        **report.data,
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


# --- running the project's own programs ----------------------------------------------

def project_bin(name: str) -> str:
    """`gt`, `bd`, ... of the interpreter running the benchmarks."""
    return str(Path(sys.executable).parent / name)


def output(args: Sequence[str], env: dict[str, str], cwd: str | os.PathLike[str]) -> str:
    """stdout of a command that must succeed."""
    return subprocess.run(list(args), env=env, cwd=cwd, check=True, capture_output=True,
                          text=True).stdout
