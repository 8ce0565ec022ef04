"""The Overseer's banner for an escalation that reached them:
`.gastown/banners/escalation-<id>.txt`, written when it arrives, removed on ack."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from gastown.town.paths import Town

Bead = dict[str, Any]
RULE = "!" * 64


def render(bead: Bead) -> str:
    lines = [RULE, f"  ESCALATION {bead.get('severity', '')}  {bead['id']}",
             f"  {bead.get('message', '')}", ""]
    if bead.get("source"):
        lines.append(f"  source: {bead['source']}")
    lines += [f"  from {bead.get('created_by', '?')} at {bead.get('created_at', '')}"
              + (f", re-escalated at {bead['routed_at']}" if bead.get("reescalations") else ""),
              f"  acknowledge: gt escalate ack {bead['id']}", RULE]
    return "\n".join(lines) + "\n"


def path(town: Town, bead_id: str) -> Path:
    return town.state / "banners" / f"escalation-{bead_id}.txt"


def write(town: Town, bead: Bead) -> None:
    from gastown.beads.store import atomic_write

    target = path(town, bead["id"])
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(str(target), render(bead).encode())


def read(town: Town, bead_id: str) -> str | None:
    try:
        return path(town, bead_id).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def remove(town: Town, bead_id: str) -> None:
    path(town, bead_id).unlink(missing_ok=True)
