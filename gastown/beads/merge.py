"""`bd merge OUT BASE LEFT RIGHT [PATH]`: git's merge driver for ledger files, bead by bead.

Git runs it as `bd merge %A %O %A %B %P` (see `gt install`): OUT is also LEFT (ours),
BASE is the common ancestor (an empty file when both sides added the file), RIGHT is
theirs, PATH the file's name in the repository (`beads/work.jsonl`), which every
message names along with the side (base, ours, theirs); without PATH, OUT's name.
The result goes to OUT. `merge_lines` is the whole decision and is pure; `merge_files`
only reads, reports and writes.

Rules, per bead id across BASE, LEFT and RIGHT. "Changed" means the decoded value
differs from BASE's (a line re-encoded to the same value is not a change; `1`, `1.0`
and `true` are different values).

0. An id on several lines of one version (real trackers have them) is one bead: the
   lines are folded in order by the field rules of rule 6 with no BASE (later
   `updated_at` wins; ties go to the later line; labels, dependencies, comments and
   notes are united), and a warning names the file, the side and the lines.

1. Added on one side only: kept, as that side wrote it.
2. Unchanged on both sides: kept, as LEFT wrote it.
3. Changed on one side only: taken EXACTLY as that side wrote it (its raw line bytes:
   no field added, none normalised).
4. Changed (or added) on both sides to the same value: one copy, as LEFT wrote it.
5. Deleted on both sides: gone. Deleted on one side and unchanged on the other: gone.
   Deleted on one side and changed on the other: kept, exactly as the changing side
   wrote it (work is never silently lost).
6. Changed on both sides differently, or added on both sides with different content
   (and not a child id collision, rule 7): a field-level three-way merge, written as a
   canonical line (`codec.dumps`). A missing BASE counts as `{}`. For each key of the
   three versions (unknown keys included, so they survive):
   - only one side changed it vs BASE: that side's value (a removal is a change);
   - both sides changed it to the same value: that value;
   - `updated_at`: the later of the two sides' (whenever both have one);
   - `status`, `closed_at`, `close_reason` move together, from one side: if only one
     side changed `status`, that side; if both did and exactly one closed the bead,
     the closing side (closed wins over any other status); otherwise the side with
     the later `updated_at`. If neither side changed `status`, `closed_at` and
     `close_reason` merge like any other field;
   - `priority` (both integers): the more urgent, i.e. the lower number;
   - `labels`: sets. Result = (LEFT | RIGHT) minus every label BASE had that either
     side removed; sorted; the key is dropped when the result is empty;
   - `dependencies`: the same set rule, keyed by (depends_on_id, type) with type
     defaulting to "blocks". Order: LEFT's entries, then RIGHT's new ones. If both
     sides changed the same entry's other fields, LEFT's unless LEFT's equals BASE's;
   - `comments`: the union of LEFT's and RIGHT's (identical comments once), stably
     ordered by `created_at` (LEFT's first among equals); removals are not merged;
   - `notes` (strings; missing counts as ""): if one side's text starts with the
     other's, the longer one (so clearing the notes loses to adding to them); else
     if BASE's notes are non-empty and both sides start with them: BASE's text once,
     then LEFT's addition, then RIGHT's; else LEFT + "\\n" + RIGHT;
   - anything else (and the above when the values are not of the expected type): the
     value of the side with the later `updated_at`; ties (or no timestamps): LEFT.
   Timestamps compare as RFC 3339 instants when they parse, else as strings; a
   missing one is the earliest. Should the merged bead fail `schema.check` (it cannot
   with valid inputs), the later side's line is taken whole and a note says so.
7. Child id collisions: both sides added `<parent>.<n>` (absent from BASE) for
   DIFFERENT beads: their `created_at`, `title` or `created_by` differ. RIGHT's bead
   is renamed to `<parent>.<m>`, m one past the highest child number under that parent
   in BASE, LEFT, RIGHT and earlier renames (gaps are not reused, as in `ids.next_child`);
   RIGHT's added beads below it (`<old>.<k>...`) move with it to `<new>.<k>...`.
   A renamed bead records its old id in `renamed_from`. Then every reference in
   RIGHT's beads (see `gastown.beads.refs`: dependencies, a molecule's `on`, a work
   bead's `molecule`, a convoy's `tracks`, a merge request's `source_issue`, an
   agent's `hook`) that is not in BASE's version of that bead (so every reference of
   a bead RIGHT added) is rewritten old -> new. Such rewritten beads count as RIGHT's
   changes (rules 1-6) and are re-encoded canonically. Collisions are resolved
   shallowest first, then by id. Each rename is reported: `bd merge: beads/work.jsonl:
   renamed theirs' gt-abc.3 -> gt-abc.4 (both sides created gt-abc.3)` (and `...
   (inside gt-abc.3)` for the beads that moved with it). References from other ledger
   files are not the driver's to see (git merges each file alone, and a file changed
   on one side only never reaches the driver): `gt doctor` finds them through
   `renamed_from` and `gt doctor --fix` rewrites them.
   Top-level ids (`<prefix>-<hash>`) added on both sides are never renamed: rule 4 or 6.

Output: one line per bead, LF-terminated, sorted by id (Python string order, as the
store writes them). Never conflict markers; exit 0 on readable input. An unreadable
input (bad JSON, not a bead, a conflict marker) raises LedgerError
`<path>:<line>: <reason> (<side>)` (exit 1) and OUT is left untouched. A missing or empty BASE
is an empty ledger. OUT is written atomically, and not at all if it already holds the
result.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from gastown.beads import codec, ids, refs, schema
from gastown.beads.actor import parse_time
from gastown.errors import GastownError, LedgerError

Bead = dict[str, Any]
MISSING: Any = object()
STATUS_GROUP = ("status", "closed_at", "close_reason")
LEFT, RIGHT = "left", "right"
SIDES = ("base", "ours", "theirs")
RENAMED_FROM = "renamed_from"  # on a bead rule 7 renamed: the id it had on its side


@dataclass(frozen=True)
class Entry:
    """One bead of one version: its line as written and its decoded value."""

    raw: bytes
    bead: Bead


Ledger = dict[str, Entry]


# -- reading -----------------------------------------------------------------------

def read_ledger(name: str, data: bytes, notes: list[str] | None = None,
                side: str = "") -> Ledger:
    """Every bead of one version by id; LedgerError on anything unreadable.

    An id on several lines is collapsed into one bead (rule 0); `notes` hears of it.
    """
    out: Ledger = {}
    lines: dict[str, list[int]] = {}
    for number, _, raw, bead in codec.iter_beads(name, data):
        bid = bead["id"]
        lines.setdefault(bid, []).append(number)
        entry = Entry(raw, bead)
        out[bid] = collapse(out[bid], entry) if bid in out else entry
    for bid, numbers in lines.items():
        if len(numbers) > 1 and notes is not None:
            shown = ", ".join(map(str, numbers))
            notes.append(f"bd merge: {name}: {side or 'one side'} has {bid} "
                         f"{len(numbers)} times (lines {shown}); collapsed into one bead")
    return out


def collapse(first: Entry, later: Entry) -> Entry:
    """Two lines of one version with the same id, as one bead (rule 0)."""
    if _same_entry(first, later):
        return first
    bead = merge_bead(None, first.bead, later.bead, ties=RIGHT)
    if same(bead, later.bead):
        return later
    return Entry(codec.dumps(bead), bead)


# -- equality and time -------------------------------------------------------------

def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def same(a: Any, b: Any) -> bool:
    """Strict JSON equality: key order ignored, but 1, 1.0 and true differ."""
    if a is MISSING or b is MISSING:
        return a is b
    return a == b and _canon(a) == _canon(b)


def _same_entry(a: Entry | None, b: Entry | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.raw == b.raw or same(a.bead, b.bead)


def time_key(value: Any) -> tuple[int, Any]:
    """Sort key for a timestamp: instants when they parse, else strings; missing first."""
    if isinstance(value, str):
        try:
            return (2, parse_time(value))
        except ValueError:
            return (1, value)
    return (0, "")


def _right_is_later(left: Bead, right: Bead, ties: str = LEFT) -> bool:
    """Ties (and two missing timestamps) go to `ties`."""
    lt, rt = time_key(left.get("updated_at")), time_key(right.get("updated_at"))
    return rt > lt or (ties == RIGHT and rt == lt)


# -- field-level merge ---------------------------------------------------------------

def merge_labels(base: Any, left: Any, right: Any) -> Any:
    b, lt, rt = (set(v) if v is not MISSING else set() for v in (base, left, right))
    removed = (b - lt) | (b - rt)
    result = sorted((lt | rt) - removed)
    return result if result else MISSING


def _dep_key(dep: dict[str, Any]) -> tuple[Any, Any]:
    return (dep.get("depends_on_id"), dep.get("type", "blocks"))


def _dep_map(deps: Any) -> dict[tuple[Any, Any], dict[str, Any]]:
    out: dict[tuple[Any, Any], dict[str, Any]] = {}
    for d in deps if deps is not MISSING else ():
        out.setdefault(_dep_key(d), d)
    return out


def merge_dependencies(base: Any, left: Any, right: Any) -> Any:
    b, lt, rt = _dep_map(base), _dep_map(left), _dep_map(right)
    removed = {k for k in b if k not in lt or k not in rt}
    result = []
    for key in [*lt, *(k for k in rt if k not in lt)]:
        if key in removed:
            continue
        if key in lt and key in rt and not same(lt[key], rt[key]):
            result.append(rt[key] if same(lt[key], b.get(key, MISSING)) else lt[key])
        else:
            result.append(lt[key] if key in lt else rt[key])
    return result if result else MISSING


def merge_comments(left: Any, right: Any) -> Any:
    seen: set[str] = set()
    out = []
    for c in [*(left if left is not MISSING else ()), *(right if right is not MISSING else ())]:
        k = _canon(c)
        if k not in seen:
            seen.add(k)
            out.append(c)

    def when(c: Any) -> tuple[int, Any]:
        return time_key(c.get("created_at") if isinstance(c, dict) else None)

    out.sort(key=when)
    return out if out else MISSING


def merge_notes(base: Any, left: Any, right: Any) -> str:
    b = base if isinstance(base, str) else ""
    lt = left if isinstance(left, str) else ""
    rt = right if isinstance(right, str) else ""
    if lt.startswith(rt):
        return lt
    if rt.startswith(lt):
        return rt
    if b and lt.startswith(b) and rt.startswith(b):
        return lt + rt[len(b):]
    return lt + "\n" + rt


def _is_list(v: Any, of: type | None = None) -> bool:
    if v is MISSING:
        return True
    return isinstance(v, list) and (of is None or all(isinstance(x, of) for x in v))


def _conflict(key: str, base: Any, left: Any, right: Any, right_later: bool) -> Any:
    """Both sides changed `key` to different values."""
    if key == "priority" and all(type(v) is int for v in (left, right)):
        return min(left, right)
    if key == "labels" and all(_is_list(v, str) for v in (base, left, right)):
        return merge_labels(base, left, right)
    if key == "dependencies" and all(_is_list(v, dict) for v in (base, left, right)):
        return merge_dependencies(base, left, right)
    if key == "comments" and _is_list(left) and _is_list(right):
        return merge_comments(left, right)
    if key == "notes" and all(v is MISSING or isinstance(v, str) for v in (base, left, right)):
        return merge_notes(base, left, right)
    return right if right_later else left


def _status_source(base: Bead, left: Bead, right: Bead, right_later: bool) -> str | None:
    bs = base.get("status", MISSING)
    left_changed = not same(left.get("status", MISSING), bs)
    right_changed = not same(right.get("status", MISSING), bs)
    if not (left_changed or right_changed):
        return None
    if left_changed != right_changed:
        return LEFT if left_changed else RIGHT
    left_closed = left.get("status") == "closed"
    right_closed = right.get("status") == "closed"
    if left_closed != right_closed:
        return LEFT if left_closed else RIGHT
    return RIGHT if right_later else LEFT


def merge_bead(base: Bead | None, left: Bead, right: Bead, *, ties: str = LEFT) -> Bead:
    """The field-level three-way merge of rule 6 (BASE None: added on both sides)."""
    b = base or {}
    right_later = _right_is_later(left, right, ties)
    source = _status_source(b, left, right, right_later)
    out: Bead = {}
    for key in dict.fromkeys([*left, *right, *b]):
        bv, lv, rv = b.get(key, MISSING), left.get(key, MISSING), right.get(key, MISSING)
        if key in STATUS_GROUP and source is not None:
            value = lv if source == LEFT else rv
        elif key == "updated_at" and lv is not MISSING and rv is not MISSING:
            value = rv if right_later else lv
        elif same(lv, rv) or same(rv, bv):
            value = lv
        elif same(lv, bv):
            value = rv
        else:
            value = _conflict(key, bv, lv, rv, right_later)
        if value is not MISSING:
            out[key] = value
    return out


# -- child id collisions -------------------------------------------------------------

def _distinct(left: Bead, right: Bead) -> bool:
    return any(not same(left.get(k, MISSING), right.get(k, MISSING))
               for k in ("created_at", "title", "created_by"))


def _colliding(base: Ledger, left: Ledger, right: Ledger) -> list[str]:
    found = [bid for bid, entry in right.items()
             if "." in bid and bid not in base and bid in left
             and not _same_entry(left[bid], entry) and _distinct(left[bid].bead, entry.bead)]
    return sorted(found, key=lambda bid: (bid.count("."), bid))


def _retarget(bead: Bead, base_bead: Bead | None, mapping: dict[str, str]) -> Bead | None:
    """RIGHT's bead with the references RIGHT made (absent from BASE's version) renamed."""
    old = refs.references(base_bead) if base_bead else set()
    return refs.retarget(bead, mapping, lambda ref: ref not in old)


def resolve_collisions(base: Ledger, left: Ledger, right: Ledger,
                       notes: list[str], name: str = "ledger") -> Ledger:
    """RIGHT with its colliding child beads renamed and references rewritten (rule 7)."""
    mapping: dict[str, str] = {}
    taken = set(base) | set(left) | set(right)
    while True:
        found = _colliding(base, left, right)
        if not found:
            break
        old = found[0]
        new = ids.next_child(old.rsplit(".", 1)[0], taken)
        moved = {bid: new + bid[len(old):] for bid in sorted(right)
                 if bid not in base and (bid == old or bid.startswith(old + "."))}
        taken.update(moved.values())
        for k, v in mapping.items():
            mapping[k] = moved.get(v, v)
        mapping.update(moved)
        renamed: Ledger = {}
        for bid, entry in right.items():
            if bid in moved:
                bead = {**entry.bead, "id": moved[bid], RENAMED_FROM: bid}
                renamed[moved[bid]] = Entry(codec.dumps(bead), bead)
            else:
                renamed[bid] = entry
        right = renamed
        head = f"bd merge: {name}: "
        notes.append(f"{head}renamed theirs' {old} -> {new} (both sides created {old})")
        for bid in sorted(moved):
            if bid != old:
                notes.append(f"{head}renamed theirs' {bid} -> {moved[bid]} (inside {old})")
    if not mapping:
        return right
    out: Ledger = {}
    for bid, entry in right.items():
        base_entry = base.get(bid)
        bead = _retarget(entry.bead, base_entry.bead if base_entry else None, mapping)
        out[bid] = entry if bead is None else Entry(codec.dumps(bead), bead)
    return out


# -- the merge -----------------------------------------------------------------------

def _merge_one(bid: str, b: Entry | None, lt: Entry | None, rt: Entry | None,
               notes: list[str]) -> bytes | None:
    if lt is None and rt is None:
        return None
    if lt is None or rt is None:
        side = rt if lt is None else lt
        assert side is not None
        if b is not None and _same_entry(side, b):
            return None  # deleted on one side, unchanged on the other
        return side.raw  # added on one side, or deleted on one and changed on the other
    left_changed = b is None or not _same_entry(lt, b)
    right_changed = b is None or not _same_entry(rt, b)
    if not right_changed or _same_entry(lt, rt):
        return lt.raw
    if not left_changed:
        return rt.raw
    merged = merge_bead(b.bead if b else None, lt.bead, rt.bead)
    reason = schema.check(merged)
    if reason:  # pragma: no cover - valid inputs make valid merges
        later = rt if _right_is_later(lt.bead, rt.bead) else lt
        notes.append(f"bd merge: {bid}: merged bead invalid ({reason}); kept one side whole")
        return later.raw
    return codec.dumps(merged)


def _read_side(name: str, side: str, data: bytes, notes: list[str]) -> Ledger:
    try:
        return read_ledger(name, data, notes, side)
    except LedgerError as e:
        raise LedgerError(e.path, e.line, f"{e.reason} ({side})") from None


def merge_lines(base: bytes, left: bytes, right: bytes, *, name: str = "ledger",
                notes: list[str] | None = None) -> bytes:
    """The merged ledger file. `name` (the file as the user knows it) labels errors and
    the notes (collapsed duplicates, renames) appended to `notes`."""
    sink: list[str] = [] if notes is None else notes
    b, lt, rt = (_read_side(name, side, data, sink)
                 for side, data in zip(SIDES, (base, left, right)))
    rt = resolve_collisions(b, lt, rt, sink, name)
    lines = []
    for bid in sorted(set(b) | set(lt) | set(rt)):
        line = _merge_one(bid, b.get(bid), lt.get(bid), rt.get(bid), sink)
        if line is not None:
            lines.append(line)
    return b"".join(line + b"\n" for line in lines)


def _read(path: str, missing_ok: bool) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        if missing_ok:
            return b""
        raise GastownError(f"cannot read {path}: no such file") from None
    except OSError as e:
        raise GastownError(f"cannot read {path}: {e.strerror}") from None


def known_as(ours: bytes) -> str | None:
    """The ledger file whose blob at HEAD is OURS, if exactly one is: older driver
    settings pass no %P, and git's temporary file names mean nothing to the user."""
    import hashlib

    from gastown import git

    # scrub=False: git runs the driver in the repository being merged
    proc = git.git(".", "ls-tree", "HEAD", "beads/", check=False, scrub=False)
    found = []
    for row in proc.stdout.decode("utf-8", "replace").splitlines():
        meta, _, name = row.partition("\t")
        sha = meta.split()[-1] if meta else ""
        digest = hashlib.sha1 if len(sha) == 40 else hashlib.sha256
        if digest(b"blob %d\0" % len(ours) + ours).hexdigest() == sha:
            found.append(name)
    return found[0] if len(found) == 1 else None


def merge_files(out: str, base: str, left: str, right: str, path: str | None = None) -> int:
    """Merge the three files into OUT (atomically); notes go to stderr. Returns 0.

    `path` is the file's name in the repository (git's %P); older driver settings do
    not pass it, and then OUT's name stands in.
    """
    from gastown.beads.store import atomic_write

    data = (_read(base, True), _read(left, False), _read(right, False))
    notes: list[str] = []
    result = merge_lines(*data, name=path or known_as(data[1]) or out, notes=notes)
    for note in notes:
        print(note, file=sys.stderr)
    try:
        with open(out, "rb") as f:
            if f.read() == result:
                return 0
    except OSError:
        pass
    atomic_write(os.path.abspath(out), result)
    return 0
