"""The waiting slings: `.gastown/scheduler/queue.json`, read and replaced atomically.

A state file rather than ledger beads: the sessions a request becomes run on this
machine, so the queue is this machine's pending work, not a fact for clones of the
town to share; and taking a request off it costs no commit. It survives restarts
(written to a temp file, fsynced, renamed). Change it only under `LOCK`.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from gastown.errors import GastownError
from gastown.town.paths import Town

FILE = "scheduler/queue.json"
LOCK = "locks/scheduler.lock"
KEEP_FAILED = 200


class Request(NamedTuple):
    """One bead waiting to be slung; `seq` orders arrivals."""

    seq: int
    bead: str
    rig: str
    formula: str | None = None
    var: tuple[str, ...] = ()
    runtime: str | None = None
    queued_at: str = ""
    by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**self._asdict(), "var": list(self.var)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Request:
        return cls(**{**data, "var": tuple(data.get("var") or ())})


class Queue(NamedTuple):
    waiting: tuple[Request, ...] = ()
    failed: tuple[dict[str, Any], ...] = ()  # requests that could not start, with why
    next_seq: int = 1


def read(town: Town) -> Queue:
    path = town.state / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Queue()
    except ValueError as e:
        raise GastownError(f"{town.rel(path)} is not valid JSON ({e}); fix or remove it") from None
    waiting = tuple(sorted((Request.from_json(r) for r in data.get("waiting", ())),
                           key=lambda r: r.seq))
    return Queue(waiting, tuple(data.get("failed", ())), int(data.get("next_seq", 1)))


def write(town: Town, queue: Queue) -> None:
    from gastown.beads.store import atomic_write

    path = town.state / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"next_seq": queue.next_seq, "waiting": [r.to_json() for r in queue.waiting],
            "failed": list(queue.failed[-KEEP_FAILED:])}
    atomic_write(str(path), (json.dumps(data, indent=1) + "\n").encode())


def add(queue: Queue, requests: Sequence[Request]) -> tuple[Queue, list[Request]]:
    """`requests` appended in order, numbered from the queue's next seq."""
    numbered = [r._replace(seq=queue.next_seq + i) for i, r in enumerate(requests)]
    return (Queue((*queue.waiting, *numbered), queue.failed, queue.next_seq + len(numbered)),
            numbered)


def remove(queue: Queue, done: Sequence[Request],
           failed: Sequence[tuple[Request, str]] = ()) -> Queue:
    """`done` and `failed` taken off; the failed kept, with why, for `gt scheduler status`."""
    gone = {r.seq for r in done} | {r.seq for r, _ in failed}
    notes = tuple({**r.to_json(), "error": why} for r, why in failed)
    return Queue(tuple(r for r in queue.waiting if r.seq not in gone),
                 (*queue.failed, *notes), queue.next_seq)
