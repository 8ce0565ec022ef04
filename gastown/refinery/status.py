"""What `gt mq list|status` and `gt refinery status` show."""
from __future__ import annotations

from typing import Any

from gastown.beads import snapshot
from gastown.refinery import process, queue, requests, rework
from gastown.town.paths import Town

Bead = dict[str, Any]


def _convoys(snap: snapshot.Snapshot) -> list[Bead]:
    lf = snap.files["convoys"]
    return [lf.bead(r) for r in lf.rows]


def listing(town: Town, rig: str | None, *, every: bool = False) -> list[Bead]:
    """Queued MRs in merge order (with `position`), then blocked ones, then (every)
    closed ones."""
    with snapshot.load(town, warn=False) as snap:
        mrs = requests.mrs(snap, rig)
        ordered = queue.order(mrs, _convoys(snap))
    rows = [{**m, "position": i} for i, m in enumerate(ordered, 1)]
    rows += [m for m in mrs if m.get("status") == requests.BLOCKED]
    if every:
        rows += [m for m in mrs if m.get("status") == requests.CLOSED]
    return rows


def describe(town: Town, mr_id: str) -> dict[str, Any]:
    with snapshot.load(town, warn=False) as snap:
        mr = requests.find(snap, mr_id)
        ordered = queue.order(requests.mrs(snap, mr.get("rig")), _convoys(snap))
        reworks = [b for b in (snap.get(d["depends_on_id"]) for d in mr.get("dependencies") or ())
                   if b and b.get("rework_of")]
        reworks += [b for b in rework.open_reworks(snap, mr["source_issue"])
                    if b not in reworks]
    position = next((i for i, m in enumerate(ordered, 1) if m["id"] == mr_id), None)
    return {"mr": mr, "position": position, "reworks": reworks}


def refinery(town: Town, rig: str) -> dict[str, Any]:
    from gastown.rigs import config

    config.load(town, rig)
    alive = process.running(town, rig)
    with snapshot.load(town, warn=False) as snap:
        mrs = requests.mrs(snap, rig)
    return {"rig": rig, "running": alive, "pid": process.pid_of(town, rig) if alive else None,
            "stopped": process.stopped_path(town, rig).exists(),
            "queued": sum(m.get("status") == requests.OPEN for m in mrs),
            "blocked": sum(m.get("status") == requests.BLOCKED for m in mrs),
            "merged": sum(m.get("close_reason") == requests.MERGED for m in mrs),
            "log": town.rel(process.log_file(town, rig))}
