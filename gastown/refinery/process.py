"""The Refinery as a process: one per rig (a file lock), a pid file, logs, and the
detached background run that `gt refinery start` and the mq_queued reaction start.

Paths, all under .gastown/: locks/refinery-<rig>.lock, pids/refinery-<rig>.pid,
refinery/<rig>.stopped (`gt refinery stop` keeps it from being woken),
logs/refinery/<rig>.log (the run's own log) and logs/refinery/<rig>/ (gate logs).
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from gastown import git
from gastown.town.paths import Town


def lock_path(town: Town, rig: str) -> Path:
    return town.state / "locks" / f"refinery-{rig}.lock"


def pid_path(town: Town, rig: str) -> Path:
    return town.state / "pids" / f"refinery-{rig}.pid"


def stopped_path(town: Town, rig: str) -> Path:
    return town.state / "refinery" / f"{rig}.stopped"


def log_file(town: Town, rig: str) -> Path:
    return town.state / "logs" / "refinery" / f"{rig}.log"


def log_dir(town: Town, rig: str) -> Path:
    return town.state / "logs" / "refinery" / rig


@contextlib.contextmanager
def holding(town: Town, rig: str, wait: float = 0.5) -> Iterator[bool]:
    """Hold the rig's Refinery lock; yields whether it was taken. The pid file names the
    holder while it is held. The short wait outlasts a `running()` probe, never a run."""
    from filelock import FileLock, Timeout

    path = lock_path(town, rig)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The lock file stays: `running()` probes this same file with flock.
    lock = FileLock(str(path), is_singleton=True, preserve_lock_file=True)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        yield False
        return
    pid = pid_path(town, rig)
    try:
        pid.parent.mkdir(parents=True, exist_ok=True)
        pid.write_text(f"{os.getpid()}\n")
        yield True
    finally:
        with contextlib.suppress(FileNotFoundError):
            if pid.read_text().strip() == str(os.getpid()):
                pid.unlink()
        lock.release()


def running(town: Town, rig: str) -> bool:
    """Whether a Refinery holds the rig's lock now (a cheap flock probe on the same file
    filelock locks, without importing filelock)."""
    from gastown import locks

    path = lock_path(town, rig)
    if not path.exists():
        return False
    with locks.held(path, wait=0) as taken:
        return not taken


def pid_of(town: Town, rig: str) -> int | None:
    try:
        return int(pid_path(town, rig).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def spawn(town: Town, rig: str) -> int:
    """Start `python -m gastown.refinery RIG` detached; returns its pid."""
    log = log_file(town, rig)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gastown.refinery", rig], cwd=town.root,
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
            env={**git.no_git_env(), "GT_TOWN": str(town.root)}, close_fds=True)
    return proc.pid


def start(town: Town, rig: str) -> tuple[bool, int | None]:
    """Start the rig's Refinery unless it runs; (started, pid)."""
    stopped_path(town, rig).unlink(missing_ok=True)
    if running(town, rig):
        return False, pid_of(town, rig)
    return True, spawn(town, rig)


def stop(town: Town, rig: str, timeout: float = 30) -> int | None:
    """Keep the rig's Refinery from being woken, and end a running one (it finishes
    the ledger write it is in: SIGTERM is acted on between steps). The pid it had."""
    marker = stopped_path(town, rig)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("stopped by `gt refinery stop`\n")
    pid = pid_of(town, rig)
    if pid is None or not running(town, rig):
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running(town, rig) and time.monotonic() < deadline:
        time.sleep(0.05)
    if running(town, rig):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pid


def autostart_allowed(town: Town, rig: str) -> bool:
    if os.environ.get("GT_REFINERY_AUTOSTART", "1") in ("0", "off", "no"):
        return False
    return not stopped_path(town, rig).exists()
