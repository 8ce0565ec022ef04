"""The ledger benchmark: `bd ready --json` and `bd create` on 10k and 100k beads,
against taskwarrior's `task ready` and `task add` on the same data.

For each size it builds a fresh town (`synth.make_town`) and a private taskwarrior
(`synth.make_taskwarrior`), then times, each as a whole process:

* `bd ready --json`, cold: no `.gastown/index.bin`, so this run parses the ledger
  and builds the index (timed alone, a few times, deleting the index before each);
* `bd ready --json`, warm: ≥15 runs after 2 warm-ups, the index fresh and not racy;
* `bd ready --json` right after a write: each run preceded (untimed) by a `bd create`,
  so the index entry is "racy" (file changed < 2 s before the index was built) and the
  reader re-reads and checksums the whole ledger — what an agent sees after a write;
* `bd create ... --silent`: ≥15 runs after 2 warm-ups, each one bead and one commit;
* `task ready` and `task add`: ≥7 runs after 1 warm-up when that fits the budget;
  taskwarrior 2.6 is superlinear in dependencies, so at 100k it gets one probe run
  with a timeout, and the table says so.

Then, in this process: ledger lines through json.loads / orjson.loads / codec.loads /
the full parse (10k lines), loading the marshalled index (each size), and a phase
breakdown of `bd ready --json` and `bd create` (the real `bd` entry point called
in-process, with timers wrapped around the functions that do the work), plus the
import time of each command (`python -X importtime`).
"""
from __future__ import annotations

import contextlib
import io
import json
import marshal
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import harness
import synth
from harness import Context, Measurement, Report, Table, fmt_s

NAME = "ledger"
DESCRIPTION = "bd ready / bd create vs taskwarrior on 10k and 100k beads"

SIZES = (10_000, 100_000)
TARGETS = {("ready", 10_000): 0.100, ("ready", 100_000): 0.600, ("create", 10_000): 0.150}

BIN = Path(sys.executable).parent
BD = str(BIN / "bd")
PY = sys.executable
READY = [BD, "ready", "--json"]
CREATE = [BD, "create", "Bench: add a retry to the refinery merge step", "-p", "2",
          "-t", "task", "--silent"]
TASK_READY = ["task", "ready"]
TASK_ADD = ["task", "add", "Bench: add a retry to the refinery merge step", "priority:M"]
RACY_S = 2.1  # index.RACY_NS plus a margin


class Plan:
    """How many runs of what: the full suite, or --quick."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.sizes = SIZES[:1] if quick else SIZES
        self.bd_runs = 5 if quick else 15
        self.bd_warmup = 1 if quick else 2
        self.racy_runs = 3 if quick else 10
        self.cold_runs = 1 if quick else 3
        self.task_runs = 3 if quick else 7
        self.task_warmup = 1
        # Seconds one taskwarrior measurement may take in all; past it, fewer runs.
        self.task_budget = 20.0 if quick else 45.0
        self.task_timeout = 30.0  # one run longer than this is reported as a lower bound
        self.micro_repeat = 3 if quick else 7
        self.phase_runs = 3 if quick else 5


# --- helpers --------------------------------------------------------------------------

@contextlib.contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def wait_not_racy(path: Path) -> None:
    """Sleep until `path` changed more than RACY_S ago, so the next index is trusted."""
    age = time.time() - path.stat().st_ctime
    if age < RACY_S:
        time.sleep(RACY_S - age)


def _measure(name: str, group: str, cmd: list[str], *, env: dict[str, str], cwd: Path,
             runs: int, warmup: int, target: float | None = None,
             prepare: list[str] | None = None, notes: list[str] | None = None
             ) -> Measurement:
    samples, method, timed_out = harness.time_command(cmd, env=env, cwd=cwd, runs=runs,
                                                      warmup=warmup, prepare=prepare)
    return Measurement(name, group, samples, method, _show(cmd), warmup, target,
                       list(notes or []), timed_out, harness.loadavg())


def _show(cmd: list[str]) -> str:
    import shlex

    return shlex.join([os.path.basename(c) if c.startswith("/") else c for c in cmd])


def _task_measure(name: str, group: str, cmd: list[str], *, env: dict[str, str], cwd: Path,
                  plan: Plan, log: Callable[[str], None]) -> Measurement:
    """taskwarrior: a probe run first; the full count of runs only if it fits the budget."""
    probe, timed_out = harness.time_once(cmd, env=env, cwd=cwd, timeout=plan.task_timeout)
    if timed_out:
        log(f"    {name}: probe run over {plan.task_timeout:.0f} s, stopped")
        return Measurement(name, group, [plan.task_timeout], "subprocess+perf_counter (probe)",
                           _show(cmd), 0, None,
                           [f"one run exceeded the {plan.task_timeout:.0f} s timeout and was "
                            "killed: the time is a lower bound"], True, harness.loadavg())
    fits = max(1, int(plan.task_budget / max(probe, 1e-3)) - plan.task_warmup)
    runs = min(plan.task_runs, fits)
    notes = []
    if runs < plan.task_runs:
        notes.append(f"{runs} run(s), not {plan.task_runs}: one run takes {probe:.1f} s "
                     f"(budget {plan.task_budget:.0f} s); the probe run is the warm-up")
        warmup = 0
    else:
        warmup = plan.task_warmup
    m = _measure(name, group, cmd, env=env, cwd=cwd, runs=runs, warmup=warmup, notes=notes)
    return m


# --- in-process: parse, index load, phases ----------------------------------------------

def micro(ledger_path: str, index_paths: dict[str, str], repeat: int) -> dict[str, Any]:
    """Parse and index-load timings, in a fresh interpreter (see `child`)."""
    import gc

    import orjson

    from gastown.beads import codec, index, snapshot

    ledger = Path(ledger_path).read_bytes()
    lines = codec.split_lines(ledger)
    n = len(lines)
    results: dict[str, Any] = {}

    def add(label: str, fn: Callable[[], Any], count: int, reps: int = repeat) -> None:
        fn()  # warm
        samples = harness.time_call(fn, repeat=reps)
        results[label] = {"samples": samples, "median": statistics.median(samples),
                          "p95": harness.percentile(samples, 95), "items": count}

    add(f"json.loads × {n:,} lines", lambda: [json.loads(x) for x in lines], n)
    add(f"orjson.loads × {n:,} lines", lambda: [orjson.loads(x) for x in lines], n)
    add(f"codec.loads × {n:,} lines", lambda: [codec.loads(x) for x in lines], n)
    add(f"codec.iter_beads (decode + check) × {n:,} lines",
        lambda: sum(1 for _ in codec.iter_beads("work", ledger)), n)
    parse = getattr(snapshot, "parse_file", None) or getattr(snapshot, "_parse", None)
    if parse is not None:
        add(f"full parse (snapshot.{parse.__name__}) {n:,} lines",
            lambda: parse("work", ledger), n)
    add(f"zlib.crc32 of the {len(ledger) / 1e6:.1f} MB ledger", lambda: zlib.crc32(ledger), n)

    def load_file(path: str) -> Any:
        with open(path, "rb") as f:
            return marshal.load(f)

    def loads_read(path: str) -> Any:
        with open(path, "rb") as f:
            return marshal.loads(f.read())

    def loads_read_nogc(path: str) -> Any:
        gc.disable()
        try:
            return loads_read(path)
        finally:
            gc.enable()

    for group, path in index_paths.items():
        size = int(group.rstrip("k")) * 1000
        mb = Path(path).stat().st_size / 1e6
        reps = max(repeat, 7)
        add(f"index.load {group} (package code)", lambda p=path: index.load(p), size, reps)
        add(f"  marshal.load(file) {group} ({mb:.1f} MB)", lambda p=path: load_file(p), size, reps)
        add(f"  marshal.loads(f.read()) {group}", lambda p=path: loads_read(p), size, reps)
        add(f"  marshal.loads(f.read()), gc off {group}", lambda p=path: loads_read_nogc(p),
            size, reps)
    return results


def micro_table(results: dict[str, Any]) -> Table:
    rows = [[label, f"{r['items']:,}", fmt_s(r["median"]), fmt_s(r["p95"]),
             f"{r['median'] / r['items'] * 1e6:.2f} µs"] for label, r in results.items()]
    return Table("In-process micro-benchmarks (fresh interpreter; median of repeats)",
                 ["what", "items", "median", "p95", "per item"], rows)


def child(args: list[str], env: dict[str, str]) -> Any:
    """Run `python bench/ledger.py ARGS` (a clean heap, like a real bd) and read its JSON."""
    proc = subprocess.run([PY, __file__, *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {args[0]} failed: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def main(argv: list[str]) -> int:
    """Children: `micro LEDGER [GROUP=INDEX ...] --repeat R`, `phases TOWN RUNS ARGV...`."""
    if argv[0] == "micro":
        repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 7
        rest = [a for i, a in enumerate(argv[1:], 1)
                if a != "--repeat" and argv[i - 1] != "--repeat"]
        indexes = dict(a.split("=", 1) for a in rest[1:])
        out = micro(rest[0], indexes, repeat)
    elif argv[0] == "phases":
        town, runs, *bd_argv = argv[1:]
        out = phases(Path(town), dict(os.environ), bd_argv, int(runs))
    else:
        raise SystemExit(f"unknown child {argv[0]!r}")
    sys.stdout.write(json.dumps(out))
    return 0


class Probe:
    """Inclusive wall time and calls per label, by wrapping module attributes."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, attr: str, label: str | Callable[..., str]) -> None:
        orig = getattr(owner, attr)
        total, calls, clock = self.total, self.calls, time.perf_counter

        def wrapper(*args: Any, **kw: Any) -> Any:
            key = label(*args, **kw) if callable(label) else label
            t0 = clock()
            try:
                return orig(*args, **kw)
            finally:
                total[key] += clock() - t0
                calls[key] += 1

        setattr(owner, attr, wrapper)
        self._undo.append((owner, attr, orig))

    def undo(self) -> None:
        for owner, attr, orig in reversed(self._undo):
            setattr(owner, attr, orig)
        self._undo.clear()


def _git_label(cwd: Any, *args: str, **kw: Any) -> str:
    verb = next((a for a in args if not a.startswith("-")), "?")
    return f"git {verb}"


# (module, attribute path, label, depth), in display order. Names the package does not
# have (any more) are skipped, so the breakdown survives refactors of gastown.
PHASES: list[tuple[str, str, Any, int]] = [
    ("gastown.beads.commands", "find_town", "find_town", 0),
    ("gastown.beads.store", "recover", "store.recover (txn journal check)", 0),
    ("gastown.beads.snapshot", "load", "snapshot.load", 0),
    ("gastown.beads.index", "load", "index.load (marshal → rows)", 1),
    ("gastown.beads.snapshot", "_load_once", "snapshot._load_once (stat, racy check)", 1),
    ("gastown.beads.index", "checksum", "index.checksum (crc32 of a ledger)", 2),
    ("gastown.beads.snapshot", "parse_file", "snapshot.parse_file (full parse)", 2),
    ("gastown.beads.snapshot", "Snapshot.__init__", "Snapshot.__init__ (id → row map)", 2),
    ("gastown.beads.graph", "ready", "graph.ready", 0),
    ("gastown.beads.graph", "age_key", "graph.age_key (sort key, datetime parse)", 1),
    ("gastown.beads.snapshot", "Snapshot.beads", "Snapshot.beads (decode the page)", 0),
    ("gastown.beads.commands", "print_json", "print_json (encode + stdout)", 0),
    ("gastown.beads.commands", "_json", "commands._json (encode + stdout)", 0),
    ("gastown.beads.ids", "mint", "ids.mint", 0),
    ("gastown.beads.store", "apply", "store.apply", 0),
    ("gastown.beads.store", "_refuse_dirty", "store._refuse_dirty (git diff)", 1),
    ("gastown.beads.store", "_rewrite", "store._rewrite (new file bytes + rows)", 1),
    ("gastown.beads.store", "_journal", "store._journal", 1),
    ("gastown.beads.store", "atomic_write", "store.atomic_write (write + fsync + rename)", 1),
    ("gastown.beads.store", "_commit", "store._commit (git plumbing)", 1),
    ("gastown.beads.store", "_refresh_index", "store._refresh_index", 1),
    ("gastown.beads.snapshot", "ledger_warnings", "snapshot.ledger_warnings (deps + cycles)", 2),
    ("gastown.beads.graph", "cycles", "graph.cycles", 3),
    ("gastown.beads.index", "save", "index.save (marshal.dump)", 2),
    ("gastown.git", "git", _git_label, 1),
]


def _resolve(module: str, path: str) -> tuple[Any, str] | None:
    import importlib

    try:
        owner: Any = importlib.import_module(module)
    except ImportError:
        return None
    *parents, attr = path.split(".")
    for p in parents:
        owner = getattr(owner, p, None)
        if owner is None:
            return None
    return (owner, attr) if hasattr(owner, attr) else None


def phases(town: Path, env: dict[str, str], argv: list[str], runs: int,
           between: Callable[[], None] | None = None) -> dict[str, Any]:
    """Median inclusive time per phase of `bd ARGV` run in-process `runs` times."""
    from gastown.beads import cli

    specs = [(*hit, label, depth) for module, path, label, depth in PHASES
             if (hit := _resolve(module, path)) is not None]
    per_run: list[tuple[float, dict[str, float], dict[str, int]]] = []
    with environ({**env, "GT_TOWN": str(town)}):
        for _ in range(runs):
            if between:
                between()
            probe = Probe()
            for owner, attr, label, _depth in specs:
                probe.wrap(owner, attr, label)
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    t0 = time.perf_counter()
                    try:
                        cli.main(argv)
                    except SystemExit as e:
                        if e.code not in (0, None):
                            raise
                    wall = time.perf_counter() - t0
            finally:
                probe.undo()
            per_run.append((wall, dict(probe.total), dict(probe.calls)))
    labels: list[tuple[str, int]] = []
    for _owner, _attr, label, depth in specs:
        if callable(label):
            found = sorted({k for _, t, _ in per_run for k in t if k.startswith("git ")})
            labels.extend((k, depth) for k in found)
        else:
            labels.append((label, depth))
    walls = [w for w, _, _ in per_run]
    out: dict[str, Any] = {"runs": runs, "wall_median": statistics.median(walls),
                           "walls": walls, "phases": []}
    for label, depth in labels:
        times = [t.get(label, 0.0) for _, t, _ in per_run]
        calls = [c.get(label, 0) for _, _, c in per_run]
        if not any(calls):
            continue
        out["phases"].append({"phase": label, "depth": depth,
                              "median": statistics.median(times),
                              "calls": statistics.median(calls)})
    return out


IMPORT_RE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_times(cmd: list[str], env: dict[str, str], cwd: Path, runs: int = 5
                 ) -> dict[str, Any]:
    """`python -X importtime` of a console script: total and top-level modules (µs)."""
    script = cmd[0]
    totals: list[int] = []
    per_module: dict[str, list[int]] = defaultdict(list)
    for _ in range(runs):
        proc = subprocess.run([PY, "-X", "importtime", script, *cmd[1:]], env=env, cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        total = 0
        for line in proc.stderr.splitlines():
            m = IMPORT_RE.match(line)
            if m and len(m.group(3)) == 1:  # top level: one space of indent
                total += int(m.group(2))
                per_module[m.group(4)].append(int(m.group(2)))
        totals.append(total)
    top = sorted(((statistics.median(v), k) for k, v in per_module.items()), reverse=True)
    return {"total_us": statistics.median(totals),
            "top": [{"module": k, "cumulative_us": v} for v, k in top[:10]]}


# --- the benchmark ---------------------------------------------------------------------

def run(ctx: Context) -> Report:
    plan = Plan(ctx.quick)
    report = Report()
    log = ctx.log
    home = ctx.workdir / "home"
    env = synth.bench_env(home)
    report.data["taskwarrior_version"] = synth.task_version()
    report.data["sizes"] = {}
    have_task = shutil.which("task") is not None
    if not have_task:
        report.notes.append("taskwarrior (`task`) not installed: baseline skipped "
                            "(`make setup` installs it)")
    index_paths: dict[str, str] = {}
    ledger10k: Path | None = None
    phase_data: dict[int, dict[str, Any]] = {}
    imports: dict[str, Any] = {}

    for n in plan.sizes:
        group = f"{n // 1000}k"
        t0 = time.perf_counter()
        log(f"[{group}] generating {n:,} beads")
        beads = synth.generate(n)
        shape = synth.describe(beads)
        town_dir = ctx.workdir / f"town{group}"
        info = synth.make_town(town_dir, beads, env)
        log(f"[{group}] town: {info.ledger_bytes / 1e6:.1f} MB, {info.mean_line:.0f} bytes/line")
        tw = None
        if have_task:
            tw = synth.make_taskwarrior(ctx.workdir / f"task{group}", beads, env)
            log(f"[{group}] taskwarrior: imported in {tw.import_s:.1f} s")
        del beads
        setup_s = time.perf_counter() - t0
        ledger_path = info.root / "beads" / "work.jsonl"
        if n == 10_000:
            ledger10k = ctx.workdir / "work10k.jsonl"
            shutil.copyfile(ledger_path, ledger10k)
        bd_env = {**env, "GT_TOWN": str(info.root)}
        cwd = info.root
        index_file = info.root / ".gastown" / "index.bin"
        report.data["sizes"][group] = {
            "beads": info.beads, "ledger_bytes": info.ledger_bytes,
            "mean_line_bytes": round(info.mean_line, 1), "shape": shape,
            "setup_s": round(setup_s, 2), "install_s": round(info.install_s, 3),
            "commit_s": round(info.commit_s, 3),
            "taskwarrior": None if tw is None else {
                "tasks": tw.tasks, "pending_bytes": tw.pending_bytes,
                "completed_bytes": tw.completed_bytes, "import_s": round(tw.import_s, 2)},
        }

        # Cold: no index; the run parses everything and writes the index.
        wait_not_racy(ledger_path)
        log(f"[{group}] bd ready --json, cold ×{plan.cold_runs}")
        cold = []
        for _ in range(plan.cold_runs):
            s, _ = harness.time_once(READY, env=bd_env, cwd=cwd,
                                     prepare=lambda f=index_file: f.unlink(missing_ok=True))
            cold.append(s)
        report.measurements.append(Measurement(
            "bd ready --json (cold: builds index)", group, cold, "subprocess+perf_counter",
            _show(READY), 0, None, ["index.bin deleted before each run"],
            load=harness.loadavg()))

        log(f"[{group}] bd ready --json, warm ×{plan.bd_runs}")
        report.measurements.append(_measure(
            "bd ready --json", group, READY, env=bd_env, cwd=cwd, runs=plan.bd_runs,
            warmup=plan.bd_warmup, target=TARGETS.get(("ready", n))))

        # In-process phases of ready, while the index is fresh and trusted.
        log(f"[{group}] phases of bd ready (in-process ×{plan.phase_runs})")
        phase_data.setdefault(n, {})["ready"] = child(
            ["phases", str(info.root), str(plan.phase_runs), "ready", "--json"], env)
        if n == plan.sizes[0]:
            imports["bd ready --json"] = import_times(READY, bd_env, cwd)

        if tw is not None:
            log(f"[{group}] task ready")
            report.measurements.append(_task_measure(
                "task ready", group, TASK_READY, env=tw.env, cwd=tw.root, plan=plan, log=log))

        log(f"[{group}] bd create ×{plan.bd_runs}")
        objects_before = _objects_bytes(info.root)
        report.measurements.append(_measure(
            "bd create (incl. git commit)", group, CREATE, env=bd_env, cwd=cwd,
            runs=plan.bd_runs, warmup=plan.bd_warmup, target=TARGETS.get(("create", n)),
            notes=["back-to-back creates: each finds the previous write's index entry racy "
                   "and re-checksums the ledger"]))

        creates = plan.bd_runs + plan.bd_warmup
        growth = (_objects_bytes(info.root) - objects_before) / creates
        report.data["sizes"][group]["git_objects_bytes_per_create"] = round(growth)
        report.notes.append(f"{group}: each bd create adds {growth / 1e6:.1f} MB to .git/objects "
                            "on average (a loose, uncompressed blob of the whole ledger, packed "
                            "in the background past 256 MiB: gastown.beads.packing)")
        log(f"[{group}] bd ready --json right after a write ×{plan.racy_runs}")
        report.measurements.append(_measure(
            "bd ready --json (just after a write)", group, READY, env=bd_env, cwd=cwd,
            runs=plan.racy_runs, warmup=1, prepare=CREATE,
            notes=["a bd create (untimed) before each run: the index entry is racy, "
                   "so the reader re-reads and crc32s the ledger"]))

        log(f"[{group}] phases of bd create (in-process ×{plan.phase_runs})")
        phase_data[n]["create"] = child(
            ["phases", str(info.root), str(plan.phase_runs), *CREATE[1:]], env)
        if n == plan.sizes[0]:
            imports["bd create"] = import_times(CREATE, bd_env, cwd, runs=3)
        # The index is trusted again once the last write is RACY_S old.
        if tw is not None:
            log(f"[{group}] task add")
            report.measurements.append(_task_measure(
                "task add", group, TASK_ADD, env=tw.env, cwd=tw.root, plan=plan, log=log))
        index_paths[group] = _stable_copy(index_file, ctx.workdir / f"index{group}.bin",
                                      ledger_path, bd_env, cwd)
        if not ctx.keep:
            shutil.rmtree(town_dir, ignore_errors=True)
            if tw is not None:
                shutil.rmtree(tw.root, ignore_errors=True)

    startup = harness.time_command([PY, "-c", "pass"], env=env, cwd=ctx.workdir,
                                   runs=plan.bd_runs, warmup=2)[0]
    report.data["python_startup_s"] = statistics.median(startup)
    if ledger10k is not None:
        log("micro-benchmarks")
        results = child(["micro", str(ledger10k),
                         *(f"{g}={p}" for g, p in index_paths.items()),
                         "--repeat", str(plan.micro_repeat)], env)
        report.data["micro"] = results
        table = micro_table(results)
    else:  # pragma: no cover - 10k is always the first size
        table = None
    report.data["phases"] = {f"{n // 1000}k": v for n, v in phase_data.items()}
    report.data["imports"] = imports
    report.tables.insert(0, main_table(report.measurements, plan))
    if table is not None:
        report.tables.append(table)
    report.tables.append(phase_table(phase_data, report.measurements,
                                     report.data["python_startup_s"], imports))
    report.tables.append(import_table(imports))
    return report


def _objects_bytes(root: Path) -> int:
    """Bytes on disk under .git/objects (loose objects and packs)."""
    total = 0
    for dirpath, _dirs, files in os.walk(root / ".git" / "objects"):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def _stable_copy(index_file: Path, dest: Path, ledger: Path, env: dict[str, str],
                 cwd: Path) -> str:
    """A copy of a trusted index (for the load micro-benchmark, after the town is gone)."""
    wait_not_racy(ledger)
    subprocess.run(READY, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    shutil.copyfile(index_file, dest)
    return str(dest)


# --- tables ----------------------------------------------------------------------------

def main_table(ms: list[Measurement], plan: Plan) -> Table:
    by = {(m.group, m.name): m for m in ms}
    rows = []
    pairs = {"task ready": "bd ready --json", "task add": "bd create (incl. git commit)"}
    for m in ms:
        s = m.stats
        target = "-" if m.target is None else f"≤ {fmt_s(m.target)}"
        ok = {True: "PASS", False: "FAIL", None: ""}[m.ok]
        ratio = ""
        if m.name in pairs and (m.group, pairs[m.name]) in by:
            ours = by[(m.group, pairs[m.name])].stats.median
            ratio = f"{'>' if m.timed_out else ''}{s.median / ours:.1f}×"
        median = (">" if m.timed_out else "") + fmt_s(s.median)
        rows.append([m.group, m.name, str(s.n), median,
                     "-" if s.n < 2 else fmt_s(s.p95), f"{fmt_s(s.min)}", target, ok, ratio,
                     "" if m.load is None else f"{m.load:.1f}"])
    caption = ("median/p95 of whole-process wall time; task/bd = taskwarrior median / gastown "
               "median of the same operation (>1: gastown is faster); load = 1-minute load "
               f"average after the measurement ({os.cpu_count()} CPUs: above that, other "
               "processes were competing and times are inflated).")
    notes = [f"{m.group} {m.name}: {note}" for m in ms for note in m.notes
             if m.name.startswith("task")]
    if notes:
        caption += "\n" + "\n".join(notes)
    return Table(f"Ledger: gastown bd vs taskwarrior{' (--quick)' if plan.quick else ''}",
                 ["size", "operation", "runs", "median", "p95", "min", "target", "", "task/bd",
                  "load"],
                 rows, caption)


def phase_table(phase_data: dict[int, dict[str, Any]], ms: list[Measurement],
                startup: float, imports: dict[str, Any]) -> Table:
    by = {(m.group, m.name): m for m in ms}
    cols = ["phase"]
    keys = []
    for n in phase_data:
        for op in ("ready", "create"):
            if op in phase_data[n]:
                cols.append(f"{op} {n // 1000}k")
                keys.append((n, op))
    labels: list[tuple[str, int]] = []
    for n, op in keys:
        for p in phase_data[n][op]["phases"]:
            if (p["phase"], p["depth"]) not in labels:
                labels.append((p["phase"], p["depth"]))

    def cell(n: int, op: str, label: str) -> str:
        for p in phase_data[n][op]["phases"]:
            if p["phase"] == label:
                calls = f" ×{p['calls']:g}" if p["calls"] != 1 else ""
                return f"{p['median'] * 1e3:.1f}{calls}"
        return ""

    rows = []
    proc_name = {"ready": "bd ready --json", "create": "bd create (incl. git commit)"}
    row = ["whole process (median, from the table above)"]
    for n, op in keys:
        m = by.get((f"{n // 1000}k", proc_name[op]))
        row.append(f"{m.stats.median * 1e3:.1f}" if m else "")
    rows.append(row)
    rows.append(["  python start (python -c pass)"] + [f"{startup * 1e3:.1f}" for _ in keys])
    row = ["  imports (python -X importtime)"]
    for _, op in keys:
        imp = imports.get(proc_name[op] if op == "ready" else "bd create")
        row.append(f"{imp['total_us'] / 1e3:.1f}" if imp else "")
    rows.append(row)
    row = ["  in-process bd main() (median)"]
    for n, op in keys:
        row.append(f"{phase_data[n][op]['wall_median'] * 1e3:.1f}")
    rows.append(row)
    row = ["  rest: exit/teardown, arg parsing, noise"]
    for n, op in keys:
        m = by.get((f"{n // 1000}k", proc_name[op]))
        imp = imports.get(proc_name[op] if op == "ready" else "bd create")
        if m and imp:
            rest = (m.stats.median - startup - imp["total_us"] / 1e6
                    - phase_data[n][op]["wall_median"])
            row.append(f"{rest * 1e3:.1f}")
        else:
            row.append("")
    rows.append(row)
    for label, depth in labels:
        rows.append(["    " + "  " * depth + label] + [cell(n, op, label) for n, op in keys])
    return Table("Where the time goes (ms; in-process phases are inclusive medians, "
                 "×N = calls)", cols, rows,
                 "imports measured at the first size; in-process runs reuse a warm "
                 "interpreter (imports done), so they exclude start-up and exit.")


def import_table(imports: dict[str, Any]) -> Table:
    rows = []
    for cmd, data in imports.items():
        rows.append([cmd, "(total of top-level imports)", f"{data['total_us'] / 1e3:.1f}"])
        for item in data["top"][:6]:
            rows.append(["", item["module"], f"{item['cumulative_us'] / 1e3:.1f}"])
    return Table("Imports per command (python -X importtime, cumulative ms, median)",
                 ["command", "module", "ms"], rows)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
