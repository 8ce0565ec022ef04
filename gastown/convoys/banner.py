"""The Overseer's banner for a landed convoy: its text, and the file that keeps it.

`.gastown/banners/<convoy>.txt` is written when the convoy lands and removed when
it opens again; `gt convoy list` and `gt convoy status` show it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gastown.convoys.progress import Member
from gastown.town.paths import Town

Bead = dict[str, Any]
RULE = "=" * 64


def render(convoy: Bead, tracked: list[Member]) -> str:
    lines = [RULE, f"  CONVOY LANDED  {convoy['id']}  {convoy.get('title', '')}",
             f"  {convoy.get('close_reason', '')}", ""]
    for m in tracked:
        lines.append(f"  {m.id:<14} {m.state:<8} {m.detail}".rstrip())
    lines += ["", f"  landed {convoy.get('landed_at', '')}, owner {convoy.get('created_by', '?')}"
              + (f", notify {convoy['notify']}" if convoy.get("notify") else ""), RULE]
    return "\n".join(lines) + "\n"


def _path(town: Town, convoy_id: str) -> Path:
    return town.state / "banners" / f"{convoy_id}.txt"


def write(town: Town, convoy_id: str, text: str) -> None:
    path = _path(town, convoy_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def read(town: Town, convoy_id: str) -> str | None:
    try:
        return _path(town, convoy_id).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def remove(town: Town, convoy_id: str) -> None:
    _path(town, convoy_id).unlink(missing_ok=True)
