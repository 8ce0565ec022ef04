"""gastown.locks: one flock-based lock for every town lock."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gastown import locks


def test_a_second_holder_waits_or_gives_up(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "x.lock"
    events: list[str] = []
    with locks.held(path) as taken:
        assert taken and path.exists()

        def other() -> None:
            with locks.held(path, wait=0) as now:
                events.append(f"now={now}")
            with locks.held(path, wait=5) as later:
                events.append(f"later={later}")

        t = threading.Thread(target=other)
        t.start()
        time.sleep(0.2)
        assert events == ["now=False"]
        events.append("released")
    t.join(10)
    assert events == ["now=False", "released", "later=True"]


def test_a_timeout_returns_untaken(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from gastown import locks\n"
         f"with locks.held({str(path)!r}):\n    print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        start = time.monotonic()
        with locks.held(path, wait=0.3) as taken:
            assert not taken
        assert 0.3 <= time.monotonic() - start < 5
    finally:
        holder.kill()
        holder.wait()
    with locks.held(path, wait=5) as taken:  # the kernel released the dead holder's lock
        assert taken


def test_asking_again_on_the_same_thread(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with locks.held(path):
        with locks.held(path, wait=0) as again:
            assert not again
        with pytest.raises(RuntimeError, match="already held by this thread"):
            with locks.held(path, wait=1):
                pass
    with locks.held(path, wait=0) as taken:
        assert taken
