"""Checks of command-line values shared by the readers and the writers (no heavy imports)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gastown.beads import schema
from gastown.errors import UsageError


def check_priority(value: Any) -> int:
    """0-4, also written P0-P4 as beads allows."""
    text = str(value).strip()
    if text[:1] in ("p", "P"):
        text = text[1:]
    if isinstance(value, bool) or not text.isdigit() or int(text) not in schema.PRIORITIES:
        raise UsageError(f"priority must be 0-4, got {value!r}")
    return int(text)


def check_status(value: str) -> str:
    if value not in schema.STATUSES:
        raise UsageError(f"unknown status {value!r}; one of: {', '.join(schema.STATUSES)}")
    return value


def parse_deps(spec: str | Sequence[str] | None) -> list[tuple[str, str]]:
    """`blocks:gt-1,related:gt-2` (a bare id means blocks) -> [(type, id), ...]."""
    if not spec:
        return []
    items = spec.split(",") if isinstance(spec, str) else [p for s in spec for p in s.split(",")]
    out = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        kind, sep, target = item.rpartition(":")
        if not sep:
            kind, target = "blocks", item
        if not kind or not target:
            raise UsageError(f"bad dependency {item!r}; want TYPE:ID (e.g. blocks:gt-1)")
        out.append((kind, target))
    return out
