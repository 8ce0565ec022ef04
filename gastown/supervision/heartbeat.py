"""The Deacon's heartbeat, .gastown/heartbeat/deacon: the time of its last patrol (or of
its session's start, so a Deacon that has not finished its first patrol is not stale)."""
from __future__ import annotations

from pathlib import Path

from gastown.town.paths import Town


def path(town: Town) -> Path:
    return town.state / "heartbeat" / "deacon"


def beat(town: Town, now: float) -> None:
    where = path(town)
    where.parent.mkdir(parents=True, exist_ok=True)
    tmp = where.with_suffix(".tmp")
    tmp.write_text(f"{now}\n")
    tmp.replace(where)


def age(town: Town, now: float) -> float | None:
    """Seconds since the last beat; None when there is none."""
    try:
        return now - float(path(town).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
