"""Read-only questions about the ledger, answered from the index where possible."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from gastown.beads import graph, schema
from gastown.beads.index import ASSIGNEE, ID, KIND, LABELS, PRIORITY, STATUS, Row
from gastown.beads.snapshot import Snapshot

Bead = dict[str, Any]


def show(snap: Snapshot, bead_ids: Sequence[str]) -> list[Bead]:
    """The beads named, each by its id or a unique prefix of it."""
    return [snap.get(snap.resolve(bid)) for bid in bead_ids]  # type: ignore[misc]


def _limit(rows: list[Row], limit: int) -> list[Row]:
    return rows if limit <= 0 else rows[:limit]


def ready(snap: Snapshot, *, limit: int = 10, assignee: str | None = None,
          issue_type: str | None = None, priority: int | None = None) -> list[Bead]:
    rows = graph.ready(snap.rows())
    rows = [r for r in rows if _matches(r, assignee=assignee, issue_type=issue_type,
                                        priority=priority)]
    return snap.beads(_limit(rows, limit))


def blocked(snap: Snapshot, *, limit: int = 0) -> list[Bead]:
    out = []
    for row, blockers in graph.blocked(snap.rows()):
        bead = snap.get(row[ID])
        assert bead is not None
        bead["blocked_by"] = blockers
        out.append(bead)
    return out if limit <= 0 else out[:limit]


def _matches(r: Row, *, status: str | None = None, assignee: str | None = None,
             issue_type: str | None = None, priority: int | None = None,
             labels: Sequence[str] = ()) -> bool:
    if status is not None and r[STATUS] != status:
        return False
    if assignee is not None and r[ASSIGNEE] != assignee:
        return False
    if issue_type is not None and r[KIND] != issue_type:
        return False
    if priority is not None and r[PRIORITY] != priority:
        return False
    return all(label in r[LABELS] for label in labels)


def list_beads(snap: Snapshot, *, status: str | None = None, assignee: str | None = None,
               issue_type: str | None = None, priority: int | None = None,
               labels: Sequence[str] = (), limit: int = 50) -> list[Bead]:
    """Work beads (or `issue_type`'s) matching every filter, most urgent and oldest first.

    Tombstones show only when asked for by status.
    """
    rows = []
    for r in snap.rows():
        if issue_type is None and r[KIND] not in schema.WORK_KINDS:
            continue
        if status is None and r[STATUS] == "tombstone":
            continue
        if _matches(r, status=status, assignee=assignee, issue_type=issue_type,
                    priority=priority, labels=labels):
            rows.append(r)
    rows.sort(key=graph.age_key)
    return snap.beads(_limit(rows, limit))


def search(snap: Snapshot, text: str, *, status: str | None = None,
           limit: int = 50) -> list[Bead]:
    """Beads whose id, title, description or notes contain `text` (case-insensitive)."""
    needle = text.casefold()
    hits: list[tuple[Row, Bead]] = []
    for lf in snap.files.values():
        for r in lf.rows:
            if status is not None and r[STATUS] != status:
                continue
            bead = lf.bead(r)
            haystack = " ".join(str(bead.get(k) or "") for k in
                                ("id", "title", "description", "notes")).casefold()
            if needle in haystack:
                hits.append((r, bead))
    hits.sort(key=lambda h: graph.age_key(h[0]))
    beads = [b for _, b in hits]
    return beads if limit <= 0 else beads[:limit]


def stats(snap: Snapshot) -> dict[str, Any]:
    rows = list(snap.rows())
    work = [r for r in rows if r[KIND] in schema.WORK_KINDS]
    return {
        "total": len(rows),
        "work": len(work),
        "by_status": dict(sorted(Counter(r[STATUS] for r in work).items())),
        "by_type": dict(sorted(Counter(r[KIND] for r in rows).items())),
        "by_priority": {str(k): v for k, v in sorted(Counter(r[PRIORITY] for r in work).items())},
        "ready": len(graph.ready(rows)),
        "blocked": len(graph.blocked(rows)),
        "warnings": len(snap.warnings),
    }


def dep_tree(snap: Snapshot, bead_id: str, *, max_depth: int = 50) -> dict[str, Any]:
    """What `bead_id` depends on, recursively: {id, title, status, type, deps: [...]}."""
    bead_id = snap.resolve(bead_id)

    def node(bid: str, kind: str | None, depth: int, path: frozenset[str]) -> dict[str, Any]:
        row = snap.row(bid)
        out: dict[str, Any] = {"id": bid}
        if kind:
            out["type"] = kind
        if row is None:
            out["missing"] = True
            return out
        bead = snap.get(bid) or {}
        out["title"] = bead.get("title")
        out["status"] = row[STATUS]
        if bid in path:
            out["cycle"] = True
            return out
        if depth >= max_depth:
            out["truncated"] = True
            return out
        out["deps"] = [node(d.get("depends_on_id"), d.get("type", "blocks"), depth + 1,
                            path | {bid})
                       for d in bead.get("dependencies") or ()]
        return out

    return node(bead_id, None, 0, frozenset())


def cycles(snap: Snapshot) -> list[list[str]]:
    return graph.cycles(snap.rows())
