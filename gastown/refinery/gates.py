"""Running a rig's gates in a candidate tree: in order, each with its timeout, a log
file per run, and a failing gate run again up to `retry_flaky` times."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

from gastown import git
from gastown.rigs.config import Gate

TAIL_LINES = 30


class Verdict(NamedTuple):
    ok: bool
    gate: str = ""        # the failing gate's name
    log: str = ""         # its log file
    tail: str = ""        # the last lines of that log
    flaky: tuple[str, ...] = ()  # gates that failed, then passed on a retry


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])


def run_one(gate: Gate, worktree: Path, log: Path, env: dict[str, str]) -> bool:
    """The gate's command through sh in `worktree`; its output to `log`. The whole
    process group is killed at the timeout (a gate's children must not outlive it)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"$ {gate.run}\n".encode())
        out.flush()
        proc = subprocess.Popen(["sh", "-c", gate.run], cwd=worktree, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=gate.timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            out.write(f"\n[gate {gate.name} timed out after {gate.timeout}s]\n".encode())
            return False
        out.write(f"[exit {code}]\n".encode())
    return code == 0


def run(gates: tuple[Gate, ...], worktree: Path, logs: Path, label: str,
        retry_flaky: int, env: dict[str, str] | None = None) -> Verdict:
    """Every gate in order; the first one still failing after its retries decides."""
    full_env = {**git.no_git_env(env), "GT_REFINERY_CANDIDATE": label}
    stamp = time.strftime("%Y%m%dT%H%M%S")
    flaky: list[str] = []
    for gate in gates:
        log = logs / f"{stamp}-{label}-{_safe(gate.name)}.log"
        for attempt in range(retry_flaky + 1):
            if run_one(gate, worktree, log, full_env):
                if attempt:
                    flaky.append(gate.name)
                break
        else:
            return Verdict(False, gate.name, str(log), tail(log), tuple(flaky))
    return Verdict(True, flaky=tuple(flaky))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:40]
