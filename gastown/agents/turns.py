"""End-of-turn signals from the clients' own hooks (Claude Code's Stop hook, Codex's
`notify`): `python -m gastown.agents.turns ended TOWN SESSION [PAYLOAD]`.

Each signal appends one line to `.gastown/turns/<session>.jsonl` and wakes the session's
nudge watcher at once (through the FIFO `.gastown/turns/<session>.fifo` it listens on),
so a queued nudge goes in as the turn ends instead of at the watcher's next look. The
screen stays the judge of whether the pane is idle; a client without such a hook is
served by the watcher's polling alone.
"""
from __future__ import annotations

import errno
import json
import os
import select
import sys
import time
from pathlib import Path

from gastown.agents import identity
from gastown.town.paths import Town

DIRNAME = "turns"


def log_path(town: Town, session: str) -> Path:
    return town.state / DIRNAME / f"{session}.jsonl"


def fifo_path(town: Town, session: str) -> Path:
    return town.state / DIRNAME / f"{session}.fifo"


def command(town: Town, session: str) -> list[str]:
    """The program a client's hook runs at the end of each turn."""
    return [sys.executable, "-m", "gastown.agents.turns", "ended", str(town.root), session]


def ended(town: Town, session: str, source: str = "") -> None:
    """Record that `session`'s turn ended and wake its watcher, if one listens."""
    path = log_path(town, session)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"ts": time.time(), "source": source}) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
    _poke(fifo_path(town, session))


def count(town: Town, session: str) -> int:
    """How many turn ends `session`'s client has signalled."""
    try:
        with open(log_path(town, session), "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def _poke(fifo: Path) -> None:
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENXIO):  # no watcher listens: nothing to wake
            return
        raise
    try:
        os.write(fd, b"\n")
    except BlockingIOError:
        pass  # the pipe is full of wake-ups already
    finally:
        os.close(fd)


class Listener:
    """The watcher's end of the FIFO: `wait(seconds)` returns early, True, on a signal."""

    def __init__(self, town: Town, session: str) -> None:
        path = fifo_path(town, session)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkfifo(path)
        except FileExistsError:
            pass
        # Read-write, so the pipe always has a writer and never reads as closed.
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)

    def wait(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, seconds))
        if not ready:
            return False
        try:
            while os.read(self.fd, 4096):
                pass
        except BlockingIOError:
            pass
        return True

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "ended":
        sys.stderr.write("usage: python -m gastown.agents.turns ended TOWN SESSION [PAYLOAD]\n")
        return 2
    root, session, payload = argv[1], argv[2], argv[3:]
    if not identity.is_session_name(session):
        sys.stderr.write(f"not a session name: {session!r}\n")
        return 2
    source = "hook"
    if payload:  # Codex's notify appends its event as JSON
        try:
            source = str(json.loads(payload[0]).get("type", "notify"))
        except (ValueError, AttributeError):
            source = "notify"
    ended(Town(Path(root)), session, source)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
