"""Corrupt ledgers committed behind the hooks' back: every command names file:line, and
nothing is ever rewritten."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import git_out, run_process


def bead(bid: str, **fields: object) -> bytes:
    return json.dumps({"id": bid, "title": f"title of {bid}", **fields},
                      ensure_ascii=False).encode()


A, B, C = bead("gt-a"), bead("gt-b"), bead("gt-c")
NO_EOL = b"<no newline at end of file>"  # a marker, never written

# name -> ({stem: lines}, the file:line reported, a fragment of the reason)
CORPUS: dict[str, tuple[dict[str, list[bytes]], str, str]] = {
    "bad json": ({"work": [A, b'{"id": "gt-b", "title": }', C]}, "work:2", "bad JSON"),
    "json array": ({"work": [A, B, b"[1, 2]"]}, "work:3", "not a JSON object (got list)"),
    "json number": ({"work": [b"42", A]}, "work:1", "not a JSON object (got int)"),
    "json string": ({"work": [A, b'"gt-b"']}, "work:2", "not a JSON object (got str)"),
    "missing id": ({"work": [A, b'{"title": "no id"}']}, "work:2", "missing id"),
    "id with spaces": ({"work": [A, bead("gt b c")]}, "work:2", "unsafe id 'gt b c'"),
    "id escaping": ({"work": [bead("../x"), A]}, "work:1", "unsafe id '../x'"),
    "empty id": ({"work": [A, B, bead("")]}, "work:3", "missing id"),
    "id not a string": ({"work": [A, b'{"id": 7, "title": "t"}']}, "work:2", "missing id"),
    "duplicate id": ({"work": [A, B, bead("gt-a", priority=1)]}, "work:3",
                     "duplicate id gt-a (first on line 1)"),
    "duplicate across files": (
        {"work": [A, B], "agents": [bead("gt-c", issue_type="agent"),
                                    bead("gt-b", issue_type="agent")]},
        "agents:2", "duplicate id gt-b (also in beads/work.jsonl)"),
    "unknown status": ({"work": [A, bead("gt-b", status="bogus")]}, "work:2",
                       "gt-b: unknown status 'bogus'"),
    "priority 7": ({"work": [bead("gt-a", priority=7)]}, "work:1",
                   "gt-a: priority 7 out of range 0-4"),
    "priority -1": ({"work": [A, bead("gt-b", priority=-1)]}, "work:2",
                    "gt-b: priority -1 out of range 0-4"),
    "priority high": ({"work": [A, bead("gt-b", priority="high")]}, "work:2",
                      "gt-b: priority must be an integer 0-4, got 'high'"),
    "priority 1.5": ({"work": [A, bead("gt-b", priority=1.5)]}, "work:2",
                     "gt-b: priority must be an integer 0-4, got 1.5"),
    "priority true": ({"work": [A, bead("gt-b", priority=True)]}, "work:2",
                      "gt-b: priority must be an integer 0-4, got True"),
    "empty title": ({"work": [A, b'{"id": "gt-b", "title": ""}']}, "work:2",
                    "gt-b: empty title"),
    "blank title": ({"work": [A, b'{"id": "gt-b", "title": " \\t "}']}, "work:2",
                    "gt-b: empty title"),
    "no title": ({"work": [b'{"id": "gt-a"}']}, "work:1", "gt-a: empty title"),
    "conflict markers": ({"work": [A, b"<<<<<<< HEAD", B, b"=======", bead("gt-b", priority=1),
                                   b">>>>>>> theirs"]}, "work:2", "git conflict marker"),
    "conflict separator only": ({"work": [A, B, b"======="]}, "work:3", "git conflict marker"),
    "agent in work": ({"work": [A, bead("gt-mayor", issue_type="agent")]}, "work:2",
                      "gt-mayor is a 'agent' bead; it belongs in beads/agents.jsonl"),
    "task in mail": ({"mail": [bead("gt-m", issue_type="message"), bead("gt-t")]}, "mail:2",
                     "gt-t is a 'task' bead; it belongs in beads/work.jsonl"),
    "NaN": ({"work": [A, b'{"id": "gt-b", "title": "t", "estimate": NaN}']}, "work:2",
            "bad JSON"),
    "Infinity priority": ({"work": [b'{"id": "gt-b", "title": "t", "priority": Infinity}']},
                          "work:1", "bad JSON"),
    "number out of range": ({"work": [A, b'{"id": "gt-b", "title": "t", "x": 1e400}']},
                            "work:2", "bad JSON"),
    "truncated last line": ({"work": [A, B, b'{"id": "gt-c", "title": "cut sh', NO_EOL]}, "work:3",
                            "bad JSON"),
    "not utf-8": ({"work": [A, b'{"id": "gt-b", "title": "\xff\xfe"}']}, "work:2",
                  "bad JSON"),
    # Line numbers count blank lines, and U+2028 inside a string is not a line break.
    "after blanks and U+2028": ({"work": [bead("gt-a", title="one\u2028two\u2029three"), b"",
                                          b"   ", B, b"{oops"]}, "work:5", "bad JSON"),
    "crlf lines": ({"work": [A + b"\r", B + b"\r", b'{"id": "gt-c"}\r']}, "work:3",
                   "gt-c: empty title"),
    "labels not strings": ({"work": [A, bead("gt-b", labels=["ok", 3])]}, "work:2",
                           "gt-b: labels must be a list of strings"),
    "dependency without target": ({"work": [A, bead("gt-b", dependencies=[{"type": "blocks"}])]},
                                  "work:2", "gt-b: each dependency needs a depends_on_id"),
    "bad molecule file": ({"molecules": [bead("gt-mol", issue_type="molecule", priority=9)]},
                          "molecules:1", "gt-mol: priority 9 out of range 0-4"),
}


def _write_and_commit(town, files: dict[str, list[bytes]]) -> dict[str, bytes]:
    written = {}
    for stem, lines in files.items():
        if lines[-1] is NO_EOL:
            data = b"\n".join(lines[:-1])
        else:
            data = b"\n".join(lines) + b"\n"
        (town.beads / f"{stem}.jsonl").write_bytes(data)
        written[stem] = data
    git_out(town.root, "add", "--", *[f"beads/{s}.jsonl" for s in files])
    git_out(town.root, "commit", "-q", "--no-verify", "-m", "hand edit")
    return written


def _ledger_bytes(town) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(town.beads.glob("*.jsonl"))}


@pytest.mark.parametrize("case", list(CORPUS), ids=list(CORPUS))
def test_corrupt_ledgers_are_reported_by_file_and_line_and_never_rewritten(town, bd, case):
    files, where, fragment = CORPUS[case]
    _write_and_commit(town, files)
    stem, line = where.split(":")
    expected = f"beads/{stem}.jsonl:{line}: {fragment}"
    before = _ledger_bytes(town)
    head = git_out(town.root, "rev-parse", "HEAD")
    for argv in (("list",), ("list", "--json", "--limit", "0"), ("ready",), ("blocked",),
                 ("create", "a new bead"), ("show", "gt-a")):
        out = bd(*argv)
        assert out.code == 1, (argv, out.code, out.out, out.err)
        assert expected in out.err, (argv, out.err)
        assert "Traceback" not in out.err and "internal error" not in out.err, out.err
        assert _ledger_bytes(town) == before, f"bd {' '.join(argv)} rewrote the ledger"
    assert git_out(town.root, "rev-parse", "HEAD") == head
    assert git_out(town.root, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_real_process_reports_the_same(town):
    _write_and_commit(town, {"work": [A, B, bead("gt-c", priority="high")]})
    before = _ledger_bytes(town)
    for argv in (("list",), ("ready",), ("create", "x")):
        out = run_process("bd", *argv, cwd=town.root)
        assert out.code == 1, out
        assert "beads/work.jsonl:3: gt-c: priority must be an integer 0-4, got 'high'" in out.err
        assert "Traceback" not in out.err
    assert _ledger_bytes(town) == before


def test_dangling_dependencies_and_cycles_are_only_warnings(town, bd):
    files = {"work": [
        bead("gt-a", dependencies=[{"depends_on_id": "gt-gone", "type": "blocks"}]),
        bead("gt-b", dependencies=[{"depends_on_id": "gt-c", "type": "blocks"}]),
        bead("gt-c", dependencies=[{"depends_on_id": "gt-b", "type": "parent-child"}]),
        bead("gt-d"),
    ]}
    _write_and_commit(town, files)
    for _ in range(2):  # the second read is served from the index
        out = bd("list", "--json", "--limit", "0").assert_success()
        assert {b["id"] for b in out.json()} == {"gt-a", "gt-b", "gt-c", "gt-d"}
        assert "warning: beads/work.jsonl:1: gt-a depends on missing bead gt-gone" in out.err
        assert "warning: dependency cycle: gt-b -> gt-c -> gt-b" in out.err, out.err
    ready = bd("ready", "--json").assert_success()
    # gt-gone is missing, so it blocks nobody; b and c block each other.
    assert [b["id"] for b in ready.json()] == ["gt-a", "gt-d"]
    assert "warning:" in ready.err
    new = bd("create", "still writable", "--silent").assert_success().out.strip()
    lines = (town.beads / "work.jsonl").read_bytes().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids) and new in ids
    assert [line for line, i in zip(lines, ids) if i != new] == files["work"], \
        "untouched lines must stay byte-identical"
    assert git_out(town.root, "status", "--porcelain") == ""


def test_uncommitted_hand_edit_makes_writes_refuse_and_is_left_alone(town, bd):
    bead_id = bd("create", "original", "--silent").assert_success().out.strip()
    path = town.beads / "work.jsonl"
    edited = path.read_bytes().replace(b'"original"', b'"edited by hand"')
    path.write_bytes(edited)
    head = git_out(town.root, "rev-parse", "HEAD")
    for argv in (("create", "another"), ("update", bead_id, "-p", "0"), ("close", bead_id)):
        out = bd(*argv).assert_failure(1)
        assert "beads/work.jsonl has uncommitted changes" in out.err, out.err
        assert "git checkout -- beads/work.jsonl" in out.err
        assert "Traceback" not in out.err
        assert path.read_bytes() == edited
    assert git_out(town.root, "rev-parse", "HEAD") == head
    # Still an unstaged edit of that one file: nothing staged, nothing else touched.
    assert git_out(town.root, "diff", "--name-only") == "beads/work.jsonl"
    assert git_out(town.root, "diff", "--cached", "--name-only") == ""
    assert git_out(town.root, "status", "--porcelain") == "M beads/work.jsonl"
    # Reads still see the edit (it is valid), and once committed, writes go on.
    assert bd("show", bead_id, "--json").assert_success().json()["title"] == "edited by hand"
    subprocess.run(["git", "commit", "-q", "--no-verify", "-am", "hand edit"], cwd=town.root,
                   check=True)
    bd("create", "another", "--silent").assert_success()


def test_staged_hand_edit_also_refuses(town, bd):
    bd("create", "original", "--silent").assert_success()
    path = town.beads / "work.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"original"', b'"staged edit"'))
    git_out(town.root, "add", "beads/work.jsonl")
    staged = path.read_bytes()
    out = bd("create", "another").assert_failure(1)
    assert "beads/work.jsonl has uncommitted changes" in out.err
    assert path.read_bytes() == staged
    assert git_out(town.root, "diff", "--cached", "--name-only") == "beads/work.jsonl"
    assert git_out(town.root, "diff", "--name-only") == ""


def test_uncommitted_corrupt_edit_is_reported_by_line_and_left_alone(town, bd):
    bd("create", "original", "--silent").assert_success()
    path = town.beads / "work.jsonl"
    corrupt = path.read_bytes() + b'{"id": "gt-x", "title": "half\n'
    path.write_bytes(corrupt)
    for argv in (("create", "another"), ("list",)):
        out = bd(*argv).assert_failure(1)
        assert "beads/work.jsonl:2: bad JSON" in out.err, out.err
        assert path.read_bytes() == corrupt
