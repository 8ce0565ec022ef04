"""`gt feed`: the town's event log, derived from git history by the reactor."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from gastown.cli.output import printable
from gastown.errors import UsageError
from gastown.githooks.reactions import FEED
from gastown.town.paths import Town

Event = dict[str, Any]


def read(town: Town) -> list[Event]:
    try:
        text = (town.state / FEED).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out = []
    for line in text.split("\n"):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a torn last line while the reactor writes
    return out


def check_type(kind: str) -> str:
    from gastown.githooks.events import EVENT_TYPES

    if kind not in EVENT_TYPES:
        raise UsageError(f"--type: unknown event type {kind!r}; one of: "
                         + ", ".join(EVENT_TYPES))
    return kind


def follow(town: Town, *, poll: float = 0.2, stop: float | None = None) -> Iterator[Event]:
    """Events appended from now on (until `stop` seconds have passed, if given)."""
    path = town.state / FEED
    deadline = None if stop is None else time.monotonic() + stop
    offset = path.stat().st_size if path.exists() else 0
    buffer = b""
    while deadline is None or time.monotonic() < deadline:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        if chunk:
            offset += len(chunk)
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if line.strip():
                    yield json.loads(line)
        else:
            time.sleep(poll)


def describe(event: Event) -> str:
    kind = event["type"]
    detail = ""
    if kind == "updated":
        detail = " (" + ", ".join(event.get("fields", ())) + ")"
    elif kind in ("status_changed", "assigned"):
        detail = f" {event.get('from')} -> {event.get('to')}"
    elif kind == "convoy_member_closed":
        detail = f" member {event.get('member')}"
    elif kind == "convoy_landed":
        count = len(event.get("tracks") or ())
        detail = f" ({count} bead{'' if count == 1 else 's'})"
    elif kind == "escalated":
        detail = f" {event.get('severity')} -> {event.get('to')}"
    elif kind in ("hooked", "mail_delivered", "commented") and event.get("to"):
        detail = f" -> {event['to']}"
    return printable(f"{event['ts']}  {event.get('actor', '?'):<12} {kind:<20} {event['bead']}"
                     f"{detail}  {event.get('title', '')}")
