"""`bd import`: a beads issues.jsonl into the ledger, planned first, then one commit.

A record naming an existing bead updates only the fields it has (`replace`: the
record becomes the bead). The plan is pure, so `--dry-run` shows it without writing.
Every imported bead is checked like any other write, with the input's file:line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from gastown.beads import codec, graph, index, ops, snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.args import custom_types, type_problem
from gastown.beads.snapshot import Snapshot
from gastown.errors import GastownError, LedgerError
from gastown.town.paths import Town

Bead = dict[str, Any]


class Record(NamedTuple):
    line: int
    bead: Bead


class Step(NamedTuple):
    """What the import does to one bead: created, updated (these fields) or unchanged."""

    line: int
    id: str
    action: str
    fields: tuple[str, ...]
    bead: Bead


def read_import(path: Path) -> list[Record]:
    """The records of a beads-format issues.jsonl, validated with file:line errors."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise GastownError(f"cannot read {path}: {e.strerror}") from None
    records: list[Record] = []
    seen: dict[str, int] = {}
    for number, _, _, bead in codec.iter_beads(str(path), data):
        if bead["id"] in seen:
            raise LedgerError(str(path), number,
                              f"duplicate id {bead['id']} (first on line {seen[bead['id']]})")
        seen[bead["id"]] = number
        records.append(Record(number, bead))
    return records


def _same(a: Any, b: Any) -> bool:
    # Compared as written: `==` has True == 1 == 1.0, the ledger does not.
    return codec.encode(a) == codec.encode(b)


def _changed_fields(old: Bead, new: Bead) -> tuple[str, ...]:
    keys = sorted(set(old) | set(new))
    return tuple(k for k in keys if k not in old or k not in new or not _same(old[k], new[k]))


def plan(snap: Snapshot, records: list[Record], *, replace: bool = False) -> list[Step]:
    """What importing `records` onto `snap` would do, bead by bead (writes nothing)."""
    steps = []
    for line, record in records:
        old = snap.get(record["id"])
        if old is None:
            fields = tuple(sorted(k for k in record if k != "id"))
            steps.append(Step(line, record["id"], "created", fields, record))
            continue
        new = dict(record) if replace else {**old, **record}
        fields = _changed_fields(old, new)
        steps.append(Step(line, record["id"], "updated" if fields else "unchanged", fields, new))
    return steps


def _targets(bead: Bead | None) -> set[str]:
    return {d["depends_on_id"] for d in (bead or {}).get("dependencies") or ()}


def _link_problem(step: Step, old: Bead | None, exists: set[str]) -> str | None:
    # Only links the import adds: an old dangling link stays a warning, as for any write.
    for target in sorted(_targets(step.bead) - _targets(old)):
        if target == step.id:
            return "depends on itself"
        if target not in exists:
            return f"depends on {target}, which does not exist"
    return None


def _new_cycle(snap: Snapshot, steps: list[Step]) -> tuple[Step, list[str]] | None:
    put = {s.id: index.row_for(s.bead, 0, 0, 0) for s in steps if s.action != "unchanged"}
    if not any(graph.edges(row) for row in put.values()):
        return None
    rows = [put.get(r[index.ID], r) for r in snap.rows()]
    rows += [row for bid, row in put.items() if bid not in snap]
    known = {frozenset(c) for c in graph.cycles(snap.rows())}
    by_id = {s.id: s for s in steps}
    for cycle in graph.cycles(rows):
        if frozenset(cycle) not in known:
            first = min((by_id[b] for b in cycle if b in by_id), key=lambda s: s.line)
            return first, cycle
    return None


def check(snap: Snapshot, steps: list[Step], path: Path, custom: tuple[str, ...]) -> None:
    """Refuse the import as any write would refuse these beads, naming path:line."""
    exists = set(snap.where) | {s.id for s in steps}
    for step in steps:
        if step.action == "unchanged":
            continue
        problem = (type_problem(step.bead.get("issue_type") or "task", custom, all_kinds=True)
                   or _link_problem(step, snap.get(step.id), exists))
        if problem:
            raise LedgerError(str(path), step.line, f"{step.id}: {problem}")
    found = _new_cycle(snap, steps)
    if found:
        step, cycle = found
        raise LedgerError(str(path), step.line,
                          "would make a dependency cycle " + " -> ".join([*cycle, cycle[0]]))


def counts(steps: list[Step]) -> dict[str, int]:
    out = {"created": 0, "updated": 0, "unchanged": 0}
    for step in steps:
        out[step.action] += 1
    return out


def import_beads(town: Town, path: Path, *, replace: bool = False, dry_run: bool = False,
                 actor: str | None = None) -> list[Step]:
    """Import a beads issues.jsonl (ids kept) in one commit; returns the plan it followed."""
    records = read_import(path)
    custom = custom_types(town.config())
    who = actor or current_actor()
    if dry_run:
        with snapshot.load(town, warn=False) as snap:
            return _checked_plan(snap, records, path, custom, replace)
    with store.transaction(town) as snap:
        steps = _checked_plan(snap, records, path, custom, replace)
        put = [s.bead for s in steps if s.action != "unchanged"]
        if put:
            ops.commit(town, snap, put, "import", f"{len(put)} beads from {path.name}", who)
    return steps


def _checked_plan(snap: Snapshot, records: list[Record], path: Path, custom: tuple[str, ...],
                  replace: bool) -> list[Step]:
    steps = plan(snap, records, replace=replace)
    check(snap, steps, path, custom)
    return steps
