"""Real agent clients: start to ready, memory per idle agent, and the largest convoy.

Part of the suite (`python bench/run.py --only clients`), or on its own:

    .venv/bin/python bench/clients.py [--quick]

Every client runs in a sandbox (gastown.agents.loopback): a loopback-only network
namespace holding the benchmark's own tmux server and the scripted model server, so
no client can reach the network; the first two measurements share one. Each client
starts as gastown starts it: its runtime preset's command in a detached tmux pane, with
a freshly seeded home pointed at the model server. The clients: Claude Code, Codex,
OpenCode and Gemini CLI (CLIENTS). The baseline is a bare `sh` in a pane reaching its
`$ ` prompt (what tmux and a pane cost, nothing else).

* start to ready: from the tmux start of a session to its pane reading "ready" by the
  preset's patterns (the pane is captured every 20 ms). N starts of each (5; 3 with
  --quick) after one untimed warm-up round, one at a time, the baseline and each client
  taking turns in every round; each session is ended, its whole process tree with it,
  before the next one starts. Starts are serialised with the client tests' start lock,
  since CPU at start-up is the limit on a small machine.
* memory per idle agent: K sessions of one kind (4; 2 with --quick) started one after
  another, each to ready, then 3 s idle; then RSS and PSS summed over each session's
  process tree (the pane's process and all its descendants, from
  /proc/<pid>/smaps_rollup). PSS splits the pages the K copies share among them. A
  process in the sandbox outside every pane's tree (a daemon the sums would miss) fails
  the run.
* the largest convoy: for Claude Code, then Codex, and N in an increasing series (2, 4,
  8, 12, 16, 24, 32, 40, the rig's 40 polecat names; 2, 4 with --quick), a fresh town in
  a sandbox of its own (this module run again inside a new namespace, with the town's
  tmux server and the scripted model server in it), a rig on that client with
  max_polecats = N and a one-step formula (write `work-<bead>.txt`, commit), and N beads
  slung as one convoy: N polecats at work at once, their sessions started one after
  another by `gt sling` itself (no added stagger), each running `gt mol run` and
  `gt done` as its scripted model tells it, the Refinery (no gates) merging. Timed from
  the sling to the convoy landing (every MR merged); a client's series stops at the
  first N that fails or takes over CONVOY_TIMEOUT_S. Sampled outside the sandbox every
  0.2 s: the 1-minute load average (it lags, and carries over from the N before) and
  the runnable tasks of /proc/loadavg; the peak of each is reported per N.
  Under that load `gt mol run` can outlast Codex's 10 s yield; Codex hands it back to
  the model still running, and the scripted model polls it (write_stdin) until it
  exits, as a model would, before it runs `gt done`.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import harness  # noqa: E402
import synth  # noqa: E402
from filelock import FileLock  # noqa: E402
from harness import Context, Measurement, Report, Table, fmt_s  # noqa: E402

from gastown.agents import clientconfig, loopback, runtimes  # noqa: E402
from gastown.agents.idle import PanePatterns, pane_state  # noqa: E402
from gastown.agents.targets import patterns_of  # noqa: E402
from gastown.agents.tmux import Tmux  # noqa: E402
from gastown.errors import NotFound  # noqa: E402

NAME = "clients"
DESCRIPTION = ("real clients in a loopback sandbox: start to ready, and RSS/PSS per idle "
               "agent, against a bare sh pane; the largest convoy of claude and codex polecats")
CLIENTS = ("claude", "codex", "opencode", "gemini")
BASELINE = "sh pane"
POLL_S = 0.02
IDLE_S = 3.0
READY_TIMEOUT_S = 60.0
WARMUP = 1
CONVOY_SIZES, CONVOY_SIZES_QUICK = (2, 4, 8, 12, 16, 24, 32, 40), (2, 4)  # 40 names in the pool
CONVOY_RUNTIMES = ("claude", "codex")
CONVOY_TIMEOUT_S = 300.0
CONVOY_RIG = "bench"
CONVOY_FORMULA = '''\
formula = "bench-work"
description = "Write a file named after the bead and commit it."
version = 1

[vars.issue]
description = "The bead to work on"
required = true

[vars.base]
description = "The branch the work is merged into"
default = "main"

[[steps]]
id = "work"
title = "Work on {{issue}}"
run = """
set -eu
echo done > "work-$GT_VAR_ISSUE.txt"
git add -A
git -c user.name="$GT_AGENT" -c user.email=polecat@example.invalid commit -q -m "$GT_VAR_ISSUE"
"""
timeout = "1m"
'''
# The client tests' lock (tests/clients/test_conformance.py): no two client starts at once.
START_LOCK = Path(tempfile.gettempdir()) / "gastown-client-start.lock"


class Sandbox(NamedTuple):
    tmux: Tmux
    url: str
    namespace: str
    servers: frozenset[int]  # the model server's and the tmux server's pids


class Kind(NamedTuple):
    name: str
    command: list[str]
    patterns: PanePatterns
    seed: str | None  # clientconfig's seed; None for the bare shell


def run(ctx: Context) -> Report:
    reason = loopback.why_not()
    if reason:
        raise RuntimeError("real agent clients run only inside a loopback-only network "
                           f"namespace, and this machine cannot make one: {reason}")
    kinds = _kinds()
    starts_each, idle_each = (3, 2) if ctx.quick else (5, 4)
    report = Report()
    loads = {"start": _uptime()}
    with _sandbox(ctx) as box:
        ctx.log(f"{starts_each} starts each of {', '.join(k.name for k in kinds)}, in turns")
        starts = _start_times(ctx, box, kinds, starts_each)
        loads["after starts"] = _uptime()
        memory = {}
        for kind in kinds:
            ctx.log(f"{idle_each} idle {kind.name} sessions: RSS and PSS")
            memory[kind.name] = _idle_memory(ctx, box, kind, idle_each)
        loads["end"] = _uptime()
    sizes = CONVOY_SIZES_QUICK if ctx.quick else CONVOY_SIZES
    convoys = [c for runtime in CONVOY_RUNTIMES for c in _convoys(ctx, runtime, sizes)]
    loads["after convoys"] = _uptime()
    _start_table(report, starts)
    _memory_table(report, memory)
    _convoy_table(report, convoys)
    report.data["memory_mib"] = memory
    report.data["convoys"] = convoys
    report.data["uptime"] = loads
    report.notes += [f"load average ({when}): {load}" for when, load in loads.items()]
    return report


def _kinds() -> list[Kind]:
    kinds = [Kind(BASELINE, ["sh"], patterns_of(runtimes.load(None, "shell")), None)]
    for name in CLIENTS:
        runtime = runtimes.load(None, name)
        command = runtime.argv(None)
        if not runtime.installed():
            raise RuntimeError(f"{name} is not installed in {runtimes.clients_bin()}: "
                               "run `make setup`")
        kinds.append(Kind(name, command, patterns_of(runtime), runtime.seed))
    return kinds


@contextlib.contextmanager
def _sandbox(ctx: Context) -> Iterator[Sandbox]:
    """The scripted model server and a tmux server, both inside a fresh namespace."""
    where = ctx.workdir / "sandbox"
    where.mkdir()
    (where / "script.json").write_text(json.dumps({"steps": [], "final": "Idle."}))
    port_file = where / "port"
    socket = f"gt-bench-{os.getpid()}"
    server = [sys.executable, "-m", "gastown.agents.modelserver", "--script",
              str(where / "script.json"), "--log", str(where / "requests.jsonl"),
              "--port-file", str(port_file)]
    with open(where / "stderr", "wb") as errors:
        process = subprocess.Popen(loopback.argv(server, socket), cwd=harness.ROOT,
                                   env=synth.bench_env(ctx.workdir / "home"),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors)
    tmux = Tmux(socket)
    namespace = ""
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start (exit {process.poll()}): "
                                   f"{(where / 'stderr').read_text()}")
            time.sleep(0.05)
        inside = loopback.namespace_of(process.pid)
        if not inside or inside == loopback.namespace_of(os.getpid()):
            raise RuntimeError("the model server is not in a namespace of its own")
        namespace = inside
        tmux_pid = _server_pid(tmux)
        if loopback.namespace_of(tmux_pid) != namespace:
            raise RuntimeError(f"the tmux server on {socket} is outside the sandbox")
        yield Sandbox(tmux, f"http://127.0.0.1:{int(port_file.read_text())}", namespace,
                      frozenset({process.pid, tmux_pid}))
    finally:
        _end_sandbox(socket, namespace, process)


def _end_sandbox(socket: str, namespace: str, process: subprocess.Popen[bytes]) -> None:
    """Kill the sandbox's tmux server, every process in its namespace, and `process`."""
    Tmux(socket).kill_server()
    if namespace:
        loopback.end(namespace)
    process.kill()
    process.wait()
    # kill-server leaves the socket file behind
    with contextlib.suppress(FileNotFoundError):
        os.unlink(Path(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", socket))


def _start_times(ctx: Context, box: Sandbox, kinds: list[Kind], rounds: int
                 ) -> dict[str, list[float]]:
    """`rounds` timed rounds after WARMUP untimed ones (the first start reads from disk)."""
    times: dict[str, list[float]] = {kind.name: [] for kind in kinds}
    for r in range(WARMUP + rounds):
        took = {}
        for kind in kinds:
            session = f"start-{kind.name.replace(' ', '-')}-{r}"
            took[kind.name] = _start(ctx, box, kind, session)
            _stop(box, session)
        if r >= WARMUP:
            for name, seconds in took.items():
                times[name].append(seconds)
        ctx.log(("warm-up" if r < WARMUP else f"round {r + 1 - WARMUP}") + ": "
                + ", ".join(f"{name} {fmt_s(s)}" for name, s in took.items()))
    return times


def _idle_memory(ctx: Context, box: Sandbox, kind: Kind, count: int
                 ) -> dict[str, list[float]]:
    sessions = [f"idle-{kind.name.replace(' ', '-')}-{i}" for i in range(count)]
    try:
        for session in sessions:
            _start(ctx, box, kind, session)
        time.sleep(IDLE_S)
        trees = [_tree(_pane_pid(box, s)) for s in sessions]
        sizes = [_memory(tree) for tree in trees]
        # A process that left its pane's tree (a daemon) would be missed by the sums.
        counted = box.servers.union(*trees)
        strays = [p for p in loopback.members(box.namespace) if p not in counted and _alive(p)]
        if strays:
            raise RuntimeError(f"{kind.name}: processes outside the panes' trees: {strays}")
    finally:
        for session in filter(box.tmux.has, sessions):
            _stop(box, session)
    return {"rss": [rss for rss, _ in sizes], "pss": [pss for _, pss in sizes]}


def _start(ctx: Context, box: Sandbox, kind: Kind, session: str) -> float:
    """Start `session` running `kind` and wait for its pane to read ready; the seconds."""
    home, work = ctx.workdir / "homes" / session, ctx.workdir / "work"
    work.mkdir(exist_ok=True)
    if kind.seed is None:
        home.mkdir(parents=True)
        # An interactive sh reads $ENV; root's sh would otherwise show `# `.
        (home / ".shrc").write_text("PS1='$ '\n")
        env = {"HOME": str(home), "ENV": str(home / ".shrc")}
    else:
        env = clientconfig.seed(kind.seed, home, work, f"{box.url}/{session}")
    with FileLock(START_LOCK):
        t0 = time.perf_counter()
        box.tmux.start(session, cwd=work, env=env, command=kind.command)
        while True:
            try:
                screen = box.tmux.capture(session)
            except NotFound:
                raise RuntimeError(f"{kind.name} ({session}) exited before it was ready") from None
            if pane_state(screen, kind.patterns) == "ready":
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > READY_TIMEOUT_S:
                shown = "\n".join(screen)
                raise RuntimeError(f"{kind.name} was not ready within {READY_TIMEOUT_S:.0f} s; "
                                   f"its pane shows:\n{shown}")
            time.sleep(POLL_S)


def _convoys(ctx: Context, runtime: str, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """One convoy of each size in turn, up to the first that does not land."""
    results = []
    for n in sizes:
        ctx.log(f"a convoy of {n} {runtime} polecats")
        result = _convoy(ctx, runtime, n)
        results.append(result)
        ctx.log(f"{n} {runtime} polecats: "
                + (f"landed in {fmt_s(result['seconds'])}" if result["landed"]
                   else f"did not land: {result.get('error', '')}")
                + f"; {result.get('merged', 0)}/{n} merged, peak load {result['peak_load']:.2f}"
                f", peak runnable {result['peak_runnable']}")
        if not result["landed"]:
            break
    return results


def _convoy(ctx: Context, runtime: str, n: int) -> dict[str, Any]:
    """This module run again inside a namespace of its own (`--convoy-inside`), which
    writes result.json; the load sampled outside it: the 1-minute average, and the
    runnable tasks (of /proc/loadavg), which a convoy shorter than a minute shows better."""
    from gastown.agents.tmux import socket_name
    from gastown.refinery import process as refinery
    from gastown.town.paths import Town

    where = ctx.workdir / f"convoy-{runtime}-{n}"
    where.mkdir()
    town = Town(where / "town")
    socket = socket_name(town)
    env = synth.bench_env(where / "home")
    env.update({"GT_REFINERY_AUTOSTART": "1", "GT_REACT": "inline",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"})
    command = [sys.executable, str(Path(__file__).resolve()), "--convoy-inside", runtime,
               str(n), str(where)]
    with open(where / "output", "wb") as output:
        child = subprocess.Popen(loopback.argv(command, socket), cwd=harness.ROOT, env=env,
                                 stdin=subprocess.DEVNULL, stdout=output,
                                 stderr=subprocess.STDOUT)
    namespace, peak, runnable, timed_out = "", 0.0, 0, False
    try:
        namespace = _namespace_of_child(child)
        # setup and teardown in the child come on top of the convoy's own time limit
        deadline = time.monotonic() + CONVOY_TIMEOUT_S + 120
        while child.poll() is None:
            load = Path("/proc/loadavg").read_text().split()
            peak = max(peak, float(load[0]))
            runnable = max(runnable, int(load[3].split("/")[0]))
            if time.monotonic() > deadline:
                timed_out = True
                break
            time.sleep(0.2)
    finally:
        with contextlib.suppress(Exception):
            refinery.stop(town, CONVOY_RIG, timeout=10)
        _end_sandbox(socket, namespace, child)
    found = where / "result.json"
    result = (json.loads(found.read_text()) if found.exists() else
              {"runtime": runtime, "n": n, "landed": False, "error": "timed out" if timed_out else
               f"exit {child.returncode}: {(where / 'output').read_text()[-2000:]}"})
    result.update({"peak_load": peak, "peak_runnable": runnable, "load_after": _uptime()})
    return result


def _namespace_of_child(child: subprocess.Popen[bytes]) -> str:
    own = loopback.namespace_of(os.getpid())
    deadline = time.monotonic() + 10
    while (inside := loopback.namespace_of(child.pid)) == own:
        if child.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the convoy's sandbox did not start (exit {child.poll()})")
        time.sleep(0.01)
    if inside is None:
        raise RuntimeError(f"the convoy's sandbox exited at once (exit {child.wait()})")
    return inside


def convoy_inside(runtime: str, n: int, where: Path) -> dict[str, Any]:
    """Inside the sandbox: a fresh town, N beads slung as one convoy to N polecats,
    watched until it lands; what happened, also written to `where`/result.json."""
    from gastown.agents.sling import sling
    from gastown.beads import ops as beads
    from gastown.demo.clients import model_server, polecat_script
    from gastown.refinery import process as refinery
    from gastown.town.install import install

    _check_loopback_only()
    town = install(where / "town", name="bench-convoy", prefix="bc").town
    _convoy_rig(town, _upstream(where), runtime, n)
    bead_ids = [str(beads.create(town, title=f"convoy work {i + 1}")["id"]) for i in range(n)]
    script = polecat_script(runtime)
    try:
        with model_server(town, script) as url:
            os.environ["GT_MODEL_URL"] = url
            t0 = time.perf_counter()
            convoy = str(sling(town, bead_ids, CONVOY_RIG).convoy)
            sling_s = time.perf_counter() - t0
            landed, most = _watch_convoy(town, convoy, t0 + CONVOY_TIMEOUT_S)
            seconds = time.perf_counter() - t0
            merged = _merged(town, bead_ids)
    finally:
        refinery.stop(town, CONVOY_RIG, timeout=10)
        Tmux.for_town(town).kill_server()
    result = {"runtime": runtime, "n": n, "landed": landed and merged == n, "seconds": seconds,
              "sling_s": sling_s, "merged": merged, "most_sessions": most, "convoy": convoy}
    if not result["landed"]:
        result["error"] = f"not landed within {CONVOY_TIMEOUT_S:.0f} s"
    (where / "result.json").write_text(json.dumps(result))
    return result


def _check_loopback_only() -> None:
    shown = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                           check=True).stdout
    interfaces = loopback.parse_interfaces(shown)
    if interfaces != ["lo"]:
        raise RuntimeError(f"not inside a loopback-only namespace: interfaces {interfaces}")


def _upstream(where: Path) -> Path:
    """A bare repository with one commit on main: the rig's remote."""
    work, bare = where / "project", where / "project.git"
    work.mkdir()
    (work / "README").write_text("bench convoy\n")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=work, check=True)
    subprocess.run([*git, "add", "-A"], cwd=work, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=work, check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    return bare


def _convoy_rig(town: Any, upstream: Path, runtime: str, n: int) -> None:
    """The rig: on `runtime`, N polecats at most, the one-step formula, no gates."""
    from gastown.rigs import ops

    ops.add(town, CONVOY_RIG, str(upstream), prefix="bw", runtime=runtime)
    rig = town.root / "rigs" / CONVOY_RIG
    keys = {"max_polecats": str(n), "formula": '"bench-work"'}
    lines = [ln for ln in (rig / "rig.toml").read_text().splitlines()
             if ln.split(" = ")[0] not in keys]
    (rig / "rig.toml").write_text("\n".join([*lines, *(f"{k} = {v}" for k, v in keys.items())])
                                  + "\n")
    (rig / "formulas").mkdir(exist_ok=True)
    (rig / "formulas" / "bench-work.formula.toml").write_text(CONVOY_FORMULA)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for args in (["add", "--", f"rigs/{CONVOY_RIG}"], ["commit", "-qm", "bench convoy rig"]):
        subprocess.run([*git, *args], cwd=town.root, check=True)


def _watch_convoy(town: Any, convoy: str, deadline: float) -> tuple[bool, int]:
    """Whether the convoy landed by `deadline`; the most polecat sessions seen at once."""
    from gastown.agents import sessions
    from gastown.beads import snapshot

    most = 0
    while time.perf_counter() < deadline:
        most = max(most, sum(1 for s in sessions.running(town)
                             if s.startswith(f"gt-{CONVOY_RIG}-")))
        with snapshot.load(town, warn=False) as snap:
            if (snap.get(convoy) or {}).get("status") == "closed":
                return True, most
        time.sleep(0.5)
    return False, most


def _merged(town: Any, bead_ids: list[str]) -> int:
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        return sum(1 for b in bead_ids if (snap.get(b) or {}).get("status") == "closed")


def _server_pid(tmux: Tmux) -> int:
    return int(subprocess.run(["tmux", "-L", tmux.socket, "display-message", "-p", "#{pid}"],
                              capture_output=True, text=True, check=True).stdout)


def _pane_pid(box: Sandbox, session: str) -> int:
    return int(subprocess.run(["tmux", "-L", box.tmux.socket, "display-message", "-p", "-t",
                               f"={session}:", "#{pane_pid}"], capture_output=True, text=True,
                              check=True).stdout)


def _stop(box: Sandbox, session: str, grace: float = 3.0) -> None:
    """End the session and every process of its tree (some outlive their pane's hangup)."""
    tree = _tree(_pane_pid(box, session))
    box.tmux.stop(session)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if _gone(tree, grace):
            return
        for pid in filter(_alive, tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    if not _gone(tree, grace):
        raise RuntimeError(f"{session}'s processes outlived SIGKILL: {list(filter(_alive, tree))}")


def _gone(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while any(map(_alive, pids)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"  # a zombie holds no memory, runs nothing


def _tree(root: int) -> list[int]:
    """`root` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _memory(pids: list[int]) -> tuple[float, float]:
    """RSS and PSS (MiB) summed over `pids`."""
    kib = {"Rss": 0, "Pss": 0}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in kib:
                        kib[key] += int(value.split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # it exited since the tree was read
    return kib["Rss"] / 1024, kib["Pss"] / 1024


def _uptime() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _start_table(report: Report, starts: dict[str, list[float]]) -> None:
    base = statistics.median(starts[BASELINE])
    rows = []
    for name, times in starts.items():
        med = statistics.median(times)
        report.measurements.append(Measurement(
            f"{name} start to ready", "1 session", times, "tmux start to pane ready, 20 ms polls",
            "", WARMUP, None, [], False, harness.loadavg()))
        rows.append([name, str(len(times)), fmt_s(med), fmt_s(harness.percentile(times, 95)),
                     "baseline" if name == BASELINE else f"{med / base:.1f}x sh"])
    report.tables.append(Table(
        "clients: start to ready", ["what", "n", "median", "p95", "vs baseline"], rows,
        "no targets; one start at a time, in turns with a bare sh pane"))


def _memory_table(report: Report, memory: dict[str, dict[str, list[float]]]) -> None:
    base_rss = statistics.median(memory[BASELINE]["rss"])
    base_pss = statistics.median(memory[BASELINE]["pss"])
    rows = []
    for name, sizes in memory.items():
        rss, pss = statistics.median(sizes["rss"]), statistics.median(sizes["pss"])
        rows.append([name, str(len(sizes["rss"])), f"{rss:.1f}", f"{pss:.1f}",
                     "baseline" if name == BASELINE else
                     f"+{rss - base_rss:.1f} / +{pss - base_pss:.1f}"])
    report.tables.append(Table(
        "clients: memory per idle agent (MiB, its pane's process tree)",
        ["what", "agents", "RSS median", "PSS median", "over sh pane (RSS / PSS)"], rows,
        f"no targets; K sessions of a kind at once, measured {IDLE_S:.0f} s after the last "
        "was ready"))


def _convoy_table(report: Report, convoys: list[dict[str, Any]]) -> None:
    rows = []
    for c in convoys:
        if "seconds" in c:
            report.measurements.append(Measurement(
                f"convoy of {c['n']} {c['runtime']} polecats", f"{c['n']} polecats",
                [c["seconds"]], "sling to convoy landed", "", 0, None, [], not c["landed"],
                c["peak_load"]))
        rows.append([c["runtime"], str(c["n"]), "yes" if c["landed"] else "no",
                     fmt_s(c["seconds"]) if "seconds" in c else "-",
                     fmt_s(c["sling_s"]) if "sling_s" in c else "-",
                     f"{c.get('merged', 0)}/{c['n']}", str(c.get("most_sessions", "-")),
                     f"{c['peak_load']:.2f}", str(c["peak_runnable"])])
    largest = {r: max((c["n"] for c in convoys if c["runtime"] == r and c["landed"]), default=0)
               for r in dict.fromkeys(c["runtime"] for c in convoys)}
    report.data["largest_convoy"] = largest
    report.tables.append(Table(
        "clients: the largest convoy",
        ["client", "polecats", "landed", "sling to landed", "sling call", "merged",
         "most at once", "peak load (1 min)", "peak runnable"], rows,
        "largest N landed: " + ", ".join(f"{r} {n or 'none'}" for r, n in largest.items())
        + f"; one convoy per N in a fresh town and sandbox, limit {CONVOY_TIMEOUT_S:.0f} s; "
        "the series stops at the first N that does not land"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--convoy-inside", nargs=3, metavar=("RUNTIME", "N", "DIR"),
                        help=argparse.SUPPRESS)  # run by _convoy inside its sandbox
    args = parser.parse_args(argv)
    if args.convoy_inside:
        runtime, n, where = args.convoy_inside
        convoy_inside(runtime, int(n), Path(where))
        return 0
    with tempfile.TemporaryDirectory(prefix="gt-bench-clients-") as tmp:
        report = run(Context(args.quick, Path(tmp), False, print))
    for table in report.tables:
        harness.print_table(table)
    for note in report.notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__: list[Any] = ["run", "NAME", "DESCRIPTION"]
