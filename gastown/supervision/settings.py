"""Supervision timings: `[supervision]` in town.toml, each key overridable by the
environment variable GT_SUPERVISION_<KEY> (seconds unless the name says otherwise)."""
from __future__ import annotations

import os
from typing import NamedTuple

from gastown.errors import GastownError
from gastown.town.paths import Town


class Settings(NamedTuple):
    witness_interval: float = 30.0  # seconds between two witness cycles
    stuck_after: float = 1800.0  # no pane output, commit or step close for this long
    deacon_interval: float = 60.0
    boot_interval: float = 60.0
    deacon_stale: float = 300.0  # a heartbeat older than this: Boot restarts the Deacon
    daemon_interval: float = 30.0
    backoff_base: float = 5.0  # first restart waits this, each next one twice as long
    backoff_max: float = 300.0
    crash_loop_restarts: int = 5  # this many restarts within crash_loop_window: give up
    crash_loop_window: float = 600.0
    wisp_max_age: float = 86400.0  # finished wisps older than this are removed
    orphan_grace: float = 300.0  # a polecat folder younger than this may be mid-sling
    events_max_mb: float = 10.0  # .gastown/events.jsonl is rotated beyond this size
    up_grace: float = 1.0  # `gt up` checks the sessions it started after this long


def load(town: Town) -> Settings:
    table = town.config().get("supervision", {})
    if not isinstance(table, dict):
        raise GastownError("town.toml: [supervision] must be a table")
    unknown = sorted(set(table) - set(Settings._fields))
    if unknown:
        raise GastownError(f"town.toml: [supervision] has unknown key {unknown[0]!r} "
                           f"(known: {', '.join(Settings._fields)})")
    values = {}
    for key, default in Settings._field_defaults.items():
        raw = os.environ.get(f"GT_SUPERVISION_{key.upper()}", table.get(key, default))
        try:
            values[key] = type(default)(raw)
        except (TypeError, ValueError):
            raise GastownError(f"supervision setting {key}: want a number, got {raw!r} "
                               "(town.toml [supervision] or GT_SUPERVISION_"
                               f"{key.upper()})") from None
    return Settings(**values)
