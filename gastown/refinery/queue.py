"""What to merge next: queue order and batch selection (pure functions of beads).

Order: priority (0 first), then convoy age (an MR whose issue an older open convoy
tracks goes first; MRs in no convoy after those), then retries (an MR that failed
sinks below fresh ones), then arrival.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Bead = dict[str, Any]
NO_CONVOY = "~"  # sorts after every timestamp


def convoy_ages(convoys: Iterable[Bead]) -> dict[str, str]:
    """Issue id -> created_at of the oldest open convoy tracking it."""
    out: dict[str, str] = {}
    for convoy in convoys:
        if convoy.get("status") == "closed":
            continue
        stamp = str(convoy.get("created_at") or NO_CONVOY)
        for issue in convoy.get("tracks") or ():
            if stamp < out.get(issue, NO_CONVOY):
                out[issue] = stamp
    return out


def sort_key(mr: Bead, ages: dict[str, str]) -> tuple[Any, ...]:
    priority = mr.get("priority")
    return (priority if type(priority) is int else 2,
            ages.get(str(mr.get("source_issue")), NO_CONVOY),
            mr.get("retry_count") or 0, str(mr.get("created_at") or ""), mr["id"])


def order(mrs: Iterable[Bead], convoys: Iterable[Bead] = ()) -> list[Bead]:
    """The open MRs in the order they are to be merged."""
    ages = convoy_ages(convoys)
    ready = [m for m in mrs if m.get("status", "open") == "open"]
    return sorted(ready, key=lambda m: sort_key(m, ages))


def select_batch(queue: list[Bead], size: int) -> list[Bead]:
    """The first `size` MRs of the queue, one per issue and one per branch (a second MR
    of the same issue or branch waits for the next batch)."""
    batch: list[Bead] = []
    issues: set[str] = set()
    branches: set[str] = set()
    for mr in queue:
        if len(batch) >= size:
            break
        if mr.get("source_issue") in issues or mr.get("branch") in branches:
            continue
        issues.add(mr.get("source_issue"))
        branches.add(mr.get("branch"))
        batch.append(mr)
    return batch
