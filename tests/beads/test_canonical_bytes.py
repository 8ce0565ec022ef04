"""Non-canonical ledger bytes committed by hand are rewritten canonically by the next
write; a write never commits a file a reader refuses; unknown numbers keep their text.

The rule: readers accept a ledger file whose lines are out of id order or carry a
byte-order mark, CRLF endings, blank lines or no final newline (pre-commit does too);
the next `bd` write stores the whole file canonically (sorted by id, LF endings) in its
one commit, each line's bytes otherwise unchanged.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gastown.beads import snapshot, store
from gastown.town.install import install
from gastown.town.paths import Town
from tests.conftest import git_out, run_process


def _head_ledger(root: Path, stem: str = "work") -> tuple[bytes, list[dict[str, Any]]]:
    """HEAD's bytes of a ledger file, parsed the way every reader parses them."""
    data = subprocess.run(["git", "show", f"HEAD:beads/{stem}.jsonl"], cwd=root,
                          check=True, capture_output=True).stdout
    rows = snapshot.parse_file(stem, data)  # raises LedgerError on anything unreadable
    return data, [json.loads(data[r[10]:r[10] + r[11]]) for r in rows]


def _assert_canonical(data: bytes) -> None:
    lines = data.split(b"\n")
    assert lines[-1] == b"" and all(lines[:-1]), "LF-ended, no blank lines"
    assert b"\r" not in data and not data.startswith(store.BOM)
    ids = [json.loads(line)["id"] for line in lines[:-1]]
    assert ids == sorted(set(ids)), "sorted by id, no duplicates"


def _commit_by_hand(root: Path, data: bytes, message: str = "hand edit", *,
                    check: bool = True) -> bool:
    """Commit `data` as beads/work.jsonl through the hooks; a refused commit is undone."""
    (root / "beads" / "work.jsonl").write_bytes(data)
    done = subprocess.run(["git", "commit", "-qa", "--allow-empty", "-m", message], cwd=root,
                          check=check, capture_output=True).returncode == 0
    if not done:
        subprocess.run(["git", "checkout", "--", "beads/work.jsonl"], cwd=root, check=True)
    return done


def _create(bd, *titles: str) -> list[str]:
    return [bd("create", t, "--json").assert_success().json()["id"] for t in titles]


def _reversed(data: bytes) -> bytes:
    return b"".join(line + b"\n" for line in reversed(data.splitlines()))


def _appended_out_of_order(data: bytes) -> bytes:
    lines = data.splitlines()
    return b"".join(line + b"\n" for line in lines[1:] + lines[:1])


HAND_EDITS = {
    "reversed": _reversed,
    "first line moved to the end": _appended_out_of_order,
    "crlf": lambda d: d.replace(b"\n", b"\r\n"),
    "mixed line endings": lambda d: d.replace(b"\n", b"\r\n", 1),
    "byte-order mark": lambda d: store.BOM + d,
    "blank lines": lambda d: b"\n" + d.replace(b"\n", b"\n\n") + b"   \n",
    "no final newline": lambda d: d.rstrip(b"\n"),
    "all at once": lambda d: store.BOM + _reversed(d).replace(b"\n", b"\r\n\r\n").rstrip(),
    "spaces around lines": lambda d: d.replace(b"\n", b" \t\n  "),
}


@pytest.mark.parametrize("edit", sorted(HAND_EDITS))
def test_a_write_after_a_hand_commit_stores_the_file_canonically(town: Town, bd, edit: str):
    ids = _create(bd, "one", "two", "three")
    _commit_by_hand(town.root, HAND_EDITS[edit]((town.root / "beads/work.jsonl").read_bytes()))
    assert bd("list").code == 0, "readers accept the hand-edited file"

    out = bd("update", ids[1], "-p", "0").assert_success()
    assert "canonically" in out.err
    new = _create(bd, "four")[0]

    data, beads_ = _head_ledger(town.root)
    _assert_canonical(data)
    by_id = {b["id"]: b for b in beads_}
    assert sorted(by_id) == sorted([*ids, new])
    assert by_id[ids[1]]["priority"] == 0, "the acknowledged update is in HEAD"
    assert bd("show", ids[1], "--json").json()["priority"] == 0
    assert git_out(town.root, "status", "--porcelain") == ""


def test_lines_keep_their_bytes_when_the_file_is_reordered(town: Town, bd):
    ids = _create(bd, "one", "two", "three")
    before = (town.root / "beads/work.jsonl").read_bytes()
    # a hand-edited line with its own spacing: reordering must not re-encode it
    hand = before.splitlines()
    hand[0] = hand[0].replace(b'","', b'", "', 1)
    _commit_by_hand(town.root, b"\r\n".join(reversed(hand)) + b"\r\n")
    other = next(i for i in ids if i != json.loads(hand[0])["id"])
    bd("update", other, "-p", "1").assert_success()
    data, _ = _head_ledger(town.root)
    assert hand[0] in data.splitlines()


def test_an_autocrlf_clone_writes_a_readable_ledger(town: Town, bd, tmp_path: Path):
    ids = _create(bd, "one", "two")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "-c", "core.autocrlf=true", str(town.root),
                    str(clone)], check=True)
    assert b"\r" not in (clone / "beads/work.jsonl").read_bytes(), ".gitattributes: -text"
    run_process("gt", "install", ".", cwd=clone).assert_success()
    run_process("bd", "update", ids[0], "-p", "0", cwd=clone).assert_success()
    run_process("bd", "create", "three", cwd=clone).assert_success()
    data, beads_ = _head_ledger(clone)
    _assert_canonical(data)
    assert len(beads_) == 3


def test_an_old_town_without_the_attribute_is_mended_by_doctor(town: Town, bd, gt):
    (town.root / ".gitattributes").write_text("beads/*.jsonl merge=beads\n")
    subprocess.run(["git", "commit", "-qam", "old attributes"], cwd=town.root, check=True)
    assert "-text" in gt("doctor").assert_failure().out + gt("doctor").err
    gt("doctor", "--fix").assert_success()
    lines = (town.root / ".gitattributes").read_text().splitlines()
    assert "beads/*.jsonl merge=beads -text" in lines
    assert "beads/*.jsonl merge=beads" not in lines


def test_a_write_that_would_commit_a_duplicate_is_refused(town: Town, bd, monkeypatch):
    ids = _create(bd, "one", "two")
    head = git_out(town.root, "rev-parse", "HEAD")
    before = (town.root / "beads/work.jsonl").read_bytes()
    real = store._rewrite

    def doubled(lf, put, drop):  # a splice bug: the edited line lands twice
        body, rows = real(lf, put, drop)
        return body + body.splitlines(keepends=True)[0], rows + rows[:1]

    monkeypatch.setattr(store, "_rewrite", doubled)
    out = bd("update", ids[0], "-p", "0")
    out.assert_failure()
    assert "refusing to commit beads/work.jsonl" in out.err and "Traceback" not in out.err
    assert git_out(town.root, "rev-parse", "HEAD") == head
    assert (town.root / "beads/work.jsonl").read_bytes() == before


@pytest.mark.parametrize("number", ["2.50", "1e2", "-0.0", "123456789012345678901234567890.5",
                                    "1E-7", "0.1000", "-12.0e+03"])
def test_unknown_numbers_survive_a_write_byte_for_byte(town: Town, bd, number: str):
    bid = _create(bd, "one")[0]
    data = (town.root / "beads/work.jsonl").read_bytes()
    field = f'"x_weight":{number},"x_nested":{{"a":[{number},1,"{number}"]}}'.encode()
    _commit_by_hand(town.root, data.replace(b"}\n", b"," + field + b"}\n"))
    bd("update", bid, "-p", "0", "--title", "renamed").assert_success()
    data, _ = _head_ledger(town.root)
    assert f'"x_nested":{{"a":[{number},1,"{number}"]}},"x_weight":{number}}}'.encode() in data
    shown = bd("show", bid, "--json").out
    assert f'"x_weight": {number}' in shown


# A property: hand edits within what pre-commit accepts, interleaved with bd writes,
# never leave HEAD unreadable or holding a duplicate, and never lose an acknowledged write.

EDITS = st.sampled_from(sorted(HAND_EDITS))
STEPS = st.lists(st.one_of(st.tuples(st.just("hand"), EDITS),
                           st.tuples(st.just("update"), st.integers(0, 20)),
                           st.tuples(st.just("create"), st.integers(0, 20))),
                 min_size=1, max_size=8)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(STEPS)
def test_hand_edits_and_writes_never_corrupt_head(bd_factory, steps) -> None:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        town = install(Path(tmp) / "town", prefix="gt").town
        bd = bd_factory(town)
        expected: dict[str, int] = {}
        for bid in _create(bd, "a", "b"):
            expected[bid] = 2
        for kind, arg in steps:
            path = town.root / "beads/work.jsonl"
            if kind == "hand":
                _commit_by_hand(town.root, HAND_EDITS[arg](path.read_bytes()), check=False)
            elif kind == "update":
                bid = sorted(expected)[arg % len(expected)]
                bd("update", bid, "-p", str(arg % 5)).assert_success()
                expected[bid] = arg % 5
            else:
                expected[_create(bd, f"new {arg}")[0]] = 2
            if kind != "hand":
                # parse_file refuses an unreadable line and a duplicate id
                _, beads_ = _head_ledger(town.root)
                assert {b["id"]: b.get("priority", 2) for b in beads_} == expected


@pytest.fixture
def bd_factory():
    from gastown.beads.cli import main
    from tests.conftest import _in_process

    def make(town: Town):
        return lambda *args: _in_process(lambda: main(list(args)), ["bd", *args], town.root)

    return make


def test_bead_lines_keep_non_ascii_and_line_separators(town: Town, bd):
    bid = _create(bd, "caf\u00e9 \u2028 line")[0]
    _commit_by_hand(town.root, _reversed((town.root / "beads/work.jsonl").read_bytes())
                    .replace(b"\n", b"\r\n"))
    bd("update", bid, "-p", "1").assert_success()
    _, beads_ = _head_ledger(town.root)
    assert beads_[0]["title"] == "caf\u00e9 \u2028 line"
    assert os.path.exists(town.root / ".gitattributes")
