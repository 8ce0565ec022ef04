"""The sandbox itself: panes and the model server share a namespace with only loopback."""
from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import Sandbox, eventually

ASK = ("import json, sys, urllib.request;"
       "r = urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/v1/chat/completions',"
       " data=b'{\"messages\": []}'), timeout=5);"
       "open(sys.argv[2], 'w').write(json.load(r)['choices'][0]['message']['content'])")


def test_panes_run_in_a_namespace_with_only_loopback_and_reach_the_model_server(
        sandbox: Callable[..., Sandbox], tmp_path: Path) -> None:
    box = sandbox({"final": "hello from the script"})
    names, answer = tmp_path / "interfaces", tmp_path / "answer"
    box.tmux.start("gt-probe", cwd=tmp_path, env={}, command=[
        "sh", "-c", 'readlink /proc/self/ns/net > "$1.ns"; '
        'tail -n +3 /proc/net/dev | cut -d: -f1 > "$1"; '
        'exec "$2" -c "$3" "$4" "$5"', "sh", str(names), sys.executable, ASK, box.url,
        str(answer)])
    eventually(answer.exists, what="the pane's request to the model server")
    assert answer.read_text() == "hello from the script"
    assert names.read_text().split() == ["lo"]
    assert Path(f"{names}.ns").read_text().strip() != os.readlink("/proc/self/ns/net")
    assert [r["path"] for r in box.requests()] == ["/v1/chat/completions"]


def test_the_model_server_is_not_reachable_from_outside(
        sandbox: Callable[..., Sandbox]) -> None:
    box = sandbox({"final": "x"})
    port = int(box.url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_machine_without_namespaces_fails_loudly(monkeypatch: Any) -> None:
    from gastown.agents import loopback
    from tests.clients.conftest import _require_namespace

    monkeypatch.setattr(loopback, "why_not", lambda: "`unshare --net` failed (Operation not permitted)")
    with pytest.raises(pytest.fail.Exception, match="cannot make one: `unshare --net` failed"):
        _require_namespace()


def test_ending_the_namespace_stops_what_outlived_its_pane(
        sandbox: Callable[..., Sandbox], tmp_path: Path) -> None:
    from gastown.agents import loopback

    box = sandbox({"final": "x"})
    pid_file = tmp_path / "pid"
    box.tmux.start("gt-leaver", cwd=tmp_path, env={}, command=[
        # the detached process writes its own pid: setsid may fork, so $! can be its parent
        "sh", "-c", 'setsid sh -c \'echo $$ > "$1"; exec sleep 300\' sh "$1" & sleep 300',
        "sh", str(pid_file)])
    eventually(lambda: pid_file.exists() and pid_file.read_text().strip())
    leaver = int(pid_file.read_text())
    box.tmux.kill_server()
    time.sleep(0.2)
    assert loopback.namespace_of(leaver) == box.namespace
    loopback.end(box.namespace)
    assert loopback.members(box.namespace) == [] and loopback.namespace_of(leaver) is None
    with pytest.raises(ValueError):
        loopback.end(os.readlink("/proc/self/ns/net"))
