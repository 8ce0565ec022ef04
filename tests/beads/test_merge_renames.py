"""A child id renamed by `bd merge`: nothing in the town goes on naming the old id."""
from __future__ import annotations

import json
from pathlib import Path

from gastown.beads import codec
from tests.beads.test_merge import (
    T1,
    T2,
    assert_clean_ledger,
    bead,
    child,
    clone,
    ledger,
    line,
    make,
    merged,
    pull,
)
from tests.conftest import git_out


def test_theirs_references_of_every_kind_follow_the_rename_in_the_same_file():
    epic = bead("gt-e")
    ours_kid, theirs_kid = child("gt-e.1", "ours", T1, "gt-e"), child("gt-e.1", "theirs", T2, "gt-e")
    convoy = bead("gt-cv", issue_type="convoy", tracks=["gt-e", "gt-e.1"], created_at=T2)
    mol = bead("gt-mol", issue_type="molecule", on="gt-e.1", created_at=T2)
    mr = bead("gt-mr", issue_type="merge-request", source_issue="gt-e.1", created_at=T2)
    agent = bead("gt-ag", issue_type="agent", hook="gt-e.1", created_at=T2)
    # ours' own reference to its gt-e.1 stays
    ours_ref = bead("gt-o", "ours", dependencies=[{"issue_id": "gt-o", "depends_on_id": "gt-e.1"}])
    out = merged(ledger(line(epic)), ledger(line(epic), line(ours_kid), line(ours_ref)),
                 ledger(line(epic), line(theirs_kid), *map(line, (convoy, mol, mr, agent))))
    got = {k: json.loads(v) for k, v in out.items()}
    assert got["gt-e.2"]["title"] == "theirs" and got["gt-e.2"]["renamed_from"] == "gt-e.1"
    assert got["gt-e.1"]["title"] == "ours" and "renamed_from" not in got["gt-e.1"]
    assert got["gt-cv"]["tracks"] == ["gt-e", "gt-e.2"]
    assert got["gt-mol"]["on"] == got["gt-mr"]["source_issue"] == got["gt-ag"]["hook"] == "gt-e.2"
    assert got["gt-o"]["dependencies"][0]["depends_on_id"] == "gt-e.1"


def test_a_reference_theirs_kept_from_base_is_not_rewritten():
    epic = bead("gt-e")
    # base already pointed at gt-e.1 (dangling then): that meaning is older than both sides
    old = bead("gt-cv", issue_type="convoy", tracks=["gt-e.1"])
    edited = bead("gt-cv", issue_type="convoy", tracks=["gt-e.1"], title="retitled",
                  updated_at=T2)
    out = merged(ledger(line(epic), line(old)),
                 ledger(line(epic), line(old), line(child("gt-e.1", "ours", T1, "gt-e"))),
                 ledger(line(epic), line(edited), line(child("gt-e.1", "theirs", T2, "gt-e"))))
    assert json.loads(out["gt-cv"])["tracks"] == ["gt-e.1"]


# -- with real git: references in other ledger files, found and fixed by gt doctor ------

def add_lines(root: Path, stem: str, *beads: dict) -> None:
    path = root / "beads" / f"{stem}.jsonl"
    rows = [json.loads(x) for x in path.read_bytes().split(b"\n") if x] + list(beads)
    path.write_bytes(b"".join(codec.dumps(b) + b"\n" for b in sorted(rows, key=lambda b: b["id"])))
    git_out(root, "add", str(path))


def ledger_of(root: Path) -> dict[str, dict]:
    out = {}
    for path in (root / "beads").glob("*.jsonl"):
        out.update({b["id"]: b for b in map(json.loads, path.read_bytes().split(b"\n")[:-1])})
    return out


def renamed_check(gt, root: Path) -> dict:
    checks = gt("doctor", "--json", cwd=root).json()
    return next(c for c in checks if c["name"] == "renamed ids")


def test_gt_doctor_finds_and_fixes_references_in_other_files(town, bd, gt, tmp_path):
    epic = make(bd, "the epic", "-t", "epic")
    a, b = clone(town, tmp_path / "a"), clone(town, tmp_path / "b")
    kid_a = make(bd, "child from a", "--parent", epic, cwd=a)
    blocked = make(bd, "waits for a's child", "--deps", f"blocks:{kid_a}", cwd=a)
    add_lines(a, "convoys", bead("gt-cv", "ship it", issue_type="convoy", tracks=[kid_a]))
    add_lines(a, "mq", bead("gt-mr", "merge a", issue_type="merge-request", source_issue=kid_a))
    add_lines(a, "molecules", bead("gt-mol", "work a", issue_type="molecule", on=kid_a))
    git_out(a, "commit", "-q", "--no-verify", "-m", "a's references")
    kid_b = make(bd, "child from b", "--parent", epic, cwd=b)
    add_lines(b, "agents", bead("gt-ag", "b's agent", issue_type="agent", hook=kid_b))
    git_out(b, "commit", "-q", "--no-verify", "-m", "b's reference")
    assert kid_a == kid_b == f"{epic}.1"

    pull(b, a)
    moved = f"{epic}.2"
    beads = assert_clean_ledger(b, bd)
    assert beads[moved]["title"] == "child from a" and beads[kid_b]["title"] == "child from b"
    assert beads[blocked]["dependencies"][0]["depends_on_id"] == moved  # fixed by the driver
    check = renamed_check(gt, b)
    assert not check["ok"]
    for where in (f"beads/convoys.jsonl: gt-cv tracks {kid_a} means {moved}",
                  f"beads/mq.jsonl: gt-mr source_issue {kid_a} means {moved}",
                  f"beads/molecules.jsonl: gt-mol on {kid_a} means {moved}"):
        assert where in check["detail"]
    assert "gt-ag" not in check["detail"]

    head = git_out(b, "rev-parse", "HEAD")
    gt("doctor", "--fix", cwd=b)
    got = ledger_of(b)
    assert got["gt-cv"]["tracks"] == [moved] and got["gt-mr"]["source_issue"] == moved
    assert got["gt-mol"]["on"] == moved
    assert got["gt-ag"]["hook"] == kid_b  # b's own bead keeps its meaning
    assert git_out(b, "rev-list", "--count", f"{head}..HEAD") == "1"
    assert git_out(b, "status", "--porcelain", "--", "beads") == ""
    assert renamed_check(gt, b)["ok"]
