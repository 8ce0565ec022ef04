"""Sandboxes for real agent clients: a loopback-only network namespace holding the
test's own tmux server and a scripted model server (gastown.agents.loopback).

A machine that cannot make such a namespace fails these tests with the reason: real
clients are never run where they could reach the network, and a skip would read as a pass.
"""
from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gastown.agents import loopback
from gastown.agents.tmux import Tmux

ROOT = Path(__file__).parents[2]


def eventually(check: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.1)


@dataclass
class Sandbox:
    tmux: Tmux
    url: str
    log: Path
    process: subprocess.Popen[bytes]
    namespace: str = ""

    def requests(self, path: str = "") -> list[dict[str, Any]]:
        """The model server's requests so far (those whose path contains `path`)."""
        if not self.log.exists():
            return []
        entries = [json.loads(line) for line in self.log.read_text(encoding="utf-8").split("\n")
                   if line]
        return [e for e in entries if path in e["path"]]


def _require_namespace() -> None:
    reason = loopback.why_not()
    if reason:
        pytest.fail("Real agent clients run only inside a loopback-only network namespace "
                    f"(unshare --net), and this machine cannot make one: {reason}. These "
                    "tests refuse to run the clients anywhere else.", pytrace=False)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Start a sandbox playing a model-server script; its tmux server is the test's own
    (on `socket`, by default a fresh name)."""
    started: list[Sandbox] = []

    def start(script: dict[str, Any], socket: str = "") -> Sandbox:
        _require_namespace()
        where = tmp_path / f"sandbox{len(started) + 1}"
        where.mkdir()
        (where / "script.json").write_text(json.dumps(script))
        port_file, log = where / "port", where / "requests.jsonl"
        socket = socket or f"gt-test-{secrets.token_hex(4)}"
        server = [sys.executable, "-m", "gastown.agents.modelserver", "--script",
                  str(where / "script.json"), "--log", str(log), "--port-file", str(port_file)]
        errors = open(where / "stderr", "wb")
        process = subprocess.Popen(loopback.argv(server, socket), cwd=ROOT,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        box = Sandbox(Tmux(socket), "", log, process)
        started.append(box)
        deadline = time.monotonic() + 20
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the sandbox did not start (exit {process.poll()}): "
                            f"{(where / 'stderr').read_text()}", pytrace=False)
            time.sleep(0.05)
        box.url = f"http://127.0.0.1:{int(port_file.read_text())}"
        box.namespace = loopback.namespace_of(process.pid) or ""  # the server runs inside now
        return box

    yield start
    for box in started:
        box.tmux.kill_server()
        if box.namespace:
            loopback.end(box.namespace)
        box.process.kill()
        box.process.wait()
