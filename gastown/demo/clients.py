"""The demo with real agent clients (`make demo RUNTIME=claude`, or `codex`).

The whole demo runs inside a network namespace that has only loopback
(gastown.agents.loopback), with the town's tmux server and a scripted model server
started inside it: the clients are the real programs `make setup` installed, and
nothing they send can leave the machine. The scripted model stands in for the paid one:

- the Mayor (a real client session) is told by mail to implement the example's
  features; its model has it run `bd import` on the example's beads (filing them) and
  `gt sling` them to the rig as one convoy;
- each polecat (a real client session in its worktree) is primed with its hooked bead
  and its model has it run its formula's steps (`gt mol run`: apply the change, test,
  commit) and `gt done`;
- the Refinery merges, reworks go back to fresh polecats the same way, the convoy lands.

Attach to any pane while it runs: `tmux -L <socket> attach -t gt-mayor` (the demo
prints the socket).
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gastown.errors import GastownError

INSIDE = "GT_DEMO_SANDBOX"  # set in the demo process that runs inside the namespace
MAYOR = "gt-mayor"
MAX_POLECATS = 3  # real clients cost CPU to start: at most three at work at once
CONVOY_TIMEOUT = 120.0  # seconds for the Mayor to file and sling the work
TASK = ("Implement textkit's next features: the beads in {beads} describe each change. "
        "File them, make them one convoy and sling it to the {rig} rig.")


def inside() -> bool:
    return os.environ.get(INSIDE) == "1"


def relaunch(target: Path, runtime: str) -> int:
    """Run this demo again inside a loopback-only namespace with the town's tmux server."""
    from gastown.agents import loopback, runtimes
    from gastown.agents.tmux import socket_name
    from gastown.town.paths import Town

    if not runtimes.load(None, runtime).installed():
        raise GastownError(f"the {runtime} client is not installed in {runtimes.clients_bin()}: "
                           "run `make setup` (it installs the pinned clients there)")
    reason = loopback.why_not()
    if reason:
        raise GastownError("the real-client demo runs the clients only inside a network "
                           f"namespace with loopback alone, and this machine cannot make one: "
                           f"{reason}")
    socket = socket_name(Town(target))
    command = [sys.executable, "-m", "gastown.demo", "--runtime", runtime, str(target)]
    child = subprocess.Popen(loopback.argv(command, socket), env={**os.environ, INSIDE: "1"})
    try:
        return child.wait()
    except KeyboardInterrupt:  # the demo inside got it too: it stops its sessions, says so
        return child.wait()


def scripts(runtime: str, beads: Path, bead_ids: list[str], rig: str) -> dict[str, Any]:
    """What the scripted model has each agent do: the Mayor files and slings, every
    other session (the polecats) plays `polecat_script`."""
    mayor = [*_prime(runtime), {"shell": f"bd import -i {beads}"},
             {"shell": f"gt sling {' '.join(bead_ids)} --rig {rig}"}]
    return {"agents": {
        MAYOR: {"steps": mayor, "final": f"Filed {len(bead_ids)} beads and slung them to "
                                         f"{rig} as one convoy."},
        "default": polecat_script(runtime)}}


def polecat_script(runtime: str) -> dict[str, Any]:
    """A polecat's: run its formula's steps, then hand the work in."""
    return {"steps": [*_prime(runtime), {"shell": "gt mol run"}, {"shell": "gt done"}],
            "final": "Done: the work is handed to the Refinery."}


def _prime(runtime: str) -> list[dict[str, str]]:
    """A client primed by a first prompt (Codex) runs `gt prime` first; Claude Code's
    SessionStart hook has primed it."""
    from gastown.agents import runtimes

    return [{"shell": "gt prime"}] if runtimes.load(None, runtime).prime == "prompt" else []


@contextlib.contextmanager
def model_server(town: Any, script: dict[str, Any]) -> Iterator[str]:
    """The scripted model server on 127.0.0.1, in this process; yields its URL."""
    from gastown.agents.modelserver import script as scripts_format
    from gastown.agents.modelserver.server import ModelServer

    folder = town.state / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "script.json").write_text(json.dumps(script, indent=2) + "\n")
    server = ModelServer(scripts_format.parse(script, "the demo's script"),
                         folder / "requests.jsonl", 0)
    server.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()


def start_mayor(town: Any, runtime: str, rig: str, beads: Path) -> str:
    """Mail the Mayor its task and start its session on `runtime`; the session's name."""
    from gastown.agents import mail, runtimes, sessions
    from gastown.agents.mayor_commands import ensure_mayor

    chosen = runtimes.load(town, runtime)
    mayor = ensure_mayor(town, chosen)
    mail.send(town, "mayor", "Implement textkit's next features",
              TASK.format(beads=beads, rig=rig), sender="overseer")
    return sessions.start(town, mayor, chosen)


def wait_for_convoy(town: Any, bead_ids: list[str]) -> str:
    """The convoy the Mayor's sling made of `bead_ids`."""
    from gastown.beads import snapshot

    deadline = time.monotonic() + CONVOY_TIMEOUT
    while time.monotonic() < deadline:
        with snapshot.load(town, warn=False) as snap:
            found = [b for b in snap.all_beads() if b.get("issue_type") == "convoy"
                     and set(bead_ids) <= set(b.get("tracks") or ())]
        if found:
            return str(found[0]["id"])
        time.sleep(0.5)
    raise GastownError(f"the Mayor made no convoy within {CONVOY_TIMEOUT:.0f} s; see its "
                       f"pane (session {MAYOR}) and {town.rel(town.state / 'demo')}/requests.jsonl")
