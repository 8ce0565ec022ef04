"""The town's daemon: one per town (.gastown/locks/daemon.lock), detached, logging to
.gastown/logs/daemon.log, its pid in .gastown/run/daemon.pid. It keeps Boot's session
alive; Boot keeps the Deacon alive, the Deacon the Witnesses, each Witness its rig's
polecats. `python -m gastown.supervision.daemon` runs it in the foreground.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gastown import git, locks
from gastown.agents import identity
from gastown.agents.tmux import Tmux
from gastown.supervision import keepalive, roles
from gastown.supervision.settings import load
from gastown.town.paths import Town

NAME = "daemon"


def lock_path(town: Town) -> Path:
    return town.state / "locks" / f"{NAME}.lock"


def pid_path(town: Town) -> Path:
    return town.state / "run" / f"{NAME}.pid"


def log_path(town: Town) -> Path:
    return town.state / "logs" / f"{NAME}.log"


def running(town: Town) -> bool:
    """Whether a daemon holds the town's daemon lock now."""
    if not lock_path(town).exists():
        return False
    with locks.held(lock_path(town), wait=0) as taken:
        return not taken


def pid(town: Town) -> int | None:
    try:
        return int(pid_path(town).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def spawn(town: Town, wait: float = 10.0) -> int:
    """Start the daemon detached unless one runs; its pid once it holds the lock."""
    if not running(town):
        log_path(town).parent.mkdir(parents=True, exist_ok=True)
        with open(log_path(town), "ab") as log:
            subprocess.Popen([sys.executable, "-m", "gastown.supervision.daemon"],
                             cwd=town.root, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=log,
                             env={**git.no_git_env(), "GT_TOWN": str(town.root)},
                             start_new_session=True, close_fds=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = pid(town)
        if found is not None and running(town):
            return found
        time.sleep(0.05)
    from gastown.errors import GastownError

    raise GastownError(f"the daemon did not start within {wait:.0f}s; see {town.rel(log_path(town))}")


def stop(town: Town, wait: float = 10.0) -> int | None:
    """SIGTERM the daemon and wait for it to let go of its lock; the pid it had."""
    found = pid(town)
    if found is None or not running(town):
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(found, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while running(town) and time.monotonic() < deadline:
        time.sleep(0.05)
    if running(town):
        with contextlib.suppress(ProcessLookupError):
            os.kill(found, signal.SIGKILL)
    return found


def keep_boot(town: Town) -> str:
    settings = load(town)
    if Tmux.for_town(town).has(identity.session_name(None, "boot")):
        return "running"
    (agent,) = roles.ensure(town, [(None, "boot")])
    return keepalive.revive(town, NAME, "boot", lambda: roles.start(town, agent), settings)


def main() -> int:
    from gastown.supervision import loop, report
    from gastown.town.paths import find_town

    town = find_town()

    def one_pass() -> None:
        outcome = keep_boot(town)
        if outcome != "running":
            report.say(f"boot: {outcome}")

    return loop.forever(town, NAME, lambda: load(town).daemon_interval, one_pass,
                        pid_file=pid_path(town))


if __name__ == "__main__":
    sys.exit(main())
