"""The Deacon's view of each rig's Refinery: a background process woken by new merge
requests (gastown.refinery.process), started here when requests wait and none runs.
Without the refinery package every answer is 'nothing to do'."""
from __future__ import annotations

from typing import Any

from gastown.beads import snapshot
from gastown.town.paths import Town


def _process() -> Any:
    try:
        from gastown.refinery import process
    except ImportError:
        return None
    return process


def open_mrs(town: Town, rig: str | None = None) -> int:
    with snapshot.load(town, warn=False) as snap:
        mq = snap.files.get("mq")
        mrs = [mq.bead(r) for r in mq.rows] if mq else []
    return sum(m.get("status") == "open" and (rig is None or m.get("rig") == rig) for m in mrs)


def running(town: Town, rig: str) -> bool | None:
    """Whether the rig's Refinery process runs (None: no refinery package)."""
    process = _process()
    return None if process is None else bool(process.running(town, rig))


def needs_start(town: Town, rig: str) -> bool:
    process = _process()
    if process is None or not process.autostart_allowed(town, rig):
        return False
    return not process.running(town, rig) and open_mrs(town, rig) > 0


def start(town: Town, rig: str) -> None:
    process = _process()
    if process is not None:
        process.spawn(town, rig)


def stop(town: Town, rig: str) -> None:
    process = _process()
    if process is not None and process.running(town, rig):
        process.stop(town, rig)
        process.stopped_path(town, rig).unlink(missing_ok=True)
