"""The shape every supervisor's session program shares: one instance (a lock), a
log file beside the pane, a pass every `interval` seconds, errors logged not fatal."""
from __future__ import annotations

import os
import signal
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from gastown import locks
from gastown.supervision import report
from gastown.town.paths import Town

LOCK_WAIT = 3.0


def forever(town: Town, name: str, interval: Callable[[], float],
            one_pass: Callable[[], None], pid_file: Path | None = None) -> int:
    """Run `one_pass` every `interval()` seconds until SIGTERM; 0 when another
    instance holds `name`'s lock (it is already supervised). `pid_file` names this
    process while it holds the lock."""
    report.log_to(town.state / "logs" / f"{name}.log")
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    # A moment's wait: a respawned session's new program can start before the
    # killed one has let go of the lock.
    with locks.held(town.state / "locks" / f"{name}.lock", wait=LOCK_WAIT) as mine:
        if not mine:
            report.say(f"{name}: another instance runs; exiting")
            return 0
        if pid_file is not None:
            pid_file.parent.mkdir(parents=True, exist_ok=True)
            pid_file.write_text(f"{os.getpid()}\n")
        report.say(f"{name}: started (pid {os.getpid()})")
        try:
            _passes(name, interval, one_pass, stopping)
        finally:
            if pid_file is not None:
                pid_file.unlink(missing_ok=True)
    report.say(f"{name}: stopped")
    return 0


def _passes(name: str, interval: Callable[[], float], one_pass: Callable[[], None],
            stopping: list[int]) -> None:
    while not stopping:
        try:
            one_pass()
        except Exception:  # noqa: BLE001 - a supervisor outlives one bad pass
            report.say(f"{name}: pass failed:\n{traceback.format_exc()}")
        deadline = time.monotonic() + interval()
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
