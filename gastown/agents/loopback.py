"""Running programs where nothing they send can leave the machine.

A real agent client phones home (its vendor's API, telemetry, update checks). It runs
inside a network namespace of its own that has only a loopback interface, so each such
attempt fails at once. `argv` wraps a command so that, inside a fresh namespace, the
loopback comes up, a tmux server starts on the given socket, and then the command runs
(the scripted model server, typically). Panes that server starts later are inside the
namespace too, while gastown, outside, drives that server through its socket file.
Some clients leave processes behind when their pane closes (Gemini CLI's relaunched
node survives the hangup); `end` stops everything in the namespace.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

# Run by sh inside the namespace: $1 is the tmux socket name (empty: no tmux server),
# the rest is the command. exit-empty off keeps the server up with no sessions yet.
_INSIDE = ('ip link set lo up || exit 97; '
           'if [ -n "$1" ]; then tmux -L "$1" start-server \\; set-option -g exit-empty off '
           '|| exit 98; fi; shift; exec "$@"')


def argv(command: list[str], tmux_socket: str = "") -> list[str]:
    """`command` inside a new loopback-only network namespace (with a tmux server)."""
    return ["unshare", "--net", "--", "sh", "-c", _INSIDE, "sh", tmux_socket, *command]


def why_not() -> str | None:
    """Why this machine cannot make a loopback-only namespace, or None when it can."""
    for tool in ("unshare", "ip", "tmux"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed"
    try:
        proc = subprocess.run(argv(["ip", "-o", "link", "show", "up"]), capture_output=True,
                              text=True, timeout=10, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "`unshare --net` did not finish within 10 s"
    if proc.returncode != 0:
        detail = proc.stderr.strip() or f"exit {proc.returncode}"
        return (f"`unshare --net` failed ({detail}); it needs root, or unprivileged user "
                "namespaces with `unshare --net --map-root-user`")
    interfaces = parse_interfaces(proc.stdout)
    if interfaces != ["lo"]:
        return f"the new namespace has interfaces up besides loopback: {interfaces}"
    return None


def parse_interfaces(ip_link: str) -> list[str]:
    """The interface names in `ip -o link show` output."""
    return [line.split(":")[1].strip() for line in ip_link.splitlines() if ":" in line]


def namespace_of(pid: int) -> str | None:
    """The network namespace of process `pid` (`net:[inode]`), None once it is gone."""
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def members(namespace: str) -> list[int]:
    """The processes in network namespace `namespace`."""
    return [int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and namespace_of(int(entry)) == namespace]


def end(namespace: str, grace: float = 3.0) -> None:
    """Stop every process in `namespace`: SIGTERM, then SIGKILL what is left after `grace`."""
    if namespace == namespace_of(os.getpid()):
        raise ValueError(f"{namespace} is this process's own network namespace")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in members(namespace):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while members(namespace) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not members(namespace):
            return
