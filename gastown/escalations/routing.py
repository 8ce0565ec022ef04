"""Who an escalation goes to, and when an unacknowledged one moves up a level.

Pure functions over escalation beads; nothing here reads the town or writes.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from gastown.beads.actor import parse_time
from gastown.errors import UsageError

Bead = dict[str, Any]

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM")
LEVELS = ("deacon", "mayor", "overseer")  # lowest first
OVERSEER = "overseer"
_FIRST_LEVEL = {"MEDIUM": "deacon", "HIGH": "mayor", "CRITICAL": "overseer"}
PRIORITY = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2}


def check_severity(severity: str) -> str:
    """The severity in capitals; refuses an unknown one."""
    upper = (severity or "").strip().upper()
    if upper not in SEVERITIES:
        raise UsageError(f"unknown severity {severity!r}: one of {', '.join(SEVERITIES)} (-s)")
    return upper


def route(severity: str) -> str:
    return _FIRST_LEVEL[check_severity(severity)]


def next_level(level: str) -> str | None:
    """The level above `level`, or None at the top (the Overseer)."""
    at = LEVELS.index(level)
    return LEVELS[at + 1] if at + 1 < len(LEVELS) else None


def is_pending(bead: Bead) -> bool:
    """Routed and waiting for someone to acknowledge it."""
    return (bead.get("issue_type") == "escalation" and not bead.get("acked")
            and bead.get("status") not in ("closed", "tombstone"))


def due_reescalations(escalations: Iterable[Bead], now: datetime,
                      timeout: timedelta) -> list[tuple[str, str]]:
    """(id, new level) for every pending escalation that waited `timeout` or longer at a
    level below the Overseer, oldest routing first."""
    due = []
    for bead in escalations:
        level = bead.get("routed_to")
        if not is_pending(bead) or level not in LEVELS:
            continue
        up = next_level(level)
        since = bead.get("routed_at") or bead.get("created_at")
        if up is None or not since:
            continue
        if now - parse_time(since) >= timeout:
            due.append((since, bead["id"], up))
    return [(bid, up) for _, bid, up in sorted(due)]
