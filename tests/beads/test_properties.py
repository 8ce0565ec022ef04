"""Properties of the ledger: lines round-trip exactly, and `ready` follows its rule."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gastown.beads import codec, graph, importing, index, ops, schema, snapshot
from gastown.errors import LedgerError

# --- serialisation -------------------------------------------------------------------

# Any text a UTF-8 file can hold (no lone surrogates), with the awkward ones made likely.
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["\u2028", "\u2029", "a\u2028b", "line\nbreak", "\r", "\x00", "\x7f",
                     "é", "😀", "\ufeff", '"quoted"', "\\", "<<<<<<< HEAD", "\t "]),
)
BIG_INTS = st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30, -(10**40), 2**64 - 1])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), BIG_INTS,
    st.floats(allow_nan=False, allow_infinity=False), TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
SEGMENT = st.from_regex(r"[A-Za-z0-9_]{1,6}", fullmatch=True)
IDS = st.builds(
    lambda head, parts, kids: head + "".join("-" + p for p in parts)
    + "".join(f".{k}" for k in kids),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_]{0,4}", fullmatch=True),
    st.lists(SEGMENT, min_size=1, max_size=3),
    st.lists(st.integers(0, 999), max_size=2),
)
KINDS = st.one_of(st.sampled_from([*schema.WORK_KINDS, *schema.KIND_FILES]),
                  st.text(min_size=1, max_size=8))
UNKNOWN_KEYS = TEXT.filter(lambda k: k not in schema.FIELD_ORDER)


@st.composite
def dependencies(draw: st.DrawFn) -> dict[str, Any]:
    dep: dict[str, Any] = {"depends_on_id": draw(st.one_of(IDS, TEXT))}
    if draw(st.booleans()):
        dep["type"] = draw(st.one_of(st.sampled_from(schema.KNOWN_DEP_TYPES), TEXT))
    for key in draw(st.lists(st.sampled_from(["issue_id", "created_at", "created_by"]),
                             unique=True)):
        dep[key] = draw(TEXT)
    dep.update(draw(st.dictionaries(UNKNOWN_KEYS.filter(lambda k: k not in schema.DEP_ORDER),
                                    JSON, max_size=2)))
    return _shuffled(draw, dep)


def _shuffled(draw: st.DrawFn, d: dict[str, Any]) -> dict[str, Any]:
    keys = draw(st.permutations(list(d)))
    return {k: d[k] for k in keys}


@st.composite
def beads(draw: st.DrawFn, bead_id: st.SearchStrategy[str] = IDS) -> dict[str, Any]:
    bead: dict[str, Any] = {
        "id": draw(bead_id),
        "title": draw(TEXT.filter(lambda t: t.strip())),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "status": st.sampled_from(schema.STATUSES),
        "priority": st.integers(0, 4),
        "issue_type": KINDS,
        "description": TEXT,
        "labels": st.lists(TEXT, max_size=3),
        "dependencies": st.lists(dependencies(), max_size=3),
        "comments": st.lists(JSON, max_size=2),
        "created_at": TEXT,
        "assignee": TEXT,
        "notes": TEXT,
        "vars": JSON,
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        bead[key] = draw(optional[key])
    bead.update(draw(st.dictionaries(UNKNOWN_KEYS, JSON, max_size=4)))
    return _shuffled(draw, bead)


def _canonical_order(keys: list[str], order: tuple[str, ...]) -> list[str]:
    known = [k for k in order if k in keys]
    return known + sorted(k for k in keys if k not in order)


def expected_line_value(bead: dict[str, Any]) -> dict[str, Any]:
    """What a bead must read back as: top-level and dependency keys in canonical order
    (schema.FIELD_ORDER / DEP_ORDER, then unknown keys sorted), everything else as is."""
    out = {k: bead[k] for k in _canonical_order(list(bead), schema.FIELD_ORDER)}
    deps = out.get("dependencies")
    if isinstance(deps, list) and all(isinstance(d, dict) for d in deps):
        out["dependencies"] = [{k: d[k] for k in _canonical_order(list(d), schema.DEP_ORDER)}
                               for d in deps]
    return out


def identical(a: Any, b: Any) -> bool:
    """Equal with types (True is not 1, 1 is not 1.0), key order and the sign of zero."""
    def kind(v: Any) -> type:
        return float if isinstance(v, float) else type(v)  # codec.Number is a float

    if kind(a) is not kind(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


@settings(max_examples=300, deadline=None)
@given(beads())
@example({"id": "gt-a", "title": "x\u2028y", "zz": [{"b": 1, "a": 2**70}], "aa": None,
          "priority": 0, "status": "open"})
def test_lines_round_trip_exactly_in_canonical_order(bead):
    assert schema.check(bead) is None
    line = codec.dumps(bead)
    assert b"\n" not in line
    back = codec.loads(line)
    assert identical(back, expected_line_value(bead))
    # Deterministic: whatever order the keys came in, the same bytes; and a fixed point.
    assert codec.dumps(dict(reversed(list(bead.items())))) == line
    assert codec.dumps(back) == line
    assert list(back) == _canonical_order(list(bead), schema.FIELD_ORDER)


@st.composite
def import_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Beads an import accepts: known types, dependencies only on the ANCHORS (beads
    with no dependencies of their own, so no cycle and no dangling link)."""
    batch = draw(st.lists(beads().filter(lambda b: b["id"] not in ANCHORS), min_size=1,
                          max_size=4, unique_by=lambda b: b["id"]))
    for bead in batch:
        if "issue_type" in bead:
            bead["issue_type"] = draw(st.sampled_from([*schema.WORK_KINDS, *schema.KIND_FILES]))
        for dep in bead.get("dependencies") or ():
            dep["depends_on_id"] = draw(st.sampled_from(ANCHORS))
    return batch


ANCHORS = ("gt-anchor1", "gt-anchor2")


def _add_anchors(town) -> None:
    with snapshot.load(town, warn=False) as snap:
        if all(a in snap for a in ANCHORS):
            return
    for anchor in ANCHORS:
        ops.create(town, title="anchor", bead_id=anchor, actor="prop")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=import_batches())
def test_import_then_read_back_preserves_every_field(town, tmp_path: Path, batch):
    # One town for all examples: an id seen before is an update, possibly moving the
    # bead to another ledger file.
    source = tmp_path / "issues.jsonl"
    source.write_bytes(b"".join(codec.dumps(b) + b"\n" for b in batch))
    _add_anchors(town)
    importing.import_beads(town, source, replace=True, actor="prop")
    with snapshot.load(town, warn=False) as snap:
        for bead in batch:
            got = snap.get(bead["id"])
            assert got is not None, bead["id"]
            assert identical(got, expected_line_value(bead)), (got, bead)
            stem, at = snap.where[bead["id"]]
            assert stem == schema.file_for(bead)
            assert snap.files[stem].raw(snap.files[stem].rows[at]) == codec.dumps(bead)


def test_import_of_a_value_equal_only_loosely_still_rewrites(town, tmp_path: Path):
    """True == 1 == 1.0 in Python; in the ledger they are different values."""
    source = tmp_path / "issues.jsonl"
    for value in (1, True, 1.0, {"a": 1, "b": 2}, {"b": 2, "a": 1}):
        bead = {"id": "gt-loose", "title": "t", "x": value}
        source.write_bytes(codec.dumps(bead) + b"\n")
        importing.import_beads(town, source, actor="prop")
        with snapshot.load(town, warn=False) as snap:
            assert identical(snap.get("gt-loose"), bead), value


# --- the ready rule ------------------------------------------------------------------

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=timezone.utc)
POOL = [f"gt-{c}" for c in "abcdefgh"]
MISSING = ["gt-gone", "gt-zz"]
MOMENTS = [
    "2030-06-15T11:00:00Z", "2030-06-15T11:00:00.000001Z", "2030-06-15T13:00:00+02:00",
    "2030-06-15T11:00:00", "2030-06-15T12:00:00Z", "2030-06-15", "2029-01-01T00:00:00Z",
    "2031-01-01T00:00:00Z", "2030-06-15T12:00:01Z", "2030-06-15T14:30:00+03:00",
    "not a date", "",
]
DEFER_MOMENTS = [m for m in MOMENTS if m != "not a date"]  # the schema refuses it there


@st.composite
def ledgers(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=len(POOL), unique=True))
    targets = st.sampled_from(ids + MISSING)
    out = []
    for bid in ids:
        bead: dict[str, Any] = {"id": bid, "title": bid}
        if draw(st.booleans()):
            bead["status"] = draw(st.sampled_from(schema.STATUSES))
        if draw(st.booleans()):
            bead["priority"] = draw(st.integers(0, 4))
        if draw(st.integers(0, 3)) == 0:
            bead["issue_type"] = draw(st.sampled_from(
                [*schema.WORK_KINDS, "agent", "message", "molecule", "gate"]))
        if draw(st.integers(0, 4)):
            bead["created_at"] = draw(st.sampled_from(MOMENTS))
        if draw(st.integers(0, 2)) == 0:
            bead["defer_until"] = draw(st.sampled_from(DEFER_MOMENTS))
        deps = []
        for _ in range(draw(st.integers(0, 3))):
            dep = {"depends_on_id": draw(targets)}
            kind = draw(st.sampled_from(["blocks", "blocks", None, "related", "discovered-from"]))
            if kind:
                dep["type"] = kind
            deps.append(dep)
        if draw(st.integers(0, 2)):
            # At most one parent: a bead is the child of one bead.
            at = draw(st.integers(0, len(deps)))
            deps.insert(at, {"depends_on_id": draw(targets), "type": "parent-child"})
        if deps:
            bead["dependencies"] = deps
        out.append(bead)
    return out


def _moment(value: Any) -> datetime | None:
    """A timestamp as an instant; naive means UTC; unparseable means none."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def reference_ready(beads_: list[dict[str, Any]], now: datetime) -> list[str]:
    """The rule, spelled out: open work, not deferred to the future, no open blocker
    (an existing bead neither closed nor tombstoned; a missing one does not block), and
    no ancestor (through parent-child) that is itself blocked. Priority, then oldest
    first (no usable created_at sorts last), then id."""
    by_id = {b["id"]: b for b in beads_}

    def deps(b: dict[str, Any], kind: str) -> list[str]:
        return [d["depends_on_id"] for d in b.get("dependencies", [])
                if d.get("type", "blocks") == kind]

    def has_open_blocker(b: dict[str, Any]) -> bool:
        return any(t in by_id and by_id[t].get("status", "open") not in ("closed", "tombstone")
                   for t in deps(b, "blocks"))

    def ancestors(b: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        todo = deps(b, "parent-child")
        seen = {b["id"]}
        while todo:
            t = todo.pop()
            if t in seen or t not in by_id:
                continue
            seen.add(t)
            found.append(by_id[t])
            todo.extend(deps(by_id[t], "parent-child"))
        return found

    chosen = []
    for b in beads_:
        if b.get("status", "open") != "open":
            continue
        if b.get("issue_type", "task") not in ("task", "bug", "feature", "epic", "chore"):
            continue
        until = _moment(b.get("defer_until"))
        if until is not None and until > now:
            continue
        if has_open_blocker(b) or any(has_open_blocker(a) for a in ancestors(b)):
            continue
        chosen.append(b)
    far = datetime.max.replace(tzinfo=timezone.utc) + timedelta(0)

    def order(b: dict[str, Any]) -> tuple[int, bool, datetime, str]:
        moment = _moment(b.get("created_at"))
        return (b.get("priority", 2), moment is None, moment or far, b["id"])

    return [b["id"] for b in sorted(chosen, key=order)]


@settings(max_examples=400, deadline=None)
@given(ledgers())
def test_ready_follows_the_rule(beads_):
    for b in beads_:
        assert schema.check(b) is None
    rows = [index.row_for(b, 0, 0, n) for n, b in enumerate(beads_, start=1)]
    got = [r[index.ID] for r in graph.ready(rows, now=NOW)]
    assert got == reference_ready(beads_, NOW)
    # Input order does not matter.
    assert [r[index.ID] for r in graph.ready(list(reversed(rows)), now=NOW)] == got


def test_big_ints_survive_the_whole_file_parser(town, tmp_path: Path):
    """Files over codec.BULK_BYTES are parsed with orjson, which reads integers beyond
    64 bits as floats; they must come back exact all the same."""
    big = {"id": "gt-big", "title": "big", "n": 2**70, "m": [-(2**64), 10**30],
           "f": 0.1234567890123456789}
    filler = [{"id": f"gt-f{i:04d}", "title": "x" * 100} for i in range(700)]
    source = tmp_path / "issues.jsonl"
    source.write_bytes(b"".join(codec.dumps(b) + b"\n" for b in [big, *filler]))
    assert source.stat().st_size > codec.BULK_BYTES
    importing.import_beads(town, source, actor="prop")
    (town.state / snapshot.INDEX_FILE).unlink(missing_ok=True)  # rebuild from the file
    with snapshot.load(town, warn=False) as snap:
        assert identical(snap.get("gt-big"), expected_line_value(big))
    data = (town.beads / "work.jsonl").read_bytes()
    assert b'"n":1180591620717411303424' in data


@given(st.sampled_from([b"1e400", b"-1e400", b"1E999", b"NaN", b"Infinity", b"-Infinity"]))
@settings(max_examples=10, deadline=None)
def test_numbers_json_cannot_hold_are_refused(number):
    line = b'{"id":"gt-a","title":"t","x":' + number + b"}"
    with pytest.raises(ValueError):
        codec.loads(line)
    with pytest.raises(LedgerError, match=r"^beads/work.jsonl:1: bad JSON"):
        snapshot.parse_file("work", (line + b"\n") * 2000)  # the bulk parser
    with pytest.raises(ValueError):
        codec.dumps({"id": "gt-a", "title": "t", "x": float("inf")})


@given(st.lists(st.one_of(st.integers(-(2**80), 2**80), st.just(2**64),
                          st.just(-(10**19)), st.just(10**18)), min_size=1, max_size=40),
       st.integers(0, 39), st.booleans())
@settings(max_examples=50, deadline=None)
def test_bulk_parse_reads_every_number_exactly(numbers, at, trailing_newline):
    """Wherever long integers sit in a big file (first line, last line, no final
    newline), the bulk parser reads the same values as a line-by-line json read."""
    beads_ = [{"id": f"gt-n{i:04d}", "title": "x" * 200, "n": n} for i, n in enumerate(numbers)]
    filler = [{"id": f"gt-f{i:04d}", "title": "y" * 200} for i in range(400)]
    lines = [codec.dumps(b) for b in filler]
    lines[at % len(lines):at % len(lines)] = [codec.dumps(b) for b in beads_]
    data = b"\n".join(lines) + (b"\n" if trailing_newline else b"")
    assert len(data) > codec.BULK_BYTES
    got = {b["id"]: b.get("n") for _, _, _, b in codec.iter_beads("work", data)}
    assert all(type(got[b["id"]]) is int and got[b["id"]] == b["n"] for b in beads_)
