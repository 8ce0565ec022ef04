"""The supervisors' view of each rig's Refinery: a background process woken by new
merge requests (gastown.refinery.process), which the Deacon starts when requests wait
and none runs, and `gt down` stops."""
from __future__ import annotations

from gastown.beads import snapshot
from gastown.refinery import process
from gastown.town.paths import Town


def open_mrs(town: Town, rig: str | None = None) -> int:
    with snapshot.load(town, warn=False) as snap:
        mq = snap.files.get("mq")
        mrs = [mq.bead(r) for r in mq.rows] if mq else []
    return sum(m.get("status") == "open" and (rig is None or m.get("rig") == rig) for m in mrs)


def running(town: Town, rig: str) -> bool:
    return bool(process.running(town, rig))


def needs_start(town: Town, rig: str) -> bool:
    if not process.autostart_allowed(town, rig) or process.running(town, rig):
        return False
    return open_mrs(town, rig) > 0


def start(town: Town, rig: str) -> None:
    process.spawn(town, rig)


def stop(town: Town, rig: str) -> None:
    """End a running Refinery (it finishes the write it is in), and let new merge
    requests wake it again after the next `gt up`."""
    if process.running(town, rig):
        process.stop(town, rig)
        process.stopped_path(town, rig).unlink(missing_ok=True)
