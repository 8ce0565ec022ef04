"""The write path's shortcuts agree with the plain way of doing the same thing.

`_rewrite` splices instead of re-encoding; `links.carry` skips the graph walk; the
index remembers which commit a file is clean at; ledger files are backdated for
git; loose objects are packed in the background. Each is checked against the slow,
obvious answer.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gastown.beads import codec, index, links, packing, snapshot, store
from gastown.town.paths import Town
from tests.conftest import git_out

IDS = [f"gt-{c}" for c in "abcdefghij"]


def _bead(bid: str, deps: list[tuple[str, str]], note: str = "") -> dict[str, Any]:
    bead: dict[str, Any] = {"id": bid, "title": f"bead {bid}{note}", "status": "open",
                            "priority": 2, "issue_type": "task"}
    if deps:
        bead["dependencies"] = [{"issue_id": bid, "depends_on_id": t, "type": k}
                                for t, k in deps]
    return bead


DEPS = st.lists(st.tuples(st.sampled_from(IDS + ["gt-zz"]),
                          st.sampled_from(["blocks", "parent-child", "related"])),
                max_size=2, unique=True)
LEDGER = st.dictionaries(st.sampled_from(IDS), DEPS, max_size=8)


def _file(ledger: dict[str, list[tuple[str, str]]]) -> snapshot.LedgerFile:
    data = b"".join(codec.dumps(_bead(b, d)) + b"\n" for b, d in sorted(ledger.items()))
    return snapshot.LedgerFile(Town(Path("/nonexistent")), "work",
                               snapshot.parse_file("work", data), None, data)


@settings(max_examples=300, deadline=None)
@given(LEDGER, st.dictionaries(st.sampled_from(IDS), DEPS, max_size=4),
       st.sets(st.sampled_from(IDS), max_size=3))
def test_rewrite_splices_the_same_bytes_and_rows_as_a_full_rewrite(old, put, drop) -> None:
    drop = drop - set(put)
    lf = _file(old)
    lines = {bid: codec.dumps(_bead(bid, deps, " (new)")) for bid, deps in put.items()}
    body, rows = store._rewrite(lf, lines, drop)

    expected: dict[str, bytes] = {b: codec.dumps(_bead(b, d)) for b, d in old.items()}
    for bid in drop:
        expected.pop(bid, None)
    expected.update(lines)
    want = b"".join(expected[b] + b"\n" for b in sorted(expected))
    assert body == want
    assert rows == snapshot.parse_file("work", want)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LEDGER, st.dictionaries(st.sampled_from(IDS + ["gt-new", "gt-zz"]), DEPS, max_size=3),
       st.sets(st.sampled_from(IDS), max_size=1))
def test_carried_links_are_the_links_a_full_walk_finds(old, put, drop) -> None:
    drop = drop - set(put)
    before = {r[index.ID]: r for r in _file(old).rows}
    found_before = links.find(before.values())
    put_rows = {b: index.row_for(_bead(b, d), 0, 0, 0) for b, d in put.items()}
    after = {k: v for k, v in before.items() if k not in drop}
    after.update(put_rows)
    kept = links.carry(found_before, before.get, put_rows, drop)
    if kept is not None:
        full = links.find(after.values())
        assert set(kept.dangling) == set(full.dangling)
        assert {frozenset(c) for c in kept.cycles} == {frozenset(c) for c in full.cycles}


def test_carry_walks_again_when_a_change_could_close_a_cycle() -> None:
    a = index.row_for(_bead("gt-a", [("gt-b", "blocks")]), 0, 0, 1)
    b = index.row_for(_bead("gt-b", []), 0, 0, 2)
    rows = {"gt-a": a, "gt-b": b}
    closing = {"gt-b": index.row_for(_bead("gt-b", [("gt-a", "blocks")]), 0, 0, 2)}
    assert links.carry(links.find(rows.values()), rows.get, closing, ()) is None
    awaited = links.find([index.row_for(_bead("gt-a", [("gt-c", "blocks")]), 0, 0, 1)])
    assert awaited.dangling == (("gt-a", "gt-c"),)
    new_c = {"gt-c": index.row_for(_bead("gt-c", []), 0, 0, 2)}
    assert links.carry(awaited, {"gt-a": a}.get, new_c, ()) is None


def test_warnings_stay_right_across_writes(town: Town, bd) -> None:
    first = bd("create", "first", "--silent").assert_success().out.strip()
    bd("create", "second", "--deps", f"blocks:{first}", "--silent").assert_success()
    path = town.ledger_file("work")
    text = path.read_text()
    path.write_text(text.replace(f'"depends_on_id":"{first}"', '"depends_on_id":"gt-gone"'))
    subprocess.run(["git", "commit", "-qam", "dangle", "--no-verify"], cwd=town.root,
                   check=True, env={**os.environ, "GT_WRITER": "1"})
    out = bd("list").assert_success()
    assert "depends on missing bead gt-gone" in out.err
    for n in range(3):  # writes that carry the links over, shifting line numbers
        bd("create", f"a{n}", "--silent").assert_success()
    with snapshot.load(town, warn=False) as snap:
        warnings = snap.warnings
        full = links.find(snap.rows())
    assert set(full.dangling) == set(snap.links.dangling)
    (line,) = [w for w in warnings if "gt-gone" in w]
    bad = [n for n, text in enumerate(path.read_text().split("\n"), 1) if "gt-gone" in text]
    assert line.startswith(f"beads/work.jsonl:{bad[0]}: ")


def test_a_hand_edit_right_after_a_write_is_still_seen(town: Town, bd) -> None:
    bid = bd("create", "original", "--silent").assert_success().out.strip()
    path = town.ledger_file("work")
    # Same size, same second: only the content differs.
    path.write_text(path.read_text().replace("original", "ORIGINAL"))
    assert git_out(town.root, "status", "--porcelain") == "M beads/work.jsonl"
    refused = bd("update", bid, "--notes", "x").assert_failure(1)
    assert "uncommitted changes" in refused.err
    assert "ORIGINAL" in path.read_text()


def test_writes_leave_git_with_nothing_to_rehash(town: Town, bd) -> None:
    bd("create", "one", "--silent").assert_success()
    mtime = os.stat(town.ledger_file("work")).st_mtime
    index_mtime = os.stat(town.root / ".git" / "index").st_mtime
    assert int(mtime) < int(index_mtime)  # not "racily clean" to git
    assert git_out(town.root, "status", "--porcelain") == ""


def test_the_index_records_the_blob_it_committed(town: Town, bd) -> None:
    bd("create", "one", "--silent").assert_success()
    blob = git_out(town.root, "rev-parse", "HEAD:beads/work.jsonl")
    with snapshot.load(town, warn=False) as snap:
        assert snap.entries["work"].blob == blob
    # A commit of something else leaves the ledger's blob, and what the index knows, as is.
    (town.root / "notes.txt").write_text("x\n")
    subprocess.run(["git", "add", "notes.txt"], cwd=town.root, check=True)
    subprocess.run(["git", "commit", "-qm", "notes", "--no-verify"], cwd=town.root,
                   check=True, env={**os.environ, "GT_WRITER": "1"})
    bd("create", "two", "--silent").assert_success()
    assert git_out(town.root, "status", "--porcelain") == ""
    with snapshot.load(town, warn=False) as snap:
        assert snap.entries["work"].blob == git_out(town.root, "rev-parse",
                                                    "HEAD:beads/work.jsonl")


def test_loose_objects_are_packed_past_the_budget(town: Town, bd) -> None:
    bd("create", "one", "--silent").assert_success()
    assert packing.loose_bytes(town) > 0
    assert not packing.added(town, 10, limit=1 << 40)
    assert packing.added(town, 1, limit=1)
    assert packing.loose_bytes(town) == 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        counts = dict(line.split(": ") for line in
                      git_out(town.root, "count-objects", "-v").splitlines())
        if int(counts["count"]) == 0 and int(counts["packs"]) >= 1:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"still loose after 30 s: {counts}")
    assert git_out(town.root, "fsck", "--no-progress", "--connectivity-only") == ""
    bd("show", "--json", *[b["id"] for b in bd("list", "--json").json()]).assert_success()
