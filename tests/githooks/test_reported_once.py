"""Each ledger change is reported once per clone, whatever path history takes to get there:
merges then fast-forwards, rebases, checkouts of older commits, unreadable commits fixed later."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gastown.githooks.reactor import read_cursor, running
from gastown.town.install import install
from gastown.town.paths import Town
from tests.conftest import git_out
from tests.githooks.test_event_bus import add_bead, feed, git, hand_edit, retry_until


@pytest.fixture(autouse=True)
def detached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GT_REACT", "detached")


def _record_reaction(town: Town) -> None:
    """A town reaction that writes one line per created/deleted event it runs on."""
    with open(town.root / "town.toml", "a") as f:
        f.write('\n[[reactions.run]]\nname = "record"\non = ["created", "deleted"]\n'
                'command = "echo $GT_EVENT_TYPE $GT_EVENT_BEAD >> .gastown/reacted.txt"\n')
    git(town.root, "commit", "-qam", "record reaction")


def settle(town: Town) -> None:
    """Run a reactor now (as a hook would) and wait until none holds the lock."""
    subprocess.run([sys.executable, "-m", "gastown.githooks", "react"], cwd=town.root,
                   check=True, capture_output=True)
    retry_until(lambda: not running(town))


def settled_at_head(town: Town) -> None:
    head = git_out(town.root, "rev-parse", "HEAD")
    settle(town)
    retry_until(lambda: read_cursor(town) == head and not running(town))


def reported(town: Town) -> Counter:
    return Counter((e["type"], e["bead"]) for e in feed(town) if e["type"] in ("created", "deleted"))


def reacted(town: Town) -> Counter:
    path = town.state / "reacted.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    return Counter(tuple(line.split()) for line in lines)


def _clone(town: Town, dest: Path) -> Town:
    git(dest.parent, "clone", "-q", str(town.root), str(dest))
    return install(dest).town


def _commit_bead(town: Town, bead_id: str) -> None:
    add_bead(town, bead_id)
    git(town.root, "commit", "-qam", f"add {bead_id}")
    settled_at_head(town)


def test_a_merge_then_a_fast_forward_reports_each_bead_once_in_both_clones(tmp_path, town):
    _record_reaction(town)
    other = _clone(town, tmp_path / "other")
    _commit_bead(town, "gt-here")
    _commit_bead(other, "gt-there")
    git(town.root, "pull", "-q", "--no-rebase", "--no-edit", str(other.root), "main")
    settled_at_head(town)
    git(other.root, "pull", "-q", "--ff-only", str(town.root), "main")
    settled_at_head(other)
    want = Counter({("created", "gt-here"): 1, ("created", "gt-there"): 1})
    for clone in (town, other):
        assert reported(clone) == want, clone.root
        assert reacted(clone) == want, clone.root


def test_pull_rebase_reports_no_deletion_of_the_local_bead(tmp_path, town):
    _record_reaction(town)
    other = _clone(town, tmp_path / "other")
    _commit_bead(other, "gt-upstream")
    _commit_bead(town, "gt-local")
    git(town.root, "pull", "-q", "--rebase", str(other.root), "main")
    settled_at_head(town)
    want = Counter({("created", "gt-local"): 1, ("created", "gt-upstream"): 1})
    assert reported(town) == want
    assert reacted(town) == want


def test_checking_out_an_older_commit_and_back_reports_nothing(town):
    _record_reaction(town)
    _commit_bead(town, "gt-one")
    _commit_bead(town, "gt-two")
    git(town.root, "checkout", "-q", "HEAD~2")
    settle(town)
    git(town.root, "checkout", "-q", "main")
    settle(town)
    _commit_bead(town, "gt-three")
    want = Counter({("created", f"gt-{n}"): 1 for n in ("one", "two", "three")})
    assert reported(town) == want
    assert reacted(town) == want


def test_an_unreadable_commit_fixed_later_reports_only_what_really_changed(town):
    _record_reaction(town)
    _commit_bead(town, "gt-kept")
    _commit_bead(town, "gt-closing")
    path = town.beads / "work.jsonl"
    good = path.read_text()
    hand_edit(town, "gt-closing", status="closed")
    broken = path.read_text().replace('{"id": "gt-kept", ', '{"id": "gt-kept" ', 1)
    assert broken != path.read_text()
    path.write_text(broken)
    git(town.root, "commit", "-qam", "broken by hand", "--no-verify")
    settled_at_head(town)
    assert not [e for e in feed(town) if e["bead"] == "gt-kept" and e["type"] != "created"]
    path.write_text(good)
    hand_edit(town, "gt-closing", status="closed")
    git(town.root, "commit", "-qam", "fixed")
    settled_at_head(town)
    want = Counter({("created", "gt-kept"): 1, ("created", "gt-closing"): 1})
    assert reported(town) == want
    assert reacted(town) == want
    closed = [e for e in feed(town) if e["type"] == "closed"]
    assert [e["bead"] for e in closed] == ["gt-closing"]
    assert json.loads(path.read_text().splitlines()[0])["id"]
