"""What a bead is: kinds, statuses, canonical field order, and the per-line checks.

Beads are plain dicts whose keys are the bead JSON keys, so unknown fields survive
untouched; this module knows which keys matter and in what order they are written.
"""
from __future__ import annotations

import re

TYPE_CHECKING = False  # typing is slow to import and the git hooks import this
if TYPE_CHECKING:
    from typing import Any

WORK_KINDS = ("task", "bug", "feature", "epic", "chore")

# Which ledger file holds which issue_type; anything else is work.jsonl's.
KIND_FILES: dict[str, str] = {
    "agent": "agents",
    "message": "mail",
    "molecule": "molecules",
    "step": "molecules",
    "convoy": "convoys",
    "merge-request": "mq",
    "escalation": "work",
}
LEDGER_FILES = ("work", "agents", "mail", "molecules", "convoys", "mq")

STATUSES = (
    "open", "in_progress", "blocked", "deferred", "closed", "tombstone", "pinned", "hooked",
)
PRIORITIES = range(0, 5)
BLOCKING_DEP_TYPES = ("blocks",)
PARENT_DEP_TYPE = "parent-child"
KNOWN_DEP_TYPES = ("blocks", "parent-child", "related", "discovered-from")

# Canonical key order: beads' own fields first, then the Gas Town kinds' typed fields;
# unknown keys follow, sorted.
FIELD_ORDER = (
    "id", "title", "description", "design", "acceptance_criteria", "notes",
    "status", "priority", "issue_type", "assignee", "labels", "dependencies", "comments",
    "created_at", "created_by", "updated_at", "closed_at", "close_reason", "defer_until",
    "external_ref",
    # agent
    "role", "rig", "hook", "agent_state", "runtime",
    # message
    "sender", "to", "thread", "read",
    # molecule / step
    "formula", "vars", "step_id", "needs", "run", "acceptance",
    # convoy
    "tracks", "notify", "landed_at",
    # escalation
    "severity", "message", "source", "routed_to", "routed_at", "acked",
    # merge request
    "branch", "target", "source_issue", "worker", "commit_sha", "merged_sha", "retry_count",
)
_RANK = {k: i for i, k in enumerate(FIELD_ORDER)}
DEP_ORDER = ("issue_id", "depends_on_id", "type", "created_at", "created_by")
_DEP_RANK = {k: i for i, k in enumerate(DEP_ORDER)}

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+(?:\.[0-9]+)*$")
CONFLICT_MARKERS = (b"<<<<<<< ", b"=======", b">>>>>>> ", b"||||||| ")


def file_for(bead: dict[str, Any]) -> str:
    """The ledger file (stem) a bead belongs in."""
    return KIND_FILES.get(bead.get("issue_type") or "task", "work")


def is_work(bead: dict[str, Any]) -> bool:
    return (bead.get("issue_type") or "task") in WORK_KINDS


def _ordered(d: dict[str, Any], rank: dict[str, int]) -> dict[str, Any]:
    big = len(rank)
    return {k: d[k] for k in sorted(d, key=lambda k: (rank.get(k, big), k))}


def canonical(bead: dict[str, Any]) -> dict[str, Any]:
    """The bead with keys in canonical order (dependencies too); values untouched."""
    out = _ordered(bead, _RANK)
    deps = out.get("dependencies")
    if isinstance(deps, list) and all(isinstance(d, dict) for d in deps):
        out["dependencies"] = [_ordered(d, _DEP_RANK) for d in deps]
    return out


DATE_HINT = "ISO 8601, e.g. 2026-05-01 or 2026-05-01T09:00:00Z"


def is_date(value: Any) -> bool:
    """An ISO 8601 date or date-time, as `ready` reads `defer_until`."""
    from datetime import datetime

    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def check(bead: Any) -> str | None:
    """The reason this decoded line is not a valid bead, or None."""
    if not isinstance(bead, dict):
        return f"not a JSON object (got {type(bead).__name__})"
    bid = bead.get("id")
    if not isinstance(bid, str) or not bid:
        return "missing id"
    if not ID_RE.match(bid) or len(bid) > 200:
        return f"unsafe id {bid!r} (want <prefix>-<name>, letters, digits, '_', '-', '.n' children)"
    title = bead.get("title")
    if not isinstance(title, str) or not title.strip():
        return f"{bid}: empty title"
    status = bead.get("status", "open")
    if status not in STATUSES:
        return f"{bid}: unknown status {status!r} (one of {', '.join(STATUSES)})"
    if "priority" in bead:
        p = bead["priority"]
        if type(p) is not int:
            return f"{bid}: priority must be an integer 0-4, got {p!r}"
        if p not in PRIORITIES:
            return f"{bid}: priority {p} out of range 0-4"
    kind = bead.get("issue_type", "task")
    if not isinstance(kind, str) or not kind:
        return f"{bid}: issue_type must be a non-empty string"
    for key in ("labels",):
        if key in bead and not (
            isinstance(bead[key], list) and all(isinstance(x, str) for x in bead[key])
        ):
            return f"{bid}: {key} must be a list of strings"
    if bead.get("defer_until") not in (None, "") and not is_date(bead["defer_until"]):
        return f"{bid}: defer_until must be a date ({DATE_HINT}), got {bead['defer_until']!r}"
    deps = bead.get("dependencies")
    if deps is not None:
        if not isinstance(deps, list):
            return f"{bid}: dependencies must be a list"
        for d in deps:
            if not isinstance(d, dict) or not isinstance(d.get("depends_on_id"), str):
                return f"{bid}: each dependency needs a depends_on_id string"
            if not isinstance(d.get("type", "blocks"), str):
                return f"{bid}: dependency type must be a string"
    return None
