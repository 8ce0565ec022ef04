"""What the supervisors tell the town: feed notes, log lines and escalations."""
from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path
from typing import TextIO

from gastown.town.paths import Town


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
    """Raise an escalation bead (gastown.escalations: routed by severity), sent by
    `source`, a supervisor's address (`demo/witness`, `deacon`, `boot`, `daemon`)."""
    from gastown.escalations.ops import escalate as raise_escalation

    raise_escalation(town, severity, message, source=_agent_bead(town, source), sender=source)


def _agent_bead(town: Town, address: str) -> str | None:
    """The id of the agent bead at `address`, when there is one (the daemon has none)."""
    from gastown.agents import identity
    from gastown.beads import snapshot
    from gastown.errors import UsageError

    try:
        parsed = identity.parse_address(address)
    except UsageError:
        return None
    bead_id = identity.agent_id(parsed.rig, parsed.name)
    with snapshot.load(town, warn=False) as snap:
        return bead_id if bead_id in snap else None
