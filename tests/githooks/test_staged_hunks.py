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
