"""The one module that talks to tmux: libtmux, on the town's private socket.

Each town has its own tmux server (`tmux -L gt-<hash>`), so gastown never sees or
disturbs a person's own sessions. libtmux is imported on first use only: it costs
~50 ms, which commands that never touch tmux should not pay.

Targets are written `=NAME:` (exact session name, its current pane): a bare `-t gt-a`
would also match a session called `gt-ab` by prefix.
"""
from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import time
from typing import TYPE_CHECKING, Any

from gastown.errors import GastownError, NotFound
from gastown.town.paths import Town

if TYPE_CHECKING:
    from libtmux import Server

# tmux hands a command to its server in one message of at most 16 KiB; send long
# text in pieces well below that.
CHUNK = 1000
# A detached session's window is this big: wide enough that most nudges fit one line.
WIDTH, HEIGHT = 200, 50
# What tmux says when no server listens on the socket (a stale file, or none at all),
# or when the server exits under the call (its last session just ended).
_GONE = ("no server running on", "(No such file or directory)", "server exited unexpectedly")
EXITING_RETRIES = 5


def socket_name(town: Town) -> str:
    return "gt-" + hashlib.sha256(str(town.root).encode()).hexdigest()[:8]


def _target(name: str) -> str:
    return f"={name}:"


def _tmux_argument(text: str) -> str:
    """`text` as one argument that tmux's command parser hands over unchanged.

    tmux reads an argument ending in `;` as the end of a command (the `;` is dropped),
    and turns a final `\\;` into `;`; so a final `;` is sent as `\\;`.
    """
    return text[:-1] + "\\;" if text.endswith(";") else text


def chunks(text: str, size: int = CHUNK) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class Tmux:
    """The tmux server on one socket; every call is one tmux process."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self._server: Server | None = None

    @classmethod
    def for_town(cls, town: Town) -> Tmux:
        return cls(socket_name(town))

    @property
    def server(self) -> Server:
        if self._server is None:
            import libtmux

            self._server = libtmux.Server(socket_name=self.socket)
        return self._server

    def _cmd(self, *args: str) -> Any:
        return self.server.cmd(*args)

    def _checked(self, *args: str) -> list[str]:
        result = self._cmd(*args)
        if result.returncode != 0:
            detail = "; ".join(result.stderr) or f"exit {result.returncode}"
            raise GastownError(f"tmux {args[0]} failed: {detail}")
        return list(result.stdout)

    def _pane(self, name: str, *args: str) -> list[str]:
        """Run a command on session `name`'s pane; NotFound when there is no such session."""
        result = self._cmd(*args)
        if result.returncode != 0:
            if not self.has(name):
                raise NotFound(f"no tmux session {name} on socket {self.socket}")
            raise GastownError(f"tmux {args[0]} failed: {'; '.join(result.stderr)}")
        return list(result.stdout)

    def start(self, name: str, *, cwd: str | os.PathLike[str], env: dict[str, str],
              command: list[str] | None) -> None:
        """A new detached session running `command` (argv; None: the default shell)."""
        if self.has(name):
            raise GastownError(f"tmux session {name} is already running")
        if command and "PATH" in env:
            # tmux gives a new session the PATH of the client that creates it, not `-e
            # PATH=...`: set it on the command itself
            command = ["env", f"PATH={env['PATH']}", *command]
        from libtmux.exc import LibTmuxException

        for attempt in range(EXITING_RETRIES + 1):
            try:
                self.server.new_session(
                    session_name=name, start_directory=str(cwd), environment=dict(env),
                    window_command=shlex.join(command) if command else None,
                    x=WIDTH, y=HEIGHT, attach=False)
                return
            except LibTmuxException as e:
                # The server was exiting (its last session had just ended) when asked:
                # once it is gone, the next new-session starts a fresh one.
                if _GONE[2] not in str(e) or attempt == EXITING_RETRIES:
                    raise GastownError(f"tmux new-session {name} failed: {e}") from None
                time.sleep(0.05 * (attempt + 1))

    def running(self) -> set[str]:
        """Names of the sessions on this server (one tmux call; empty when it is not up)."""
        result = self._cmd("list-sessions", "-F", "#{session_name}")
        if result.returncode == 0:
            return {line for line in result.stdout if line}
        if any(gone in line for line in result.stderr for gone in _GONE):
            return set()
        raise GastownError(f"tmux list-sessions failed: {'; '.join(result.stderr)}")

    def has(self, name: str) -> bool:
        return bool(self._cmd("has-session", "-t", f"={name}").returncode == 0)

    def stop(self, name: str) -> bool:
        """Kill session `name`; whether it was running."""
        return bool(self._cmd("kill-session", "-t", f"={name}").returncode == 0)

    def capture(self, name: str, lines: int = 50) -> list[str]:
        """The last `lines` lines of the pane's text (wrapped lines joined, blank tail dropped)."""
        out = self._pane(name, "capture-pane", "-p", "-J", "-t", _target(name), "-S", f"-{lines}")
        while out and not out[-1].strip():
            out.pop()
        return out[-lines:]

    def cursor_line(self, name: str) -> str:
        """The text of the cursor's line, up to the cursor."""
        # One tmux call for both, so the screen cannot change between them.
        out = self._pane(name, "display-message", "-p", "-t", _target(name),
                         "#{cursor_x},#{cursor_y}", ";",
                         "capture-pane", "-p", "-N", "-t", _target(name))
        x, y = (int(n) for n in out[0].split(","))
        screen = out[1:]
        # x counts cells: before wide characters it reaches past the cursor, which can
        # only make an empty input line look typed in, never the other way round.
        return screen[y][:x] if y < len(screen) else ""

    def send_literal(self, name: str, text: str) -> None:
        """Type `text` as it is: key names such as `Enter` or `C-c` in it are just letters."""
        for piece in chunks(text):
            self._pane(name, "send-keys", "-t", _target(name), "-l", "--", _tmux_argument(piece))

    def send_enter(self, name: str) -> None:
        self._pane(name, "send-keys", "-t", _target(name), "Enter")

    def respawn(self, name: str, command: list[str]) -> None:
        """Replace the session's program with a fresh `command` (its environment kept)."""
        self._pane(name, "respawn-pane", "-k", "-t", _target(name), shlex.join(command))

    def kill_server(self) -> None:
        self._cmd("kill-server")

    def attach(self, name: str) -> None:
        """Replace this process with `tmux attach` to session `name` (for a person)."""
        if not self.has(name):
            raise NotFound(f"no tmux session {name} on socket {self.socket}")
        tmux = shutil.which("tmux") or "tmux"
        # Inside another tmux, TMUX would make tmux refuse to nest; this is a different
        # server, so nesting is what the person asked for.
        env = {k: v for k, v in os.environ.items() if k != "TMUX"}
        os.execvpe(tmux, [tmux, "-L", self.socket, "attach-session", "-t", f"={name}"], env)
