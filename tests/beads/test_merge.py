"""`bd merge`: the bead-level git merge driver, rule by rule, then with real git."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gastown.beads import codec, ids
from gastown.beads.merge import merge_bead, merge_lines
from gastown.errors import LedgerError
from gastown.town.install import MERGE_ARGS
from tests.conftest import git_out, run_process

T0, T1, T2, T3 = (f"2024-05-0{d}T10:00:00.000000Z" for d in (1, 2, 3, 4))


def bead(bid: str, title: str = "t", **fields) -> dict:
    out = {"id": bid, "title": title, "status": "open", "priority": 2, "issue_type": "task",
           "created_at": T0, "created_by": "tester", "updated_at": T0}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def line(b: dict) -> bytes:
    return codec.dumps(b)


def odd(b: dict) -> bytes:
    """A valid but non-canonical line: spaces, reversed key order."""
    return json.dumps(dict(reversed(list(b.items())))).encode()


def ledger(*lines: bytes) -> bytes:
    return b"".join(x + b"\n" for x in lines)


def merged(base: bytes, left: bytes, right: bytes, notes: list[str] | None = None
           ) -> dict[str, bytes]:
    out = merge_lines(base, left, right, notes=notes)
    assert out == b"" or out.endswith(b"\n")
    rows = list(codec.iter_beads("out", out))
    got = [r[3]["id"] for r in rows]
    assert got == sorted(set(got)), "output must be sorted with unique ids"
    return {r[3]["id"]: r[2] for r in rows}


def merged_beads(base: bytes, left: bytes, right: bytes) -> dict[str, dict]:
    return {k: json.loads(v) for k, v in merged(base, left, right).items()}


# -- whole-bead rules ----------------------------------------------------------------

def test_added_on_one_side_is_kept_byte_exact():
    a, b = bead("gt-a"), bead("gt-b")
    out = merged(b"", ledger(odd(a)), ledger(odd(b)))
    assert out == {"gt-a": odd(a), "gt-b": odd(b)}


def test_unchanged_on_both_sides_keeps_lefts_bytes():
    a = bead("gt-a")
    assert merged(ledger(line(a)), ledger(odd(a)), ledger(line(a))) == {"gt-a": odd(a)}


def test_changed_on_one_side_is_taken_exactly_as_written():
    a = bead("gt-a", notes="n")
    changed = {"title": "new", "id": "gt-a", "weird": [1, 2.0, None]}  # keys dropped too
    for left, right in ((odd(changed), line(a)), (line(a), odd(changed))):
        out = merged(ledger(line(a)), ledger(left), ledger(right))
        assert out["gt-a"] == odd(changed)


def test_reencoding_the_same_value_is_not_a_change():
    a = bead("gt-a")
    b = bead("gt-a", title="retitled", updated_at=T1)
    out = merged(ledger(line(a)), ledger(odd(a)), ledger(odd(b)))
    assert out["gt-a"] == odd(b)


def test_same_addition_or_same_change_on_both_sides_is_one_copy():
    a = bead("gt-a")
    out = merged(b"", ledger(line(a)), ledger(odd(a)))
    assert out == {"gt-a": line(a)}
    b = bead("gt-a", title="both", updated_at=T1)
    assert merged(ledger(line(a)), ledger(odd(b)), ledger(line(b))) == {"gt-a": odd(b)}


def test_deletions():
    a, b, c = bead("gt-a"), bead("gt-b"), bead("gt-c")
    base = ledger(line(a), line(b), line(c))
    b2 = bead("gt-b", status="closed", closed_at=T1, updated_at=T1)
    # left deletes a (right unchanged) and b (right changed it); both delete c
    out = merged(base, ledger(), ledger(line(a), odd(b2)))
    assert out == {"gt-b": odd(b2)}
    # mirrored
    out = merged(base, ledger(line(a), odd(b2)), ledger())
    assert out == {"gt-b": odd(b2)}


def test_empty_inputs():
    assert merge_lines(b"", b"", b"") == b""
    a = bead("gt-a")
    assert merge_lines(ledger(line(a)), b"", b"") == b""


def test_output_is_sorted_lf_and_normalises_crlf_and_blank_lines():
    a, b, c = bead("gt-a"), bead("gt-b"), bead("gt-c")
    left = odd(c) + b"\r\n\r\n" + line(a) + b"\r\n"
    out = merge_lines(b"", left, ledger(line(b)))
    assert out == ledger(line(a), line(b), odd(c))


def test_deterministic():
    base = ledger(line(bead("gt-a", labels=["x"])))
    left = ledger(line(bead("gt-a", labels=["p", "q", "x"], updated_at=T1)))
    right = ledger(line(bead("gt-a", labels=["r", "s"], updated_at=T2)))
    assert len({merge_lines(base, left, right) for _ in range(5)}) == 1


# -- field-level merge ---------------------------------------------------------------

def both(base: dict, left: dict, right: dict) -> dict:
    out = merged_beads(ledger(line(base)), ledger(line(left)), ledger(line(right)))
    assert merge_bead(base, left, right) == out[base["id"]]
    return out[base["id"]]


def test_different_fields_on_each_side_merge():
    base = bead("gt-a", description="d")
    left = bead("gt-a", title="left title", description="d", updated_at=T1)
    right = bead("gt-a", description="d2", assignee="bob", updated_at=T2)
    got = both(base, left, right)
    assert (got["title"], got["description"], got["assignee"]) == ("left title", "d2", "bob")
    assert got["updated_at"] == T2


def test_a_removal_on_one_side_is_a_change():
    base = bead("gt-a", assignee="bob")
    got = both(base, bead("gt-a", updated_at=T1), bead("gt-a", assignee="bob", title="x",
                                                              updated_at=T2))
    assert "assignee" not in got and got["title"] == "x"


def test_closed_wins_and_brings_its_close_fields():
    base = bead("gt-a")
    closer = bead("gt-a", status="closed", closed_at=T1, close_reason="done", updated_at=T1)
    worker = bead("gt-a", status="in_progress", assignee="bob", updated_at=T3)
    for left, right in ((closer, worker), (worker, closer)):
        got = both(base, left, right)
        assert (got["status"], got["closed_at"], got["close_reason"]) == ("closed", T1, "done")
        assert got["assignee"] == "bob" and got["updated_at"] == T3


def test_status_otherwise_goes_to_the_later_side_ties_left():
    base = bead("gt-a", status="closed", closed_at=T0, close_reason="old")
    reopened = bead("gt-a", status="open", updated_at=T1)
    blocked = bead("gt-a", status="blocked", updated_at=T2)
    got = both(base, reopened, blocked)
    assert got["status"] == "blocked" and "closed_at" not in got and "close_reason" not in got
    assert both(base, blocked, reopened)["status"] == "blocked"
    tie = bead("gt-a", status="deferred", updated_at=T2)
    assert both(base, tie, blocked)["status"] == "deferred"
    assert both(base, blocked, tie)["status"] == "blocked"


def test_both_close_takes_the_later_close_whole():
    base = bead("gt-a")
    first = bead("gt-a", status="closed", closed_at=T1, close_reason="first", updated_at=T1)
    second = bead("gt-a", status="closed", closed_at=T2, close_reason="second", updated_at=T2)
    got = both(base, second, first)
    assert (got["closed_at"], got["close_reason"]) == (T2, "second")


def test_one_sided_reopen_against_other_edit():
    base = bead("gt-a", status="closed", closed_at=T0, close_reason="done")
    reopened = bead("gt-a", status="open", updated_at=T1)
    edited = bead("gt-a", status="closed", closed_at=T0, close_reason="done", title="x",
                  updated_at=T2)
    got = both(base, reopened, edited)
    assert got["status"] == "open" and "closed_at" not in got and got["title"] == "x"


def test_priority_more_urgent_wins():
    base = bead("gt-a", priority=2)
    assert both(base, bead("gt-a", priority=3, updated_at=T2),
                bead("gt-a", priority=1, updated_at=T1))["priority"] == 1
    assert both(base, bead("gt-a", priority=0, updated_at=T1),
                bead("gt-a", priority=4, updated_at=T2))["priority"] == 0


def test_labels_merge_as_sets_with_adds_and_removes():
    base = bead("gt-a", labels=["keep", "drop-l", "drop-r"])
    left = bead("gt-a", labels=["add-l", "drop-r", "keep"], updated_at=T1)
    right = bead("gt-a", labels=["add-r", "drop-l", "keep"], updated_at=T2)
    assert both(base, left, right)["labels"] == ["add-l", "add-r", "keep"]
    gone = both(bead("gt-a", labels=["x", "y"]), bead("gt-a", labels=["y"], updated_at=T1),
                bead("gt-a", labels=["x"], updated_at=T2))
    assert "labels" not in gone


def dep(on: str, kind: str = "blocks", **more) -> dict:
    return {"issue_id": "gt-a", "depends_on_id": on, "type": kind, **more}


def test_dependencies_merge_as_sets_keyed_by_target_and_type():
    base = bead("gt-a", dependencies=[dep("gt-k"), dep("gt-l"), dep("gt-r"),
                                      dep("gt-k", "related")])
    left = bead("gt-a", dependencies=[dep("gt-k"), dep("gt-r"), dep("gt-k", "related"),
                                      dep("gt-new-l", "discovered-from")], updated_at=T1)
    right = bead("gt-a", dependencies=[dep("gt-k"), dep("gt-l"), dep("gt-new-r"),
                                       dep("gt-k", "related", created_by="x")], updated_at=T2)
    got = both(base, left, right)
    assert got["dependencies"] == [dep("gt-k"), dep("gt-k", "related", created_by="x"),
                                   dep("gt-new-l", "discovered-from"), dep("gt-new-r")]


def test_comments_are_the_union_ordered_by_time():
    c0 = {"author": "a", "text": "zero", "created_at": T0}
    c1 = {"author": "a", "text": "one", "created_at": T1}
    c2 = {"author": "b", "text": "two", "created_at": T2}
    c3 = {"author": "b", "text": "three", "created_at": T3}
    base = bead("gt-a", comments=[c0])
    got = both(base, bead("gt-a", comments=[c0, c3, c1], updated_at=T3),
               bead("gt-a", comments=[c0, c2], updated_at=T2))
    assert got["comments"] == [c0, c1, c2, c3]


def test_notes_keep_both_texts():
    def notes(b, lt, rt):
        return both(bead("gt-a", notes=b), bead("gt-a", notes=lt, updated_at=T1),
                    bead("gt-a", notes=rt, updated_at=T2)).get("notes")

    assert notes("base", "base\nleft", "base\nright") == "base\nleft\nright"
    assert notes(None, "left", "right") == "left\nright"
    assert notes("base", "left rewrote", "right rewrote") == "left rewrote\nright rewrote"
    assert notes("base", "base\nmore", "base\nmore\nand more") == "base\nmore\nand more"
    assert notes("base", None, "base\nright") == "base\nright"  # clearing loses


def test_other_fields_go_to_the_later_side_and_unknown_fields_survive():
    base = bead("gt-a", x_custom={"v": 0}, description="d")
    left = bead("gt-a", title="L", x_custom={"v": 1}, x_left="kept", description="dl",
                updated_at=T2)
    right = bead("gt-a", title="R", x_custom={"v": 2}, x_right="kept", description="dr",
                 updated_at=T1)
    got = both(base, left, right)
    assert (got["title"], got["x_custom"], got["description"]) == ("L", {"v": 1}, "dl")
    assert got["x_left"] == got["x_right"] == "kept" and got["updated_at"] == T2
    tie = both(base, bead("gt-a", title="L", updated_at=T1), bead("gt-a", title="R",
                                                                   updated_at=T1))
    assert tie["title"] == "L"


def test_timestamps_compare_as_instants():
    base = bead("gt-a")
    left = bead("gt-a", title="L", updated_at="2024-05-01T12:00:00+02:00")  # 10:00Z
    right = bead("gt-a", title="R", updated_at="2024-05-01T11:00:00Z")
    got = both(base, left, right)
    assert got["title"] == "R" and got["updated_at"] == "2024-05-01T11:00:00Z"


def test_merged_bead_is_written_canonically():
    base = bead("gt-a")
    out = merged(ledger(line(base)), ledger(odd(bead("gt-a", title="L", updated_at=T1))),
                 ledger(odd(bead("gt-a", priority=0, updated_at=T2))))
    assert out["gt-a"] == line(bead("gt-a", title="L", priority=0, updated_at=T2))


def test_added_on_both_sides_with_different_content_merges_fields():
    left = bead("gt-top", labels=["l"], updated_at=T1, notes="from left")
    right = bead("gt-top", labels=["r"], priority=1, updated_at=T2, notes="from right")
    got = merged_beads(b"", ledger(line(left)), ledger(line(right)))
    assert list(got) == ["gt-top"]
    top = got["gt-top"]
    assert (top["labels"], top["priority"], top["notes"]) == (["l", "r"], 1,
                                                              "from left\nfrom right")


# -- child id collisions -------------------------------------------------------------

def child(bid: str, title: str, created: str, parent: str, **more) -> dict:
    fields = {"created_at": created, "updated_at": created,
              "dependencies": [{"issue_id": bid, "depends_on_id": parent,
                                "type": "parent-child"}], **more}
    return bead(bid, title, **fields)


def test_child_collision_renames_rights_bead_and_its_references():
    epic = bead("gt-e", issue_type="epic")
    base = ledger(line(epic), line(bead("gt-e.1")), line(bead("gt-other")))
    mine = child("gt-e.2", "mine", T1, "gt-e")
    theirs = child("gt-e.2", "theirs", T2, "gt-e")
    grandkid = child("gt-e.2.1", "grandkid", T2, "gt-e.2")
    blocked = bead("gt-z", "needs theirs", created_at=T2,
                   dependencies=[{"issue_id": "gt-z", "depends_on_id": "gt-e.2.1"}])
    other = bead("gt-other", updated_at=T2,
                 dependencies=[{"issue_id": "gt-other", "depends_on_id": "gt-e.2"}])
    left = ledger(line(epic), line(bead("gt-e.1")), line(mine), line(bead("gt-other")))
    right = ledger(line(epic), line(bead("gt-e.1")), line(theirs), odd(grandkid),
                   line(other), line(blocked))
    notes: list[str] = []
    out = merged(base, left, right, notes)
    assert notes == ["bd merge: ledger: renamed theirs' gt-e.2 -> gt-e.3 (both sides created "
                     "gt-e.2)", "bd merge: ledger: renamed theirs' gt-e.2.1 -> gt-e.3.1 (inside "
                     "gt-e.2)"]
    assert sorted(out) == ["gt-e", "gt-e.1", "gt-e.2", "gt-e.3", "gt-e.3.1", "gt-other",
                           "gt-z"]
    assert out["gt-e.2"] == line(mine)
    got = {k: json.loads(v) for k, v in out.items()}
    assert got["gt-e.3"]["title"] == "theirs"
    assert got["gt-e.3"]["dependencies"][0] == {"issue_id": "gt-e.3", "depends_on_id": "gt-e",
                                                "type": "parent-child"}
    assert got["gt-e.3.1"]["title"] == "grandkid"
    assert got["gt-e.3.1"]["dependencies"][0]["issue_id"] == "gt-e.3.1"
    assert got["gt-e.3.1"]["dependencies"][0]["depends_on_id"] == "gt-e.3"
    assert got["gt-z"]["dependencies"][0]["depends_on_id"] == "gt-e.3.1"
    assert got["gt-other"]["dependencies"][0]["depends_on_id"] == "gt-e.3"


def test_rename_skips_numbers_used_anywhere():
    epic = bead("gt-e")
    left = ledger(line(epic), line(child("gt-e.1", "l", T1, "gt-e")),
                  line(child("gt-e.5", "l5", T1, "gt-e")))
    right = ledger(line(epic), line(child("gt-e.1", "r", T2, "gt-e")),
                   line(child("gt-e.2", "r2", T2, "gt-e")))
    notes: list[str] = []
    out = merged(ledger(line(epic)), left, right, notes)
    assert sorted(out) == ["gt-e", "gt-e.1", "gt-e.2", "gt-e.5", "gt-e.6"]
    assert json.loads(out["gt-e.6"])["title"] == "r"
    assert notes == ["bd merge: ledger: renamed theirs' gt-e.1 -> gt-e.6 (both sides created "
                     "gt-e.1)"]


def test_the_same_child_on_both_sides_is_not_renamed():
    epic = bead("gt-e")
    left = child("gt-e.1", "same", T1, "gt-e", labels=["l"])
    right = child("gt-e.1", "same", T1, "gt-e", labels=["r"], updated_at=T2)
    notes: list[str] = []
    out = merged(ledger(line(epic)), ledger(line(epic), line(left)),
                 ledger(line(epic), line(right)), notes)
    assert notes == [] and sorted(out) == ["gt-e", "gt-e.1"]
    assert json.loads(out["gt-e.1"])["labels"] == ["l", "r"]


def test_different_creator_counts_as_a_different_bead():
    epic = bead("gt-e")
    left = child("gt-e.1", "same", T1, "gt-e")
    right = child("gt-e.1", "same", T1, "gt-e", created_by="other")
    out = merged(b"", ledger(line(epic), line(left)), ledger(line(epic), line(right)))
    assert sorted(out) == ["gt-e", "gt-e.1", "gt-e.2"]


# -- bad input -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    (b'{"id": "gt-a", "title": "x"\n', "bad JSON"),
    (b"[1, 2]\n", "not a JSON object"),
    (b'{"id": "gt-a", "title": ""}\n', "empty title"),
    (b"<<<<<<< HEAD\n", "conflict marker"),
])
def test_unreadable_input_names_file_line_and_side(text, reason):
    good = ledger(line(bead("gt-ok")))
    for which, side in enumerate(("base", "ours", "theirs")):
        args = [good, good, good]
        args[which] = good + text
        with pytest.raises(LedgerError) as e:
            merge_lines(*args, name="beads/work.jsonl")
        assert str(e.value).startswith("beads/work.jsonl:2: ") and reason in str(e.value)
        assert str(e.value).endswith(f"({side})")


# -- the command -----------------------------------------------------------------------

def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_bd_merge_writes_out_and_reports_renames(tmp_path, bd):
    epic = bead("gt-e")
    out = write(tmp_path / "ours", ledger(line(epic), line(child("gt-e.1", "l", T1, "gt-e"))))
    right = write(tmp_path / "theirs",
                  ledger(line(epic), line(child("gt-e.1", "r", T2, "gt-e"))))
    result = bd("merge", out, str(tmp_path / "no-base"), out, right, "beads/work.jsonl",
                cwd=tmp_path)
    result.assert_success()
    assert ("bd merge: beads/work.jsonl: renamed theirs' gt-e.1 -> gt-e.2 (both sides created "
            "gt-e.1)") in result.err
    assert sorted(json.loads(x)["id"] for x in Path(out).read_bytes().splitlines()) == [
        "gt-e", "gt-e.1", "gt-e.2"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_bd_merge_on_corrupt_input_exits_1_and_leaves_out_alone(tmp_path):
    ours = ledger(line(bead("gt-a")))
    out = write(tmp_path / "ours", ours)
    base = write(tmp_path / "base", b"")
    right = write(tmp_path / "theirs", ledger(line(bead("gt-b"))) + b"{oops\n")
    result = run_process("bd", "merge", out, base, out, right, "beads/mq.jsonl", cwd=tmp_path)
    result.assert_failure(1)
    assert "beads/mq.jsonl:2: bad JSON" in result.err and result.err.strip().endswith("(theirs)")
    assert Path(out).read_bytes() == ours


def test_bd_merge_bytes_do_not_depend_on_the_hash_seed(tmp_path):
    import os

    base = ledger(line(bead("gt-a", labels=list("abcdef"))), line(bead("gt-e")))
    left = ledger(line(bead("gt-a", labels=list("abcghijk"), updated_at=T1,
                            dependencies=[dep(f"gt-l{i}") for i in range(6)])),
                  line(bead("gt-e")), line(child("gt-e.1", "l", T1, "gt-e")))
    right = ledger(line(bead("gt-a", labels=list("cdefmnop"), updated_at=T2,
                             dependencies=[dep(f"gt-r{i}") for i in range(6)])),
                   line(bead("gt-e")), line(child("gt-e.1", "r", T2, "gt-e")))
    results = set()
    for seed in ("1", "2", "3"):
        out = write(tmp_path / f"out{seed}", left)
        b, r = write(tmp_path / "base", base), write(tmp_path / "right", right)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run_process("bd", "merge", out, b, out, r, cwd=tmp_path, env=env).assert_success()
        results.add(Path(out).read_bytes())
    assert len(results) == 1 and results == {merge_lines(base, left, right)}


# -- with real git -------------------------------------------------------------------

def clone(town, dest: Path, driver: str = f"bd {MERGE_ARGS}") -> Path:
    subprocess.run(["git", "clone", "-q", str(town.root), str(dest)], check=True)
    for key, value in (("merge.beads.driver", driver),
                       ("merge.beads.name", "gastown bead-level merge"),
                       ("user.name", dest.name), ("user.email", f"{dest.name}@localhost")):
        git_out(dest, "config", key, value)
    return dest


def pull(into: Path, source: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", "pull", "-q", "--no-rebase", "--no-edit", str(source), "main"],
                          cwd=into, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def assert_clean_ledger(root: Path, bd) -> dict[str, dict]:
    assert git_out(root, "status", "--porcelain") == ""
    found: dict[str, dict] = {}
    for path in sorted((root / "beads").glob("*.jsonl")):
        data = path.read_bytes()
        assert b"<<<<<<<" not in data and b">>>>>>>" not in data
        rows = list(codec.iter_beads(str(path), data))
        got = [r[3]["id"] for r in rows]
        assert got == sorted(set(got))
        found.update({r[3]["id"]: r[3] for r in rows})
    bd("list", "--limit", "0", cwd=root).assert_success()
    return found


def make(bd, *args: str, cwd: Path | None = None) -> str:
    return bd("create", *args, "--silent", cwd=cwd).assert_success().out.strip()


def test_git_merges_concurrent_edits_bead_by_bead(town, bd, tmp_path):
    x = make(bd, "shared work", "-l", "base")
    y = make(bd, "other work", "-p", "3")
    z = make(bd, "doomed work")
    a, b = clone(town, tmp_path / "a"), clone(town, tmp_path / "b")
    # clone a: closes x, labels it, comments, adds a bead, deletes z by hand
    bd("close", x, "-r", "done in a", cwd=a).assert_success()
    bd("label", "add", x, "from-a", cwd=a).assert_success()
    bd("comments", "add", x, "a says hi", cwd=a).assert_success()
    new_a = make(bd, "made in a", cwd=a)
    work = a / "beads" / "work.jsonl"
    work.write_bytes(b"".join(ln + b"\n" for ln in work.read_bytes().splitlines()
                              if json.loads(ln)["id"] != z))
    git_out(a, "commit", "-q", "--no-verify", "-am", "drop z")
    # clone b: works on x (priority, label, comment, notes), retitles y
    bd("update", x, "-p", "0", "--add-label", "from-b", "--append-notes", "b notes",
       cwd=b).assert_success()
    bd("update", x, "--status", "in_progress", cwd=b).assert_success()
    bd("comments", "add", x, "b says hi", cwd=b).assert_success()
    bd("update", y, "--title", "other work, retitled", cwd=b).assert_success()
    y_line = next(ln for ln in (b / "beads" / "work.jsonl").read_bytes().splitlines()
                  if json.loads(ln)["id"] == y)
    new_b = make(bd, "made in b", cwd=b)

    pull(b, a)
    beads = assert_clean_ledger(b, bd)
    assert set(beads) == {x, y, new_a, new_b}
    got = beads[x]
    assert got["status"] == "closed" and got["close_reason"] == "done in a"
    assert got["priority"] == 0 and got["labels"] == ["base", "from-a", "from-b"]
    assert [c["text"] for c in got["comments"]] == ["a says hi", "b says hi"]
    assert got["notes"] == "b notes"
    assert y_line in (b / "beads" / "work.jsonl").read_bytes().splitlines()
    shown = bd("show", x, "--json", cwd=b).assert_success().json()
    assert shown["status"] == "closed"


def test_git_renames_a_child_id_minted_on_both_clones(town, bd, tmp_path):
    epic = make(bd, "the epic", "-t", "epic")
    make(bd, "first child", "--parent", epic)
    a, b = clone(town, tmp_path / "a"), clone(town, tmp_path / "b")
    from_a = make(bd, "child from a", "--parent", epic, cwd=a)
    grand_a = make(bd, "grandchild from a", "--parent", from_a, cwd=a)
    from_b = make(bd, "child from b", "--parent", epic, cwd=b)
    assert from_a == from_b == f"{epic}.2" and grand_a == f"{epic}.2.1"

    proc = pull(b, a)
    assert (f"bd merge: beads/work.jsonl: renamed theirs' {epic}.2 -> {epic}.3 (both sides "
            f"created {epic}.2)") in proc.stderr
    beads = assert_clean_ledger(b, bd)
    assert beads[f"{epic}.2"]["title"] == "child from b"
    assert beads[f"{epic}.3"]["title"] == "child from a"
    assert beads[f"{epic}.3.1"]["title"] == "grandchild from a"
    assert beads[f"{epic}.3.1"]["dependencies"][0]["depends_on_id"] == f"{epic}.3"
    tree = bd("dep", "tree", f"{epic}.3.1", "--json", cwd=b).assert_success().json()
    assert tree["deps"][0]["id"] == f"{epic}.3"
    # the next child minted after the merge does not collide either
    assert make(bd, "after", "--parent", epic, cwd=b) == f"{epic}.4"


# -- property: random concurrent edits always merge to a valid ledger ----------------

POOL = ("gt-aa", "gt-bb", "gt-cc", "gt-aa.1", "gt-aa.2", "gt-bb.1")
TIMES = (T0, T1, T2, T3)


@st.composite
def base_beads(draw) -> dict[str, dict]:
    chosen = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=len(POOL)))
    out = {}
    for bid in sorted(chosen):
        b = bead(bid, draw(st.sampled_from(["one", "two"])),
                 priority=draw(st.integers(0, 4)),
                 labels=draw(st.lists(st.sampled_from("xyz"), unique=True)) or None,
                 notes=draw(st.sampled_from([None, "n"])),
                 x_custom=draw(st.sampled_from([None, 1, {"k": [1]}])))
        out[bid] = b
    return out


def edit(draw, b: dict, others: list[str], side: str) -> dict | None:
    b = json.loads(json.dumps(b))
    for op in draw(st.lists(st.sampled_from(
            ["title", "priority", "close", "progress", "label+", "label-", "notes", "custom",
             "dep", "comment", "drop-field"]), min_size=1, max_size=4)):
        if op == "title":
            b["title"] = f"{side} title {draw(st.integers(0, 2))}"
        elif op == "priority":
            b["priority"] = draw(st.integers(0, 4))
        elif op == "close":
            b.update(status="closed", closed_at=draw(st.sampled_from(TIMES)),
                     close_reason=f"{side} done")
        elif op == "progress":
            b["status"] = "in_progress"
            b.pop("closed_at", None)
            b.pop("close_reason", None)
        elif op == "label+":
            b["labels"] = sorted(set(b.get("labels", [])) | {draw(st.sampled_from("xyzw"))})
        elif op == "label-" and b.get("labels"):
            b["labels"].remove(draw(st.sampled_from(b["labels"])))
            if not b["labels"]:
                del b["labels"]
        elif op == "notes":
            b["notes"] = (b.get("notes", "") + f"\n{side}").lstrip("\n")
        elif op == "custom":
            b["x_custom"] = draw(st.sampled_from([2, "s", [side]]))
        elif op == "dep" and others:
            target = draw(st.sampled_from(others))
            deps = [d for d in b.get("dependencies", []) if d["depends_on_id"] != target]
            b["dependencies"] = deps + [{"issue_id": b["id"], "depends_on_id": target,
                                         "type": draw(st.sampled_from(["blocks", "related"]))}]
        elif op == "comment":
            b["comments"] = b.get("comments", []) + [
                {"author": side, "text": draw(st.sampled_from(["hi", "yo"])),
                 "created_at": draw(st.sampled_from(TIMES))}]
        elif op == "drop-field":
            b.pop(draw(st.sampled_from(["notes", "x_custom", "labels"])), None)
    b["updated_at"] = draw(st.sampled_from(TIMES))
    return b


@st.composite
def scenario(draw):
    base = draw(base_beads())
    sides = []
    for side in ("left", "right"):
        beads = {}
        for bid, b in base.items():
            action = draw(st.sampled_from(["keep", "keep", "edit", "edit", "delete"]))
            if action == "keep":
                beads[bid] = b
            elif action == "edit":
                beads[bid] = edit(draw, b, sorted(base), side)
        for _ in range(draw(st.integers(0, 3))):
            parent = draw(st.sampled_from([None, *sorted(beads)]))
            if parent is None:
                bid = draw(st.sampled_from(["gt-new", "gt-dd"]))
            else:
                bid = ids.next_child(parent, beads)
            created = draw(st.sampled_from(TIMES))
            new = bead(bid, draw(st.sampled_from(["new", side])), created_at=created,
                       created_by=draw(st.sampled_from(["tester", side])), updated_at=created,
                       labels=draw(st.lists(st.sampled_from("xy"), unique=True)) or None)
            if parent is not None:
                new["dependencies"] = [{"issue_id": bid, "depends_on_id": parent,
                                        "type": "parent-child"}]
            beads[bid] = new
        sides.append(beads)
    encode = st.sampled_from([line, odd])
    enc = [{bid: draw(encode)(b) for bid, b in sorted(v.items())} for v in (base, *sides)]
    return base, sides[0], sides[1], enc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_random_concurrent_edits_always_merge_to_a_valid_ledger(case):
    base, left, right, (base_raw, left_raw, right_raw) = case
    files = [b"".join(v + b"\n" for v in raws.values()) for raws in (base_raw, left_raw,
                                                                       right_raw)]
    notes: list[str] = []
    out = merge_lines(*files, notes=notes)
    assert merge_lines(*files) == out  # deterministic
    rows = list(codec.iter_beads("out", out))
    got = [r[3]["id"] for r in rows]
    assert got == sorted(set(got))
    lines = {r[3]["id"]: r[2] for r in rows}
    renamed = {n.split()[5] for n in notes}  # RIGHT's old ids that moved
    for bid in sorted(set(base) | set(left) | set(right)):
        b, lt, rt = base.get(bid), left.get(bid), right.get(bid)
        touches_rename = any(old in right_raw.get(bid, b"").decode() for old in renamed)
        if b is not None:
            if lt is None and rt is None:
                assert bid not in lines
            elif lt is None or rt is None:
                kept = rt if lt is None else lt
                if kept == b:
                    assert bid not in lines  # deleted one side, unchanged the other
                elif lt is not None or not touches_rename:
                    raw = (right_raw if lt is None else left_raw)[bid]
                    assert lines[bid] == raw  # deleted one side, changed the other
            elif rt == b and lt is not None:
                assert lines[bid] == left_raw[bid]
            elif lt == b and not touches_rename:
                assert lines[bid] == right_raw[bid]
            else:
                assert bid in lines
        else:
            if rt is None:
                assert lines[bid] == left_raw[bid]
            elif lt is None and not touches_rename and bid not in renamed:
                assert lines[bid] == right_raw[bid]
            elif lt is not None:
                assert bid in lines
    # every bead of LEFT is still there under its own id, unless LEFT-only deletion rules
    for bid in left:
        if bid not in base or left[bid] != base[bid]:
            assert bid in lines
