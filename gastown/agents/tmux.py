"""The one module that talks to tmux, on the town's private socket."""
from __future__ import annotations

import hashlib
import os
import shlex
import subprocess

from gastown.town.paths import Town


def socket_name(town: Town) -> str:
    return "gt-" + hashlib.sha256(str(town.root).encode()).hexdigest()[:8]


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    @classmethod
    def for_town(cls, town: Town) -> Tmux:
        return cls(socket_name(town))

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=check, stdin=subprocess.DEVNULL)

    def start(self, name: str, *, cwd: str, env: dict[str, str],
              command: list[str] | None) -> None:
        args = ["new-session", "-d", "-s", name, "-c", cwd, "-x", "200", "-y", "50"]
        for k, v in env.items():
            args += ["-e", f"{k}={v}"]
        if command:
            args.append(shlex.join(command))
        self._run(*args)

    def running(self) -> set[str]:
        proc = self._run("list-sessions", "-F", "#{session_name}", check=False)
        return set(proc.stdout.split()) if proc.returncode == 0 else set()

    def has(self, name: str) -> bool:
        return self._run("has-session", "-t", f"={name}", check=False).returncode == 0

    def stop(self, name: str) -> None:
        self._run("kill-session", "-t", f"={name}", check=False)

    def capture(self, name: str, lines: int = 50) -> list[str]:
        proc = self._run("capture-pane", "-p", "-t", f"={name}:", "-S", f"-{lines}",
                         check=False)
        return proc.stdout.rstrip("\n").split("\n") if proc.returncode == 0 else []

    def respawn(self, name: str, command: list[str]) -> None:
        """Replace the session's program with a fresh `command` (its environment kept)."""
        self._run("respawn-pane", "-k", "-t", f"={name}:", shlex.join(command))

    def attach(self, name: str) -> None:
        os.execvp("tmux", ["tmux", "-L", self.socket, "attach-session", "-t", f"={name}"])

    def kill_server(self) -> None:
        self._run("kill-server", check=False)
