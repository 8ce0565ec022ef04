"""`bd merge` on real history: an id written twice in base, ours or theirs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gastown.beads import codec
from tests.beads.test_merge import (
    T1,
    T2,
    T3,
    assert_clean_ledger,
    bead,
    clone,
    ledger,
    line,
    make,
    merged,
    odd,
    pull,
)
from tests.conftest import git_out, run_process

CORPUS = Path(__file__).parent / "merge_corpus"
WORK = "beads/work.jsonl"
LATER, LATEST = "2030-01-01T00:00:00.000000Z", "2031-01-01T00:00:00.000000Z"


def test_a_duplicate_on_one_side_collapses_by_the_field_rules():
    older = bead("gt-a", "old title", labels=["x"], updated_at=T1, notes="first")
    newer = bead("gt-a", "new title", labels=["y"], updated_at=T2, notes="first\nsecond")
    base = ledger(line(bead("gt-a", "base title")))
    notes: list[str] = []
    out = merged(base, ledger(line(newer), line(older)), base, notes)
    got = json.loads(out["gt-a"])
    assert (got["title"], got["labels"], got["notes"]) == ("new title", ["x", "y"],
                                                           "first\nsecond")
    assert got["updated_at"] == T2
    assert notes == ["bd merge: ledger: ours has gt-a 2 times (lines 1, 2); collapsed into "
                     "one bead"]


def test_identical_copies_are_one_bead_written_as_the_first_copy():
    a = bead("gt-a")
    notes: list[str] = []
    out = merged(b"", ledger(line(bead("gt-b"))), ledger(odd(a), line(a), line(a)), notes)
    assert out == {"gt-a": odd(a), "gt-b": line(bead("gt-b"))}
    assert notes == ["bd merge: ledger: theirs has gt-a 3 times (lines 1, 2, 3); collapsed "
                     "into one bead"]


def test_ties_go_to_the_later_line():
    first, second = bead("gt-a", "first", updated_at=T1), bead("gt-a", "second", updated_at=T1)
    out = merged(b"", ledger(line(first), line(second)), b"")
    assert json.loads(out["gt-a"])["title"] == "second"


def test_a_duplicated_base_is_one_ancestor():
    copy1 = bead("gt-a", labels=["old"], updated_at=T1)
    copy2 = bead("gt-a", labels=["dup"], updated_at=T2)
    base = ledger(line(copy1), line(copy2))
    changed = bead("gt-a", "theirs retitled", labels=["dup", "old"], updated_at=T3)
    notes: list[str] = []
    # ours still holds both copies (unchanged); theirs collapsed them and retitled
    out = merged(base, base, ledger(odd(changed)), notes)
    assert out == {"gt-a": odd(changed)}
    assert [n.split(": ")[2].split()[0] for n in notes] == ["base", "ours"]
    # ours dropped the bead: it was unchanged on theirs (the collapsed base), so it goes
    assert merged(base, ledger(), ledger(line(copy1), line(copy2))) == {}


def test_status_of_duplicates_follows_the_closing_copy():
    open_copy = bead("gt-a", status="in_progress", updated_at=T3)
    closed = bead("gt-a", status="closed", closed_at=T2, close_reason="done", updated_at=T2)
    got = json.loads(merged(b"", ledger(line(closed), line(open_copy)), b"")["gt-a"])
    assert (got["status"], got["close_reason"], got["updated_at"]) == ("closed", "done", T3)


# -- the corpus: bd merge over recorded inputs ---------------------------------------

def corpus_cases() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", corpus_cases())
def test_corpus(case: str, tmp_path: Path):
    """Each case: base/ours/theirs.jsonl, the wanted result, the wanted warnings."""
    src = CORPUS / case
    out = tmp_path / "ours"
    out.write_bytes((src / "ours.jsonl").read_bytes())
    result = run_process("bd", "merge", str(out), str(src / "base.jsonl"), str(out),
                         str(src / "theirs.jsonl"), WORK, cwd=tmp_path)
    result.assert_success()
    assert out.read_bytes() == (src / "want.jsonl").read_bytes()
    assert result.err.splitlines() == (src / "want.stderr").read_text().splitlines()


def test_corpus_is_not_empty_and_every_case_has_a_duplicate():
    cases = corpus_cases()
    assert len(cases) >= 4
    for case in cases:
        assert "times (lines" in (CORPUS / case / "want.stderr").read_text()


# -- with real git ---------------------------------------------------------------------

def rewrite(root: Path, edit) -> None:
    """Hand-edit beads/work.jsonl (a list of decoded beads in, lines out) and commit."""
    path = root / WORK
    beads = [json.loads(x) for x in path.read_bytes().split(b"\n") if x]
    path.write_bytes(b"".join(codec.dumps(b) + b"\n" for b in edit(beads)))
    git_out(root, "commit", "-q", "--no-verify", "-am", "hand edit")


def find(beads: list[dict], bid: str) -> dict:
    return next(b for b in beads if b["id"] == bid)


@pytest.mark.parametrize("driver", ["bd merge %A %O %A %B %P", "bd merge %A %O %A %B"],
                         ids=["with-path", "older-setting"])
def test_git_merges_duplicate_ids_in_base_ours_and_theirs(town, bd, tmp_path, driver):
    x = make(bd, "shared work")
    y = make(bd, "other work")
    # the base already holds x twice (the second copy labelled and later)
    rewrite(town.root, lambda bs: [*bs, {**find(bs, x), "labels": ["dup"], "updated_at": LATER}])
    a, b = clone(town, tmp_path / "a", driver), clone(town, tmp_path / "b", driver)
    # theirs (a): y written twice, the later copy retitled
    rewrite(a, lambda bs: [*bs, {**find(bs, y), "title": "y from a", "updated_at": LATER}])
    # ours (b): x collapsed by hand and closed; a new bead gt-zz written twice
    rewrite(b, lambda bs: [*(c for c in bs if c["id"] != x),
                           {**find(bs, x), "labels": ["dup"], "status": "closed",
                            "closed_at": LATEST, "updated_at": LATEST},
                           *[{**find(bs, y), "id": "gt-zz", "title": "z from b"}] * 2])

    proc = pull(b, a)
    err = proc.stderr
    assert f"bd merge: {WORK}: base has {x} 2 times" in err
    assert f"bd merge: {WORK}: theirs has {y} 2 times" in err
    assert f"bd merge: {WORK}: ours has gt-zz 2 times" in err
    assert ".merge_file" not in err
    beads = assert_clean_ledger(b, bd)
    assert set(beads) == {x, y, "gt-zz"}
    assert beads[x]["status"] == "closed" and beads[x]["labels"] == ["dup"]
    assert beads[y]["title"] == "y from a"


def test_doctor_updates_a_driver_setting_without_the_path(town, gt):
    git_out(town.root, "config", "merge.beads.driver", "bd merge %A %O %A %B")
    out = gt("doctor").assert_failure(1).out
    assert "merge.beads.driver passes no %P" in out
    gt("doctor", "--fix").assert_success()
    assert git_out(town.root, "config", "merge.beads.driver").endswith(" %A %O %A %B %P")
    gt("doctor").assert_success()
