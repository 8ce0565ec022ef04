"""The Refinery's happenings in the town feed: merge_started, merged, rejected, bisect."""
from __future__ import annotations

import hashlib
import os
from typing import Any

from gastown.beads.actor import now
from gastown.town.paths import Town


def emit(town: Town, kind: str, mr: dict[str, Any], rig: str, **extra: Any) -> dict[str, Any]:
    from gastown.githooks.reactions import append_feed

    stamp = now()
    key = f"{kind}\0{mr['id']}\0{stamp}\0{os.getpid()}\0{sorted(extra.items())}"
    event = {"id": hashlib.sha1(key.encode()).hexdigest()[:16], "ts": stamp, "type": kind,
             "actor": f"{rig}/refinery", "bead": mr["id"], "commit": extra.pop("commit", ""),
             "issue_type": "merge-request", "title": mr.get("title", ""), **extra}
    town.state.mkdir(parents=True, exist_ok=True)
    append_feed(town, [event])
    return event
