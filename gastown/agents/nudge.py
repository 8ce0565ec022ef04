"""Nudges: type a message into an agent's pane when it is idle, else queue it.

A pane is typed into only when it is idle (ready prompt, no busy marker, on two polls
in a row) and its input line is empty, so nothing a person is typing is ever mixed
with a nudge. The text is cleaned (gastown.agents.idle.clean), sent literally, checked
on screen, then submitted with a separate Enter whose effect is checked too (and
sent once more if the text is still waiting in the input line).

One nudge at a time per session: `.gastown/locks/nudge-<session>.lock`. A nudge that
cannot be typed now waits in `.gastown/nudges/<session>/` (one JSON file each, names in
queue order) and a detached watcher (`python -m gastown.agents.nudge watch`, at most one
per session) delivers the queue in order at the next idle moments, drops what has
expired, and exits when the queue is empty. A session under do-not-disturb
(`.gastown/dnd/<session>`) gets every nudge queued until dnd is turned off.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NamedTuple

from gastown.agents import identity, turns
from gastown.agents.idle import PanePatterns, clean, input_empty, pane_state
from gastown.agents.tmux import Tmux
from gastown.errors import GastownError, NotFound, UsageError
from gastown.locks import held
from gastown.town.paths import Town

Outcome = Literal["delivered", "queued"]

DEFAULT_PATTERNS = PanePatterns(ready=r"^\$ ?$|^> ?$|❯", busy="esc to interrupt|working",
                                needs_input=None)
POLL = 0.1  # seconds between the two idle polls, and the watcher's first backoff step
MAX_POLL = 0.5
ECHO_TIMEOUT = 3.0  # for typed text to show on screen
ACCEPT_TIMEOUT = 3.0  # for Enter to take it
# A client still taking typed text in can lose the Enter after it (Gemini CLI under
# load). One more, while the text still waits in the input line, submits it; had the
# first been only slow, the second meets an empty prompt, where Enter does nothing.
ENTERS = 2
TTL = 3600.0  # seconds a queued nudge waits before it is dropped
SHOWN = 40  # characters of the text's end that must show on screen


class NudgeStuck(GastownError):
    """The text was typed but did not show, or Enter did not take it."""


class Queued(NamedTuple):
    path: Path
    text: str
    expires: float


# Where things are ----------------------------------------------------------------

def checked(session: str) -> str:
    """`session` if it can name files."""
    if not identity.is_session_name(session):
        raise UsageError(f"not a session name: {session!r}")
    return session


def queue_dir(town: Town, session: str) -> Path:
    return town.state / "nudges" / checked(session)


def _lock(town: Town, session: str) -> Path:
    return town.state / "locks" / f"nudge-{checked(session)}.lock"


def _watch_lock(town: Town, session: str) -> Path:
    return town.state / "locks" / f"nudge-{checked(session)}.watch.lock"


def _dnd_flag(town: Town, session: str) -> Path:
    return town.state / "dnd" / checked(session)


# Do not disturb --------------------------------------------------------------------

def muted(town: Town, session: str) -> bool:
    return _dnd_flag(town, session).exists()


def set_dnd(town: Town, session: str, on: bool,
            patterns: PanePatterns = DEFAULT_PATTERNS) -> None:
    """Mute or unmute `session`; unmuting starts delivering what was queued meanwhile."""
    flag = _dnd_flag(town, session)
    if on:
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.touch()
        return
    flag.unlink(missing_ok=True)
    if pending(town, session):
        start_watcher(town, session, patterns)


# The queue -------------------------------------------------------------------------

def enqueue(town: Town, session: str, text: str, *, ttl: float = TTL) -> Path:
    """Add a nudge at the end of the queue (written to a temp file, then renamed in)."""
    directory = queue_dir(town, session)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}.json"
    now = time.time()
    entry = {"text": text, "queued_at": now, "expires_at": now + ttl}
    tmp = directory / f".{name}.tmp"
    tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, directory / name)
    return directory / name


def pending(town: Town, session: str) -> list[Queued]:
    """The queue in order, without the expired nudges (dropped with a feed note)."""
    try:
        names = sorted(p for p in os.listdir(queue_dir(town, session))
                       if p.endswith(".json") and not p.startswith("."))
    except FileNotFoundError:
        return []
    now, out = time.time(), []
    for name in names:
        entry = _read(queue_dir(town, session) / name)
        if entry is None:
            continue
        if entry.expires <= now:
            _drop(town, session, entry, "nudge_expired")
        else:
            out.append(entry)
    return out


def _read(path: Path) -> Queued | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Queued(path, str(data["text"]), float(data["expires_at"]))
    except FileNotFoundError:
        return None  # delivered or dropped meanwhile
    except (ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # not one of ours: it can never be delivered
        return None


def _drop(town: Town, session: str, entry: Queued, kind: str) -> None:
    """Take the nudge out of the queue and say so in the feed, once: the rename is the
    claim (a watcher and a `gt nudge` may both see it expire), the note comes before the
    file goes, so an empty queue means the note is written."""
    claimed = entry.path.with_suffix(".dropped")
    try:
        os.rename(entry.path, claimed)
    except FileNotFoundError:
        return
    note(town, session, kind, entry.text)
    claimed.unlink(missing_ok=True)


def note(town: Town, session: str, kind: str, text: str) -> None:
    """A line in the town's feed about a nudge that was not delivered."""
    from gastown.githooks.reactions import append_feed

    append_feed(town, [{
        "id": "nudge-" + secrets.token_hex(8), "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "type": kind, "actor": os.environ.get("BD_ACTOR", "gt"), "bead": session,
        "title": text if len(text) <= 80 else text[:79] + "…"}])


# Reading and typing into the pane ----------------------------------------------------

def idle_now(tmux: Tmux, session: str, patterns: PanePatterns) -> bool:
    return (pane_state(tmux.capture(session), patterns) == "ready"
            and input_empty(tmux.cursor_line(session), patterns.ready))


def wait_idle(tmux: Tmux, session: str, patterns: PanePatterns, *, wait: float) -> bool:
    """Whether the pane is idle on two polls in a row, trying for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    streak = 0
    while True:
        streak = streak + 1 if idle_now(tmux, session, patterns) else 0
        if streak == 2:
            return True
        if streak == 0 and time.monotonic() + POLL > deadline:
            return False
        time.sleep(POLL)


def _squash(text: str) -> str:
    return "".join(text.split())


def _until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _accepted(tmux: Tmux, session: str, text: str, patterns: PanePatterns) -> bool:
    """Whether Enter took `text`: the input line is empty again, or the text has left the
    cursor's line, or the client got busy or asks something."""
    line = tmux.cursor_line(session)
    if input_empty(line, patterns.ready) or _squash(text)[-SHOWN // 4:] not in _squash(line):
        return True
    return pane_state(tmux.capture(session), patterns) in ("busy", "needs_input")


def type_text(tmux: Tmux, session: str, text: str, patterns: PanePatterns) -> None:
    """Type `text` into an idle pane and submit it; NudgeStuck if either step fails."""
    tmux.send_literal(session, text)
    tail = _squash(text)[-SHOWN:]
    if not _until(lambda: tail in _squash(" ".join(tmux.capture(session))), ECHO_TIMEOUT):
        # Enter now could answer whatever took the keys instead; leave it to a person.
        raise NudgeStuck(f"{session}: the nudge was typed but did not show; Enter not sent")
    for _ in range(ENTERS):
        tmux.send_enter(session)
        if _until(lambda: _accepted(tmux, session, text, patterns), ACCEPT_TIMEOUT):
            return
    raise NudgeStuck(f"{session}: Enter did not take the nudge; it is left in the input line")


# Nudging ---------------------------------------------------------------------------

def nudge(town: Town, session: str, text: str, patterns: PanePatterns = DEFAULT_PATTERNS, *,
          wait: float = 0.0, ttl: float = TTL, tmux: Tmux | None = None) -> Outcome:
    """Type `text` into `session` if it is idle within `wait` seconds, else queue it."""
    message = clean(text)
    if not message:
        raise UsageError("nothing to nudge: the message is empty once control characters are gone")
    tmux = tmux or Tmux.for_town(town)
    if not tmux.has(session):
        raise NotFound(f"no session {session} is running")
    if not muted(town, session) and not pending(town, session):
        started = time.monotonic()
        with held(_lock(town, session), wait=wait) as taken:
            left = max(0.0, wait - (time.monotonic() - started))
            if taken and wait_idle(tmux, session, patterns, wait=left):
                type_text(tmux, session, message, patterns)
                return "delivered"
    enqueue(town, session, message, ttl=ttl)
    if not muted(town, session):
        start_watcher(town, session, patterns)
    return "queued"


def deliver_queued(town: Town, session: str, patterns: PanePatterns = DEFAULT_PATTERNS, *,
                   until: float, tmux: Tmux | None = None) -> int:
    """Deliver the queue in order at idle moments until it is empty, the session is
    muted or gone, or the clock passes `until` (seconds since the epoch); how many
    were delivered. Returns at once when another watcher has the session."""
    tmux = tmux or Tmux.for_town(town)
    delivered = 0
    while True:
        with held(_watch_lock(town, session), wait=0) as mine:
            if not mine:
                return delivered
            with turns.Listener(town, session) as turn_ends:
                count, emptied = _drain(town, session, patterns, tmux, until, turn_ends)
            delivered += count
        # A nudge queued while we let go saw the lock taken and started no watcher.
        if not emptied or not pending(town, session):
            return delivered


def _drain(town: Town, session: str, patterns: PanePatterns, tmux: Tmux,
           until: float, turn_ends: turns.Listener) -> tuple[int, bool]:
    """(nudges delivered, whether the queue was seen empty)."""
    count, delay = 0, POLL
    # The screen does not say when it changes, so look again with a growing pause,
    # cut short when the client's own hook signals the end of a turn.
    while time.time() < until:
        if muted(town, session) or not tmux.has(session):
            return count, False
        queue = pending(town, session)
        if not queue:
            return count, True
        try:
            done = _deliver_first(town, session, queue[0], patterns, tmux)
        except NotFound:
            return count, False  # the session ended under us
        if done:
            count, delay = count + 1, POLL
        elif turn_ends.wait(delay):
            delay = POLL
        else:
            delay = min(delay * 2, MAX_POLL)
    pending(town, session)  # drops what expired while we waited
    return count, False


def _deliver_first(town: Town, session: str, entry: Queued, patterns: PanePatterns,
                   tmux: Tmux) -> bool:
    with held(_lock(town, session), wait=0) as taken:
        if not taken or not wait_idle(tmux, session, patterns, wait=0):
            return False
        try:
            type_text(tmux, session, entry.text, patterns)
        except NudgeStuck:
            _drop(town, session, entry, "nudge_stuck")
            return False
        entry.path.unlink(missing_ok=True)
        return True


def start_watcher(town: Town, session: str, patterns: PanePatterns) -> None:
    """Start a detached `watch` process for `session` (it exits at once if one runs).

    It has no deadline of its own: it stays while the queue holds nudges that have not
    expired, so a watcher already running also serves nudges queued after it started.
    """
    argv = [sys.executable, "-m", "gastown.agents.nudge", "watch", str(town.root), session,
            json.dumps(patterns._asdict()), "inf"]
    subprocess.Popen(argv, cwd=town.root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)


def _watch(argv: list[str]) -> int:
    root, session, patterns, until = argv
    fields: dict[str, Any] = json.loads(patterns)
    deliver_queued(Town(Path(root)), session, PanePatterns(**fields), until=float(until))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["watch"] or len(sys.argv) != 6:
        sys.exit("usage: python -m gastown.agents.nudge watch TOWN SESSION PATTERNS UNTIL")
    sys.exit(_watch(sys.argv[2:]))
