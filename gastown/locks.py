"""File locks: flock(2) on a lock file, released by the kernel when the holder dies.

Every lock of a town goes through here: the writer lock, the reactor, the packer,
molecule runners, wisps. A lock file is created on first use and never deleted
(deleting it would let two holders lock two different files).

Each `held` opens a fresh descriptor, so a lock excludes other threads of the same
process as well as other processes. Asking for a lock this thread already holds is
refused at once: with wait=0 the block runs untaken, otherwise it is a bug (it
would wait for itself) and raises.

This is not the filelock package: importing filelock 4 costs ~19 ms (logging,
inspect, decimal, platform, ...), more than the rest of a `bd create`'s imports,
and on the systems gastown runs on (tmux, fork) its lock is this same flock call.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL = 0.002  # seconds between attempts while waiting

_mine = threading.local()


def _held_here() -> set[str]:
    if not hasattr(_mine, "paths"):
        _mine.paths = set()
    return _mine.paths  # type: ignore[no-any-return]


@contextmanager
def held(path: str | os.PathLike[str], *, wait: float | None = None) -> Iterator[bool]:
    """Hold the lock at `path` for the block; yields whether it was taken.

    `wait`: seconds to wait for another holder (None: as long as it takes; 0: not
    at all). When the lock was not taken the block still runs, with False.
    """
    key = os.path.abspath(path)
    mine = _held_here()
    if key in mine:
        if wait == 0:
            yield False
            return
        raise RuntimeError(f"lock {key} is already held by this thread")
    Path(key).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        taken = _take(fd, wait)
        if taken:
            mine.add(key)
        try:
            yield taken
        finally:
            mine.discard(key)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _take(fd: int, wait: float | None) -> bool:
    if wait is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL)
