"""Which waiting requests start now: a pure decision over the caps and the busy counts."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from gastown.scheduler.queue import Request


def to_start(waiting: Sequence[Request], busy: Mapping[str, int],
             rig_caps: Mapping[str, int], town_cap: int | None) -> list[Request]:
    """The requests to start, first come first served: each takes a slot while its rig
    is under its cap and the town under `town_cap` (None: no town cap). A request
    whose rig is full waits without holding back those for other rigs.

    `busy`: polecats at work per rig (every rig, so the town's total is right);
    a rig missing from `rig_caps` starts nothing.
    """
    working = dict(busy)
    total = sum(working.values())
    out = []
    for request in sorted(waiting, key=lambda r: r.seq):
        if town_cap is not None and total >= town_cap:
            break
        if working.get(request.rig, 0) >= rig_caps.get(request.rig, 0):
            continue
        out.append(request)
        working[request.rig] = working.get(request.rig, 0) + 1
        total += 1
    return out
