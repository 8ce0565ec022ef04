"""Turn ledger history into typed events: what changed, in which commit, by whom.

Diffs are taken per first-parent commit (a merge counts once, as what it brought
in), and line by line: ledger lines are one bead each, so only lines that differ
are decoded. When the cursor is not an ancestor of HEAD (a rebase, a branch
switch) the net difference between the two trees is one change set.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gastown import git
from gastown.beads import codec

Bead = dict[str, Any]
LEDGER = "beads"
IGNORED_FIELDS = ("updated_at",)
# Every kind `_event` is called with (`gt feed --type` accepts only these).
EVENT_TYPES = (
    "created", "updated", "deleted", "status_changed", "closed", "assigned", "hooked",
    "commented", "mail_delivered", "mq_queued", "step_closed", "convoy_member_closed",
)


@dataclass(frozen=True)
class Commit:
    sha: str
    ts: str
    actor: str
    changes: tuple[tuple[str, str, str], ...]  # (path, old blob, new blob)


def _actor(author: str, body: str) -> str:
    for line in reversed(body.splitlines()):
        if line.startswith("Actor: "):
            return line[len("Actor: "):].strip()
    return author


def _iso(epoch: str) -> str:
    return datetime.fromtimestamp(int(epoch), timezone.utc).isoformat().replace("+00:00", "Z")


def _raw_changes(lines: list[str]) -> list[tuple[str, str, str]]:
    out = []
    for line in lines:
        if not line.startswith(":"):
            continue
        meta, _, path = line.partition("\t")
        parts = meta.split()
        if path.startswith(f"{LEDGER}/") and path.endswith(".jsonl"):
            out.append((path, parts[2], parts[3]))
    return out


def commits_between(root: Path, cursor: str | None, head: str) -> list[Commit]:
    """The ledger changes from cursor (exclusive) to head, oldest first.

    Commit by commit only when the cursor lies on HEAD's first-parent line (the
    branch grew from it: commits, merges into it). Otherwise (a fast-forward onto a
    merge made elsewhere, a rebase, a branch switch) the walk would re-include
    changes already reported, so the net difference between the two trees is one
    change set, attributed to HEAD.
    """
    if cursor and _is_ancestor(root, cursor, head):
        text = git.out(root, "log", "--first-parent", "--diff-merges=first-parent", "--reverse",
                       "--no-abbrev", "--raw", "--format=%x1e%H%x00%P%x00%ct%x00%an%x00%B%x00",
                       f"{cursor}..{head}")
        commits, parent = [], cursor
        for record in text.split("\x1e")[1:]:
            sha, parents, ts, author, body, rest = record.split("\x00", 5)
            if parents.split()[:1] != [parent]:
                break  # the cursor is not on HEAD's first-parent line
            parent = sha
            changes = _raw_changes(rest.splitlines())
            if changes:
                commits.append(Commit(sha, _iso(ts), _actor(author, body), tuple(changes)))
        else:
            return commits
    base = cursor if cursor and _exists(root, cursor) else None
    if base is None:
        return []
    raw = git.out(root, "diff-tree", "-r", "--no-abbrev", base, head, "--", LEDGER)
    meta = git.out(root, "log", "-1", "--format=%ct%x00%an%x00%B", head).split("\x00", 2)
    changes = _raw_changes(raw.splitlines())
    return [Commit(head, _iso(meta[0]), _actor(meta[1], meta[2]), tuple(changes))] if changes else []


def _is_ancestor(root: Path, a: str, b: str) -> bool:
    return git.git(root, "merge-base", "--is-ancestor", a, b, check=False).returncode == 0


def _exists(root: Path, rev: str) -> bool:
    return git.git(root, "cat-file", "-e", f"{rev}^{{commit}}", check=False).returncode == 0


def bead_changes(old: bytes, new: bytes, path: str) -> list[tuple[Bead | None, Bead | None]] | None:
    """(before, after) for every bead whose line differs; None for created/deleted.

    None when `new` has a line that is not a bead (a commit made without the
    pre-commit check): its beads are not known, so nothing is said about them.
    """
    old_lines = set(codec.split_lines(old))
    new_lines = set(codec.split_lines(new))
    after_beads = _decode(new_lines - old_lines, path)
    if after_beads is None:
        return None
    before = {b["id"]: b for b in _decode(old_lines - new_lines, path) or ()}
    after = {b["id"]: b for b in after_beads}
    return [(before.get(bid), after.get(bid)) for bid in sorted(before.keys() | after.keys())]


def _decode(lines: set[bytes], path: str) -> list[Bead] | None:
    """The beads on these lines; None if one is not a bead."""
    beads = []
    for line in lines:
        if not line.strip():
            continue
        try:
            bead = codec.loads(line)
        except (ValueError, RecursionError):
            return None
        if not (isinstance(bead, dict) and isinstance(bead.get("id"), str)):
            return None
        beads.append(bead)
    return beads


def _event(commit: Commit, kind: str, bead: Bead, **extra: Any) -> dict[str, Any]:
    detail = "\0".join(f"{k}={extra[k]}" for k in sorted(extra))
    key = f"{commit.sha}\0{bead['id']}\0{kind}\0{detail}"
    event = {"id": hashlib.sha1(key.encode()).hexdigest()[:16], "ts": commit.ts, "type": kind,
             "actor": commit.actor, "bead": bead["id"], "commit": commit.sha,
             "issue_type": bead.get("issue_type", "task"), "title": bead.get("title", "")}
    event.update(extra)
    return event


def events_for(commit: Commit, before: Bead | None, after: Bead | None) -> list[dict[str, Any]]:
    """The typed events one bead's change makes."""
    if after is None:
        assert before is not None
        return [_event(commit, "deleted", before)]
    kind = after.get("issue_type", "task")
    if before is None:
        out = [_event(commit, "created", after, status=after.get("status", "open"))]
        if kind == "message":
            out.append(_event(commit, "mail_delivered", after, to=after.get("to")))
        elif kind == "merge-request":
            out.append(_event(commit, "mq_queued", after, target=after.get("target"),
                              rig=after.get("rig")))
        if after.get("hook"):
            out.append(_event(commit, "hooked", after, to=after["hook"]))
        if after.get("status") == "closed":
            out.append(_event(commit, "closed", after, to="closed"))
        return out
    fields = sorted(k for k in before.keys() | after.keys()
                    if k not in IGNORED_FIELDS and before.get(k) != after.get(k))
    if not fields:
        return []
    out = [_event(commit, "updated", after, fields=fields)]
    old_status, new_status = before.get("status", "open"), after.get("status", "open")
    if old_status != new_status:
        out.append(_event(commit, "status_changed", after, **{"from": old_status, "to": new_status}))
        if new_status == "closed":
            out.append(_event(commit, "closed", after, to="closed",
                              reason=after.get("close_reason")))
            if kind == "step":
                out.append(_event(commit, "step_closed", after, to="closed"))
        if new_status == "hooked":
            out.append(_event(commit, "hooked", after, to=after.get("assignee")))
    if before.get("assignee") != after.get("assignee"):
        out.append(_event(commit, "assigned", after, **{"from": before.get("assignee"),
                                                       "to": after.get("assignee")}))
    if before.get("hook") != after.get("hook") and after.get("hook"):
        out.append(_event(commit, "hooked", after, to=after.get("hook")))
    if len(after.get("comments") or ()) > len(before.get("comments") or ()):
        out.append(_event(commit, "commented", after, to=(after["comments"][-1] or {}).get("author")))
    return out


def commit_events(root: Path, commit: Commit, reported: dict[str, str]) -> list[dict[str, Any]]:
    """Every event of one commit, with convoy membership resolved for closes.

    `reported` maps a ledger path to the blob whose beads were last reported when
    that is not the commit's parent blob (a commit in between was unreadable); it
    is updated in place: a readable file clears its entry, an unreadable one keeps
    the last reported blob.
    """
    bases = {path: reported.get(path, old) for path, old, _ in commit.changes}
    blobs = git.read_blobs(root, [*bases.values(), *(new for _, _, new in commit.changes)])
    events: list[dict[str, Any]] = []
    for path, _old, new in commit.changes:
        changes = bead_changes(blobs[bases[path]], blobs[new], path)
        if changes is None:
            reported[path] = bases[path]
            continue
        reported.pop(path, None)
        for before, after in changes:
            events.extend(events_for(commit, before, after))
    closed = {e["bead"] for e in events if e["type"] == "closed"}
    if closed:
        events.extend(_convoy_events(root, commit, closed))
    return events


def _convoy_events(root: Path, commit: Commit, closed: set[str]) -> list[dict[str, Any]]:
    proc = git.git(root, "show", f"{commit.sha}:{LEDGER}/convoys.jsonl", check=False)
    out = []
    for line in codec.split_lines(proc.stdout if proc.returncode == 0 else b""):
        try:
            convoy = codec.loads(line)
        except ValueError:
            continue
        for member in sorted(closed & set(convoy.get("tracks") or ())):
            out.append(_event(commit, "convoy_member_closed", convoy, member=member))
    return out
