"""Every ledger mutation: plain functions with keyword arguments, one commit each.

The command lines (`bd`, `gt bead.*`) parse and print; everything that decides
what a bead becomes is here, so it can be called from tests and other modules.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gastown.beads import graph, ids, schema, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.beads.args import (
    check_date,
    check_priority,
    check_status,
    check_type,
    custom_types,
    parse_deps,
)
from gastown.beads.resolve import resolve
from gastown.beads.snapshot import Snapshot
from gastown.errors import GastownError, NotFound, UsageError
from gastown.town.paths import Town

Bead = dict[str, Any]


def _message(verb: str, bead_ids: Sequence[str], summary: str, who: str) -> str:
    shown = " ".join(bead_ids[:8]) + (f" (+{len(bead_ids) - 8} more)" if len(bead_ids) > 8 else "")
    head = f"bd {verb}: {shown}"
    if summary:
        head += f" {summary}"
    return f"{head[:200]}\n\nActor: {who}\n"


def _need(snap: Snapshot, bead_id: str) -> Bead:
    """The bead `bead_id` names (an exact id or a unique prefix of one)."""
    bead = snap.get(snap.resolve(bead_id))
    assert bead is not None
    return bead


def _dep(bead_id: str, target: str, kind: str, who: str) -> dict[str, Any]:
    return {"issue_id": bead_id, "depends_on_id": target, "type": kind,
            "created_at": now(), "created_by": who}


def _target(snap: Snapshot, bead_id: str, target: str) -> str:
    """The id a dependency target names; a missing one is named as such."""
    try:
        return snap.resolve(target)
    except NotFound:
        raise NotFound(f"{bead_id} cannot depend on {target}: no such bead") from None


def _check_new_edge(snap: Snapshot, bead_id: str, target: str, kind: str) -> None:
    if kind in ("blocks", schema.PARENT_DEP_TYPE):
        path = graph.would_cycle(snap.rows(), bead_id, target)
        if path:
            raise GastownError(
                f"{bead_id} -> {target} ({kind}) would make a cycle: "
                + " -> ".join([bead_id, *path])
            )


def commit(town: Town, snap: Snapshot, beads: Iterable[Bead], verb: str, summary: str,
           who: str, drop: Iterable[str] = ()) -> str | None:
    """Put `beads` (and drop ids) on top of `snap` in one commit; under the write lock."""
    put = {b["id"]: b for b in beads}
    change = store.Change(put=put, drop=set(drop))
    return store.apply(town, snap, change, _message(verb, sorted(put) or sorted(change.drop),
                                                    summary, who))


def create(town: Town, *, title: str, issue_type: str = "task", priority: Any = 2,
           description: str | None = None, design: str | None = None,
           acceptance: str | None = None, assignee: str | None = None,
           labels: Sequence[str] = (), parent: str | None = None,
           deps: str | Sequence[str] | None = None, bead_id: str | None = None,
           defer_until: str | None = None, extra: dict[str, Any] | None = None,
           actor: str | None = None) -> Bead:
    """Create one bead and commit it; returns the bead as written."""
    if not title or not title.strip():
        raise UsageError("a bead needs a non-empty title")
    check_type(issue_type, custom_types(town.config()))
    if defer_until:
        check_date(defer_until, "--defer-until")
    who = actor or current_actor()
    edges = parse_deps(deps)
    with store.transaction(town) as snap:
        if bead_id:
            if not schema.ID_RE.match(bead_id):
                raise UsageError(f"unsafe id {bead_id!r}")
            if bead_id in snap:
                raise GastownError(f"id {bead_id} is taken")
            new_id = bead_id
        elif parent:
            parent = _need(snap, parent)["id"]
            new_id = ids.next_child(parent, snap.where)
        else:
            new_id = ids.mint(town.prefix(), f"{title}\0{who}\0{now()}", snap.where, len(snap))
        stamp = now()
        bead: Bead = {"id": new_id, "title": title.strip(), "status": "open",
                      "priority": check_priority(priority), "issue_type": issue_type,
                      "created_at": stamp, "created_by": who, "updated_at": stamp}
        for key, value in (("description", description), ("design", design),
                           ("acceptance_criteria", acceptance)):
            if value:
                bead[key] = value
        if assignee:
            bead["assignee"] = assignee
        if labels:
            bead["labels"] = sorted(set(labels))
        if defer_until:
            bead["defer_until"] = defer_until
        dependencies = []
        if parent:
            dependencies.append(_dep(new_id, parent, schema.PARENT_DEP_TYPE, who))
        for kind, target in edges:
            try:
                target = snap.resolve(target)
            except NotFound:
                raise NotFound(f"--deps names {target}: no such bead") from None
            dependencies.append(_dep(new_id, target, kind, who))
        if dependencies:
            bead["dependencies"] = dependencies
        if extra:
            bead.update(extra)
        commit(town, snap, [bead], "create", title, who)
    return bead


def _edit(town: Town, bead_ids: Sequence[str], verb: str, summary: str, who: str,
          fn: Callable[[Snapshot, Bead], Bead | None],
          unchanged: list[str] | None = None) -> list[Bead]:
    """Apply `fn` to each bead under one lock; one commit for all that changed.

    The ids of beads `fn` left as they were are appended to `unchanged`."""
    if not bead_ids:
        raise UsageError(f"{verb}: name at least one bead id")
    with store.transaction(town) as snap:
        changed, results = [], []
        for bid in bead_ids:
            before = _need(snap, bid)
            after = fn(snap, dict(before))
            if after is not None and after != before:
                after["updated_at"] = now()
                changed.append(after)
                results.append(after)
            else:
                results.append(before)
                if unchanged is not None:
                    unchanged.append(before["id"])
        if changed:
            commit(town, snap, changed, verb, summary, who)
    return results


def _set_status(bead: Bead, status: str) -> None:
    old = bead.get("status", "open")
    bead["status"] = status
    if status == "closed" and old != "closed":
        bead["closed_at"] = now()
    elif status != "closed":
        bead.pop("closed_at", None)
        bead.pop("close_reason", None)


def update(town: Town, bead_ids: Sequence[str], *, status: str | None = None,
           title: str | None = None, priority: Any = None, assignee: str | None = None,
           description: str | None = None, design: str | None = None,
           acceptance: str | None = None, notes: str | None = None,
           append_notes: str | None = None, add_labels: Sequence[str] = (),
           remove_labels: Sequence[str] = (), claim: bool = False,
           issue_type: str | None = None, defer_until: str | None = None,
           fields: dict[str, Any] | None = None, actor: str | None = None,
           unchanged: list[str] | None = None) -> list[Bead]:
    """Change fields of beads; `claim` atomically takes unclaimed work for the actor.

    Claiming a closed bead, or one someone else holds, is refused; claiming one the
    actor already works on changes nothing (its id goes to `unchanged`)."""
    who = actor or current_actor()
    if defer_until:
        check_date(defer_until, "--defer-until")
    if issue_type is not None:
        check_type(issue_type, custom_types(town.config()))
    if status is not None:
        check_status(status)
    if priority is not None:
        priority = check_priority(priority)
    if title is not None and not title.strip():
        raise UsageError("--title cannot be empty")

    def change(snap: Snapshot, bead: Bead) -> Bead:
        if claim:
            if bead.get("status") in ("closed", "tombstone"):
                raise GastownError(f"{bead['id']} is {bead['status']}; reopen it to claim it")
            holder = bead.get("assignee")
            if holder and holder != who:
                raise GastownError(f"{bead['id']} is already claimed by {holder}")
            bead["assignee"] = who
            _set_status(bead, "in_progress")
        if status is not None:
            _set_status(bead, status)
        for key, value in (("title", title), ("assignee", assignee),
                           ("description", description), ("design", design),
                           ("acceptance_criteria", acceptance), ("notes", notes),
                           ("defer_until", defer_until)):
            if value is not None:
                if value == "" and key != "title":
                    bead.pop(key, None)
                else:
                    bead[key] = value.strip() if key == "title" else value
        if priority is not None:
            bead["priority"] = priority
        if issue_type is not None:
            _retype(bead, issue_type)
        if append_notes:
            old = bead.get("notes")
            bead["notes"] = f"{old}\n{append_notes}" if old else append_notes
        if add_labels or remove_labels:
            labels = (set(bead.get("labels") or ()) | set(add_labels)) - set(remove_labels)
            if labels:
                bead["labels"] = sorted(labels)
            else:
                bead.pop("labels", None)
        if fields:
            bead.update(fields)
        return bead

    return _edit(town, bead_ids, "claim" if claim else "update", "", who, change, unchanged)


def _retype(bead: Bead, issue_type: str) -> None:
    old = bead.get("issue_type") or "task"
    if old in schema.KIND_FILES and old != issue_type:
        raise GastownError(f"{bead['id']} is a {old}; only work beads change type")
    bead["issue_type"] = issue_type


def close(town: Town, bead_ids: Sequence[str], *, reason: str | None = None,
          actor: str | None = None) -> list[Bead]:
    who = actor or current_actor()

    def change(snap: Snapshot, bead: Bead) -> Bead | None:
        if bead.get("status") == "closed":
            return None
        _set_status(bead, "closed")
        if reason:
            bead["close_reason"] = reason
        return bead

    return _edit(town, bead_ids, "close", reason or "", who, change)


def reopen(town: Town, bead_ids: Sequence[str], *, actor: str | None = None) -> list[Bead]:
    who = actor or current_actor()

    def change(snap: Snapshot, bead: Bead) -> Bead | None:
        if bead.get("status", "open") == "open":
            return None
        _set_status(bead, "open")
        return bead

    return _edit(town, bead_ids, "reopen", "", who, change)


def dep_add(town: Town, bead_id: str, target: str, *, kind: str = "blocks",
            actor: str | None = None) -> Bead:
    """`bead_id` depends on `target` (for blocks: target must close first)."""
    who = actor or current_actor()

    def change(snap: Snapshot, bead: Bead) -> Bead | None:
        on = _target(snap, bead["id"], target)
        deps = list(bead.get("dependencies") or [])
        if any(d.get("depends_on_id") == on and d.get("type", "blocks") == kind for d in deps):
            return None
        _check_new_edge(snap, bead["id"], on, kind)
        deps.append(_dep(bead["id"], on, kind, who))
        bead["dependencies"] = deps
        return bead

    return _edit(town, [bead_id], "dep add", f"{kind} {target}", who, change)[0]


def dep_remove(town: Town, bead_id: str, target: str, *, kind: str | None = None,
               actor: str | None = None) -> Bead:
    who = actor or current_actor()

    def change(snap: Snapshot, bead: Bead) -> Bead:
        deps = bead.get("dependencies") or []
        try:  # the target may be gone from the ledger: resolve among this bead's edges
            on = resolve(target, {d.get("depends_on_id") for d in deps})
        except NotFound:
            raise NotFound(f"{bead['id']} has no dependency on {target}") from None
        keep = [d for d in deps if not (d.get("depends_on_id") == on
                                        and (kind is None or d.get("type", "blocks") == kind))]
        if len(keep) == len(deps):
            raise NotFound(f"{bead['id']} has no {kind} dependency on {on}")
        if keep:
            bead["dependencies"] = keep
        else:
            bead.pop("dependencies", None)
        return bead

    return _edit(town, [bead_id], "dep remove", target, who, change)[0]


def label(town: Town, bead_ids: Sequence[str], labels: Sequence[str], *, remove: bool = False,
          actor: str | None = None) -> list[Bead]:
    if not labels:
        raise UsageError("name at least one label")
    if remove:
        return update(town, bead_ids, remove_labels=labels, actor=actor)
    return update(town, bead_ids, add_labels=labels, actor=actor)


def comment(town: Town, bead_id: str, text: str, *, actor: str | None = None) -> Bead:
    if not text.strip():
        raise UsageError("a comment needs text")
    who = actor or current_actor()

    def change(snap: Snapshot, bead: Bead) -> Bead:
        comments = list(bead.get("comments") or [])
        comments.append({"author": who, "text": text, "created_at": now()})
        bead["comments"] = comments
        return bead

    return _edit(town, [bead_id], "comment", "", who, change)[0]


def export_lines(town: Town) -> bytes:
    """Every bead, all files, sorted by id: a beads-compatible issues.jsonl."""
    from gastown.beads import snapshot

    with snapshot.load(town) as snap:
        lines = []
        for lf in snap.files.values():
            lines.extend((r[0], lf.raw(r)) for r in lf.rows)
    lines.sort()
    return b"".join(line + b"\n" for _, line in lines)
