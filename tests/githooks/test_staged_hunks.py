"""apply_hunks over a real `git diff -U0` gives the rows a whole parse gives."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gastown.beads import snapshot
from gastown.beads.index import LENGTH, OFFSET
from gastown.githooks import staged


def _line(n: int, note: str = "") -> str:
    return json.dumps({"id": f"gt-{n:03d}", "title": f"bead {n}{note}"})


EDITS = st.lists(st.tuples(st.sampled_from(["insert", "delete", "change", "blank"]),
                           st.integers(0, 30)), max_size=8)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 12), EDITS)
def test_rows_through_hunks_equal_a_whole_parse(tmp_path: Path, size: int, edits) -> None:
    repo = tmp_path / f"r{size}-{abs(hash(tuple(edits)))}"
    (repo / "beads").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    old = [_line(n) for n in range(size)]
    path = repo / "beads" / "work.jsonl"
    path.write_text("".join(f"{x}\n" for x in old))
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a",
                    "--allow-empty"], cwd=repo, check=True)
    new = list(old)
    fresh = 100
    for kind, at in edits:
        at = at % (len(new) + 1)
        if kind == "insert" or not new:
            new.insert(at, _line(fresh))
            fresh += 1
        elif kind == "blank":
            new.insert(at, "")
        elif kind == "delete":
            del new[at % len(new)]
        else:
            new[at % len(new)] = _line(fresh, " changed")
            fresh += 1
    path.write_text("".join(f"{x}\n" for x in new))
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    diff = subprocess.run(["git", "diff", "--cached", "-U0", "--text", "HEAD"], cwd=repo,
                          check=True, capture_output=True).stdout
    head_rows = snapshot.parse_file("work", "".join(f"{x}\n" for x in old).encode())
    problems: list = []
    hunks = staged.parse_hunks(diff).get("beads/work.jsonl", [])
    rows, _ = staged.apply_hunks("work", head_rows, hunks, problems)
    whole = snapshot.parse_file("work", path.read_bytes())

    def shape(rs):
        return [r[:OFFSET] + r[LENGTH + 1:] for r in rs]

    assert problems == []
    assert shape(rows) == shape(whole)


def _edited(old: list[str], edits: list[tuple[str, int]]) -> list[str]:
    new, fresh = list(old), 100
    for kind, at in edits:
        at = at % (len(new) + 1)
        if kind == "insert" or not new:
            new.insert(at, _line(fresh))
        elif kind == "blank":
            new.insert(at, "")
        elif kind == "delete":
            del new[at % len(new)]
        else:
            new[at % len(new)] = _line(fresh, " changed")
        fresh += 1
    return new


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 12), EDITS)
def test_rows_through_line_hunks_equal_a_whole_parse(size: int, edits) -> None:
    old = [_line(n) for n in range(size)]
    old_data = "".join(f"{x}\n" for x in old).encode()
    new_data = "".join(f"{x}\n" for x in _edited(old, edits)).encode()
    hunks = staged.line_hunks(old_data, new_data)
    assert hunks is not None
    problems: list = []
    rows, _ = staged.apply_hunks("work", snapshot.parse_file("work", old_data), hunks, problems)
    whole_problems: list = []
    whole = snapshot.parse_file("work", new_data, whole_problems)

    def shape(rs):
        return [r[:OFFSET] + r[LENGTH + 1:] for r in rs]

    assert [(p.line, p.reason) for p in problems] == [(p.line, p.reason) for p in whole_problems]
    assert shape(rows) == shape(whole)


def test_a_file_without_final_newline_is_read_whole() -> None:
    assert staged.line_hunks(b'{"id": "gt-1"}\n', b'{"id": "gt-1"}') is None
    assert staged.line_hunks(b"a\n", b"a\n") == []


@given(st.binary(max_size=40), st.binary(max_size=40), st.binary(max_size=40))
def test_common_ends_match_a_plain_scan(head: bytes, a: bytes, b: bytes) -> None:
    x, y = head + a, head + b
    n = 0
    while n < min(len(x), len(y)) and x[n] == y[n]:
        n += 1
    assert staged._common_prefix(x, y, chunk=4) == n
    x, y = a + head, b + head
    limit = min(len(x), len(y))
    m = 0
    while m < limit and x[-1 - m] == y[-1 - m]:
        m += 1
    assert staged._common_suffix(x, y, limit, chunk=4) == m
