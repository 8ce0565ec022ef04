"""The reactor: bring the town's reactions up to date with HEAD, one commit at a time.

One reactor per town (a file lock, taken without waiting: a second one leaves the
work to the first). The cursor (`.gastown/cursor`) names the last commit whose
reactions all ran; it moves after each commit's reactions, so a reactor killed
mid-way replays that commit and no other. After releasing the lock the reactor
looks at HEAD once more: a commit that landed while it held the lock, whose own
wake-up found the lock taken, is never left behind.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gastown import git
from gastown.town.paths import Town

Event = dict[str, Any]  # see gastown.githooks.events (imported only when reacting)

CURSOR = "cursor"
LOCK = "locks/reactor.lock"
FAILED = "reactions/failed.jsonl"
DEAD = "reactions/dead.jsonl"
LOG = "logs/reactor.log"
IMMEDIATE_RETRIES = (0.05, 0.25)
QUEUED_ATTEMPTS = 5


def read_cursor(town: Town) -> str | None:
    return read_reported(town)[0]


def read_reported(town: Town) -> tuple[str | None, dict[str, str]]:
    """The cursor, and the ledger files whose reported beads are not the cursor's
    (`blob path` lines after the first: the last readable blob of a file that a
    commit made unreadable)."""
    try:
        lines = (town.state / CURSOR).read_text().splitlines()
    except FileNotFoundError:
        return None, {}
    if not lines or not lines[0].strip():
        return None, {}
    reported = dict(reversed(line.split(" ", 1)) for line in lines[1:] if " " in line)
    return lines[0].strip(), reported


def write_cursor(town: Town, sha: str, reported: dict[str, str] | None = None) -> None:
    """Cursor and reported-state overrides in one atomic replace."""
    path = town.state / CURSOR
    tmp = path.with_name(f".cursor.{os.getpid()}.tmp")
    extra = "".join(f"{blob} {file}\n" for file, blob in sorted((reported or {}).items()))
    tmp.write_text(sha + "\n" + extra)
    os.replace(tmp, path)


def head(town: Town) -> str | None:
    proc = git.git(town.root, "rev-parse", "-q", "--verify", "HEAD", check=False)
    return proc.stdout.decode().strip() or None


def on_branch(town: Town) -> bool:
    """Whether HEAD is a branch. A detached HEAD (`git checkout <commit>`, the middle
    of a rebase) is a look at other history, not news: the reactor waits for the
    branch to come back."""
    return git.git(town.root, "symbolic-ref", "-q", "HEAD", check=False).returncode == 0


def log(town: Town, message: str) -> None:
    path = town.state / LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{stamp} [{os.getpid()}] {message}\n")


def _traceback() -> str:
    import traceback

    return traceback.format_exc().rstrip()


def _run_one(town: Town, name: str, fn: Any, events: list[Event]) -> bool:
    for delay in (*IMMEDIATE_RETRIES, None):
        try:
            fn(town, events)
            return True
        except Exception:  # noqa: BLE001 - a reaction's failure must not stop the others
            log(town, f"reaction {name} failed:\n{_traceback()}")
            if delay is None:
                return False
            time.sleep(delay)
    return False


def _queue(town: Town, path: str, entries: list[dict[str, Any]]) -> None:
    target = town.state / path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text("".join(json.dumps(e) + "\n" for e in entries))
    os.replace(tmp, target)


def _read_queue(town: Town, path: str) -> list[dict[str, Any]]:
    try:
        text = (town.state / path).read_text()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_reactions(town: Town, reactions: dict[str, Any], events: list[Event]) -> None:
    """Every reaction on these events; a failure is queued for retry, never raised."""
    failed = []
    for name, fn in reactions.items():
        if not _run_one(town, name, fn, events):
            failed.append({"reaction": name, "events": events, "attempts": 1,
                           "next_at": time.time() + 5})
    if failed:
        _queue(town, FAILED, _read_queue(town, FAILED) + failed)


def retry_failed(town: Town, reactions: dict[str, Any]) -> None:
    """Retry queued failures that are due; after QUEUED_ATTEMPTS they go to dead.jsonl."""
    queue = _read_queue(town, FAILED)
    if not queue:
        return
    keep, dead = [], []
    for entry in queue:
        fn = reactions.get(entry["reaction"])
        if fn is None or entry["next_at"] > time.time():
            keep.append(entry) if fn is not None else dead.append(entry)
            continue
        try:
            fn(town, entry["events"])
            log(town, f"reaction {entry['reaction']} succeeded on retry {entry['attempts']}")
        except Exception:  # noqa: BLE001
            entry["attempts"] += 1
            log(town, f"reaction {entry['reaction']} failed again "
                      f"(attempt {entry['attempts']}):\n{_traceback()}")
            if entry["attempts"] >= QUEUED_ATTEMPTS:
                dead.append(entry)
            else:
                entry["next_at"] = time.time() + 5 * 2 ** entry["attempts"]
                keep.append(entry)
    _queue(town, FAILED, keep)
    if dead:
        _queue(town, DEAD, _read_queue(town, DEAD) + dead)


def catch_up(town: Town) -> int:
    """Process every commit between the cursor and HEAD. Call with the lock held."""
    from gastown.githooks import reactions as registry

    reactions = None
    processed = 0
    while True:
        tip = head(town)
        cursor, reported = read_reported(town)
        if tip is None or cursor == tip or not on_branch(town):
            return processed
        if cursor is None:
            write_cursor(town, tip)  # a fresh clone: history is not news
            return processed
        if reactions is None:
            reactions = registry.load(town)
            retry_failed(town, reactions)
        from gastown.githooks import events as ev

        for commit in ev.commits_between(town.root, cursor, tip):
            events = ev.commit_events(town.root, commit, reported)
            if events:
                run_reactions(town, reactions, events)
            write_cursor(town, commit.sha, reported)
            processed += 1
        write_cursor(town, tip, reported)


def react(town: Town) -> int:
    """Catch up unless another reactor is at it (or the town's reactions are off);
    returns the commits processed."""
    from gastown import locks

    if mode(town) == "off":
        return 0
    total = 0
    while True:
        with locks.held(town.state / LOCK, wait=0) as taken:
            if not taken:
                return total
            total += catch_up(town)
        tip = head(town)
        if tip == read_cursor(town) or not on_branch(town):
            if total and tip:
                from gastown.beads.snapshot import note_blobs

                note_blobs(town)
            return total


def mode(town: Town) -> str:
    """detached (default), inline (the writer waits: tests, scripts) or off."""
    value = os.environ.get("GT_REACT")
    if value:
        return value
    try:
        return str(town.config().get("reactions", {}).get("mode", "detached"))
    except Exception:  # noqa: BLE001 - a broken town.toml must not break the write
        return "detached"


def running(town: Town) -> bool:
    """Whether a reactor holds the lock now. It looks at HEAD again after letting go,
    so a commit made before asking is seen by it: no need to start another."""
    from gastown import locks

    with locks.held(town.state / LOCK, wait=0) as taken:
        return not taken


def spawn(root: Path) -> None:
    """Start a reactor in the background, detached from our session and our pipes."""
    logs = root / ".gastown" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "reactor.log", "ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "gastown.githooks", "react"], cwd=root,
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
            env={**git.no_git_env(), "GT_TOWN": str(root)}, close_fds=True,
        )


def kick(town: Town) -> None:
    """After a gt/bd write: run the reactions for it, as the town's mode says."""
    how = mode(town)
    if how == "off":
        return
    if how == "inline":
        react(town)
    elif not running(town):
        spawn(town.root)
