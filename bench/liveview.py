"""Live view: the CPU `gt top --interval 1` uses on a town with 10 running sessions.

Part of the suite (`python bench/run.py --only liveview`), or on its own:

    .venv/bin/python bench/liveview.py [--quick]

`gt top --interval 1` runs under a pseudo-terminal (80x200: rich renders every frame
as on a real screen) for 20 s (5 s with --quick) after a 2 s warm-up; its CPU time
(user + system, its waited-for children included: the tmux clients it spawns) comes
from /proc/<pid>/stat, and so does the tmux server's over the same window. The
baseline is an idle `sleep` measured the same way, with the same sessions running.
A second run creates a bead every 2 s, so the ledger part is read again each time.
"""
from __future__ import annotations

import argparse
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from fcntl import ioctl
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import synth  # noqa: E402
import towns  # noqa: E402
from harness import Context, Measurement, Report, Table  # noqa: E402
from harness import output as _run  # noqa: E402
from harness import project_bin as _bin  # noqa: E402

NAME = "liveview"
DESCRIPTION = "CPU of gt top --interval 1 with 10 running sessions, against an idle sleep"
SESSIONS = 10
WARMUP_S = 2.0
TARGET_CPU_S_PER_MIN = 6.0  # 10% of one core
TICK = os.sysconf("SC_CLK_TCK")

FORMULA = """formula = "bench-idle"
version = 1
[vars.issue]
required = true
[vars.base]
default = "main"
[[steps]]
id = "work"
title = "Work on {{issue}}"
run = 'sleep 600'
"""




def _town(ctx: Context, env: dict[str, str]) -> Path:
    return towns.town_with_rig(ctx, env, "town", FORMULA, "bench-idle", 40)


def _socket(root: Path) -> str:
    from gastown.agents.tmux import socket_name
    from gastown.town.paths import Town

    return socket_name(Town(root))


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of `pid` and of the children it has waited for."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICK  # utime stime cutime cstime


def measure(cmd: list[str], env: dict[str, str], cwd: Path, server: int, seconds: float,
            during: Callable[[], None] | None = None) -> tuple[float, float, int]:
    """(CPU s of `cmd`, CPU s of the tmux server, bytes drawn) over `seconds`, after a
    warm-up; `cmd` runs on a 200x50 pseudo-terminal."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    drawn = [0]

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            drawn[0] += len(chunk)

    proc = subprocess.Popen(cmd, env={**env, "TERM": "xterm-256color"}, cwd=cwd,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        time.sleep(WARMUP_S)
        own0, srv0, drawn0 = cpu_s(proc.pid), cpu_s(server), drawn[0]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if during:
                during()
            time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
        own1, srv1 = cpu_s(proc.pid), cpu_s(server)
        assert proc.poll() is None, f"{cmd} ended early (exit {proc.returncode})"
        return own1 - own0, srv1 - srv0, drawn[0] - drawn0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(master)


def _per_min(cpu: float, seconds: float) -> float:
    return cpu * 60 / seconds


def run(ctx: Context) -> Report:
    report = Report()
    seconds = 5.0 if ctx.quick else 20.0
    env = synth.bench_env(ctx.workdir / "home")
    root = _town(ctx, env)
    env = {**env, "GT_TOWN": str(root)}
    beads = [json.loads(_run([_bin("bd"), "create", f"job {i}", "--json"], env, root))["id"]
             for i in range(SESSIONS)]
    ctx.log(f"slinging {SESSIONS} beads to start {SESSIONS} sessions")
    _run([_bin("gt"), "sling", *beads, "--rig", "demo"], env, root)
    socket = _socket(root)
    try:
        top = json.loads(_run([_bin("gt"), "top", "--json"], env, root))
        running = sum(a["running"] for a in top["agents"])
        assert running == SESSIONS, f"{running} sessions run, not {SESSIONS}"
        server = int(subprocess.run(["tmux", "-L", socket, "display-message", "-p", "#{pid}"],
                                    env=env, check=True, capture_output=True,
                                    text=True).stdout)
        made = [0]

        def write_a_bead() -> None:
            made[0] += 1
            _run([_bin("bd"), "create", f"more {made[0]}"], env, root)

        runs: dict[str, tuple[list[str], Callable[[], None] | None]] = {
            "idle sleep (baseline)": (["sleep", "3600"], None),
            "gt top --interval 1": ([_bin("gt"), "top", "--interval", "1"], None),
            "gt top --interval 1, a bead every 2 s": (
                [_bin("gt"), "top", "--interval", "1"], write_a_bead),
        }
        rows = []
        for key, (cmd, during) in runs.items():
            ctx.log(f"{key}: {seconds:.0f} s")
            own, srv, drawn = measure(cmd, env, root, server, seconds, during)
            per_min, srv_min = _per_min(own, seconds), _per_min(srv, seconds)
            target = TARGET_CPU_S_PER_MIN if key.startswith("gt") and not during else None
            report.measurements.append(Measurement(
                key, f"{SESSIONS} sessions", [per_min], "CPU s per minute (/proc stat)",
                " ".join(cmd[-3:]), 0, target, [f"tmux server {srv_min:.2f} CPU s/min"]))
            rows.append([key, f"{per_min:.2f}", f"{srv_min:.2f}", f"{per_min + srv_min:.2f}",
                         f"{per_min / 60 * 100:.1f}%", f"{drawn / seconds / 1024:.1f}"])
        report.data["seconds"] = seconds
        report.tables.append(Table(
            f"liveview: CPU seconds per minute over {seconds:.0f} s, {SESSIONS} sessions",
            ["what", "own CPU s/min", "tmux server s/min", "total s/min", "of one core",
             "KiB/s drawn"], rows,
            f"target: gt top's own CPU at most {TARGET_CPU_S_PER_MIN:.0f} s per minute "
            "(children included)"))
    finally:
        _stop(root, socket, env)
    return report


def _stop(root: Path, socket: str, env: dict[str, str]) -> None:
    """Kill the sessions, then the steps they ran (each in its own process group)."""
    from gastown.molecules.runtime import PID_DIR, reap_stale
    from gastown.town.paths import Town

    subprocess.run(["tmux", "-L", socket, "kill-server"], env=env, capture_output=True)
    town = Town(root)
    folder = town.state / PID_DIR
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ids = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        if not any(reap_stale(town, mol_id) for mol_id in ids):
            return
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    from harness import print_table

    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gt-bench-liveview-") as tmp:
        report = run(Context(args.quick, Path(tmp), False, print))
    for table in report.tables:
        print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__: list[Any] = ["run", "NAME", "DESCRIPTION", "cpu_s", "measure"]
