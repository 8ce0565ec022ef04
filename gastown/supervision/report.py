"""What the supervisors tell the town: feed notes, log lines and escalations."""
from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path
from typing import TextIO

from gastown.town.paths import Town

SEVERITIES = ("low", "medium", "high", "critical")


def stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def note(town: Town, kind: str, subject: str, title: str) -> None:
    """One event in the town's feed (`gt feed`), e.g. witness_restarted."""
    from gastown.githooks.reactions import append_feed

    append_feed(town, [{"id": f"{kind}-{secrets.token_hex(8)}", "ts": stamp(), "type": kind,
                        "actor": os.environ.get("BD_ACTOR", "gt"), "bead": subject,
                        "title": title if len(title) <= 200 else title[:199] + "…"}])


_LOGS: list[TextIO] = []


def log_to(path: Path) -> None:
    """Also write what `say` says to `path` (the pane loses it when the session ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _LOGS.append(open(path, "a", encoding="utf-8"))  # noqa: SIM115 - open for the process


def say(text: str) -> None:
    """A line on the supervisor's pane, and in its log."""
    line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {text}\n"
    for out in (sys.stdout, *_LOGS):
        out.write(line)
        out.flush()


def escalate(town: Town, severity: str, message: str, source: str) -> None:
    """Put a problem in front of someone who can fix it.

    The town's escalation beads take it when gastown.escalations is there; otherwise
    it is an `escalated` event in the feed and a line in .gastown/logs/escalations.log.
    """
    try:
        from gastown.escalations import escalate as file_escalation
    except ImportError:
        file_escalation = None
    if file_escalation is not None:
        file_escalation(town, severity, message, source)
        return
    note(town, "escalated", source, f"[{severity}] {message}")
    log = town.state / "logs" / "escalations.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"{stamp()} {severity} {source}: {message}\n")
