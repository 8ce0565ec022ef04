"""Commits are events: hand edits, pulls and rebases reach the reactor through the hooks."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gastown.town.install import install
from gastown.town.paths import Town
from tests.conftest import git_out


def retry_until(check: Callable[[], object], timeout: float = 20.0) -> object:
    """Poll until `check` returns something truthy (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.05)


def feed(town: Town) -> list[dict]:
    path = town.state / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def git(cwd: Path, *args: str, check: bool = True, env: dict | None = None
        ) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check,
                          env=env)


def hand_edit(town: Town, bead_id: str, **fields: object) -> None:
    path = town.beads / "work.jsonl"
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        bead = json.loads(line)
        if bead["id"] == bead_id:
            bead.update(fields)
            lines[i] = json.dumps(bead)
    path.write_text("\n".join(lines) + "\n")


def add_bead(town: Town, bead_id: str, title: str = "a bead", **fields: object) -> None:
    path = town.beads / "work.jsonl"
    lines = [line for line in path.read_text().splitlines() if line]
    lines.append(json.dumps({"id": bead_id, "title": title, "status": "open", "priority": 2,
                             "issue_type": "task", **fields}))
    path.write_text("\n".join(sorted(lines, key=lambda s: json.loads(s)["id"])) + "\n")


@pytest.fixture
def detached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GT_REACT", "detached")


def test_a_hand_edit_committed_by_a_person_reaches_the_reactions(town, bd, detached):
    bead_id = bd("create", "edit me", "--silent").assert_success().out.strip()
    retry_until(lambda: any(e["bead"] == bead_id for e in feed(town)))
    hand_edit(town, bead_id, status="closed", assignee="carol")
    git(town.root, "commit", "-qam", "close it by hand")
    types = retry_until(lambda: {e["type"] for e in feed(town) if e["bead"] == bead_id
                                 and e["type"] != "created"} >= {"closed", "assigned"}
                        and {e["type"] for e in feed(town) if e["bead"] == bead_id})
    assert {"updated", "status_changed", "closed", "assigned"} <= types
    updated = next(e for e in feed(town) if e["type"] == "updated" and e["bead"] == bead_id)
    assert updated["fields"] == ["assignee", "status"]
    assert git_out(town.root, "status", "--porcelain") == ""


def test_a_commit_that_touches_no_bead_runs_no_python(town, detached):
    before = (town.state / "cursor").read_text()
    (town.root / "notes.txt").write_text("hello\n")
    git(town.root, "add", "notes.txt")
    env = {**os.environ, "GT_PYTHON": "/nonexistent/python"}  # would fail loudly if started
    result = git(town.root, "commit", "-qm", "notes", env=env)
    assert result.stderr == ""
    assert (town.state / "cursor").read_text() == before


def _clone(town: Town, dest: Path) -> Town:
    git(dest.parent, "clone", "-q", str(town.root), str(dest))
    return install(dest).town


def test_a_pull_reacts_through_post_merge(tmp_path, town, bd, detached):
    other = _clone(town, tmp_path / "other")
    add_bead(other, "gt-pulled", "from the other clone")
    git(other.root, "commit", "-qam", "new bead over there")
    git(town.root, "pull", "-q", "--no-rebase", str(other.root), "main")
    event = retry_until(lambda: [e for e in feed(town) if e["bead"] == "gt-pulled"])
    assert event[0]["type"] == "created"


def test_a_rebase_reacts_through_post_rewrite(tmp_path, town, bd, detached):
    other = _clone(town, tmp_path / "other")
    add_bead(other, "gt-upstream", "upstream bead")
    git(other.root, "commit", "-qam", "upstream")
    (town.root / "local.txt").write_text("x\n")
    git(town.root, "add", "local.txt")
    git(town.root, "commit", "-qm", "local work")
    git(town.root, "fetch", "-q", str(other.root), "main")
    git(town.root, "rebase", "-q", "FETCH_HEAD")
    events = retry_until(lambda: [e for e in feed(town) if e["bead"] == "gt-upstream"])
    assert events[0]["type"] == "created"


def _slow_reaction(town: Town, seconds: float) -> Path:
    record = town.root / "reacted.txt"
    with open(town.root / "town.toml", "a") as f:
        f.write(f'\n[[reactions.run]]\nname = "slow"\non = ["created"]\n'
                f'command = "sleep {seconds}; echo $GT_EVENT_BEAD >> reacted.txt"\n')
    (town.root / ".gitignore").write_text((town.root / ".gitignore").read_text() + "reacted.txt\n")
    git(town.root, "commit", "-qam", "slow reaction")
    return record


def test_commits_made_while_a_slow_reaction_runs_are_each_processed_once(town, detached):
    record = _slow_reaction(town, 0.3)
    for i in range(50):
        add_bead(town, f"gt-s{i:02d}")
        git(town.root, "commit", "-qam", f"bead {i}")
    head = git_out(town.root, "rev-parse", "HEAD")
    retry_until(lambda: (town.state / "cursor").read_text().strip() == head, timeout=120)
    lines = record.read_text().split()
    assert sorted(lines) == [f"gt-s{i:02d}" for i in range(50)]
    created = [e["bead"] for e in feed(town) if e["type"] == "created"]
    assert len(created) == len(set(created)) == 50


def test_bd_writes_during_a_slow_reaction_are_each_processed_once(town, bd, detached):
    """Writers start a reactor only when none runs; the running one catches up."""
    record = _slow_reaction(town, 0.3)
    ids = [bd("create", f"w{i}", "--silent").assert_success().out.strip() for i in range(12)]
    head = git_out(town.root, "rev-parse", "HEAD")
    retry_until(lambda: (town.state / "cursor").read_text().strip() == head, timeout=60)
    assert sorted(record.read_text().split()) == sorted(ids)
    created = [e["bead"] for e in feed(town) if e["type"] == "created"]
    assert sorted(created) == sorted(ids)


def test_running_tells_whether_a_reactor_holds_the_lock(town):
    from gastown import locks
    from gastown.githooks import reactor

    assert not reactor.running(town)
    with locks.held(town.state / reactor.LOCK):
        assert reactor.running(town)
    assert not reactor.running(town)


def test_a_killed_reactor_replays_on_the_next_commit(town, detached):
    record = _slow_reaction(town, 30)
    add_bead(town, "gt-victim")
    git(town.root, "commit", "-qam", "victim")
    pid = retry_until(lambda: _reactor_pid(town))
    cursor_before = (town.state / "cursor").read_text()
    os.killpg(int(pid), signal.SIGKILL)
    assert (town.state / "cursor").read_text() == cursor_before
    toml = (town.root / "town.toml").read_text().replace("sleep 30", "sleep 0")
    (town.root / "town.toml").write_text(toml)
    add_bead(town, "gt-next")
    git(town.root, "commit", "-qam", "next")
    head = git_out(town.root, "rev-parse", "HEAD")
    retry_until(lambda: (town.state / "cursor").read_text().strip() == head)
    assert sorted(record.read_text().split()) == ["gt-next", "gt-victim"]
    created = [e["bead"] for e in feed(town) if e["type"] == "created"]
    assert created.count("gt-victim") == 1


def _reactor_pid(town: Town) -> str | None:
    out = subprocess.run(["pgrep", "-f", "gastown.githooks react"], capture_output=True,
                         text=True).stdout.split()
    for pid in out:
        try:
            if os.readlink(f"/proc/{pid}/cwd") == str(town.root):
                return pid
        except OSError:
            continue
    return None


def test_a_failing_reaction_is_logged_and_retried_without_blocking_commits(town):
    flag = town.root / "fixed"
    with open(town.root / "town.toml", "a") as f:
        f.write('\n[[reactions.run]]\nname = "flaky"\non = ["created"]\n'
                'command = "test -f fixed && echo $GT_EVENT_BEAD >> ok.txt"\n')
    git(town.root, "commit", "-qam", "flaky reaction")
    add_bead(town, "gt-flaky")
    assert git(town.root, "commit", "-qam", "flaky bead").returncode == 0
    from gastown.githooks import reactor

    assert reactor.react(town) >= 0
    queued = reactor._read_queue(town, reactor.FAILED)
    assert [q["reaction"] for q in queued] == ["run:flaky"]
    assert "reaction run:flaky failed" in (town.state / reactor.LOG).read_text()
    flag.write_text("")
    for q in queued:
        q["next_at"] = 0
    reactor._queue(town, reactor.FAILED, queued)
    reactor.retry_failed(town, reactor_reactions(town))
    assert (town.root / "ok.txt").read_text().split() == ["gt-flaky"]
    assert reactor._read_queue(town, reactor.FAILED) == []


def reactor_reactions(town: Town) -> dict:
    from gastown.githooks import reactions

    return reactions.load(town)


def test_gt_writes_react_without_git_hooks(town, bd):
    bead_id = bd("create", "inline", "--silent").assert_success().out.strip()
    assert [e["type"] for e in feed(town) if e["bead"] == bead_id] == ["created"]
    bd("close", bead_id).assert_success()
    assert "closed" in [e["type"] for e in feed(town) if e["bead"] == bead_id]


def test_existing_hooks_and_pre_commit_config_are_chained(town):
    local = town.root / ".git" / "hooks" / "pre-commit"
    local.write_text("#!/bin/sh\necho local >> chained.txt\n")
    local.chmod(0o755)
    (town.root / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: mark\n    name: mark\n"
        "    entry: sh -c 'echo framework >> chained.txt'\n    language: unsupported\n"
        "    pass_filenames: false\n    always_run: true\n")
    (town.root / ".gitignore").write_text((town.root / ".gitignore").read_text() + "chained.txt\n")
    git(town.root, "add", ".pre-commit-config.yaml", ".gitignore")
    result = git(town.root, "commit", "-qm", "with chained hooks", check=False)
    assert result.returncode == 0, result.stderr
    assert (town.root / "chained.txt").read_text().split() == ["local", "framework"]
    local.write_text("#!/bin/sh\necho refused >&2\nexit 1\n")
    (town.root / "x").write_text("x")
    git(town.root, "add", "x")
    result = git(town.root, "commit", "-qm", "refused by the local hook", check=False)
    assert result.returncode != 0 and "refused" in result.stderr


def test_doctor_finds_and_fixes_a_broken_town(town, gt):
    (town.root / "githooks" / "post-commit").unlink()
    subprocess.run(["git", "config", "--unset", "merge.beads.driver"], cwd=town.root, check=True)
    out = gt("doctor").assert_failure(1).out
    assert "githooks/post-commit is missing" in out and "merge.beads.driver" in out
    gt("doctor", "--fix").assert_success()
    gt("doctor").assert_success()
    assert (town.root / "githooks" / "post-commit").exists()


def test_after_a_hand_commit_the_index_knows_the_blobs(town, bd, detached):
    from gastown.beads import index, schema, snapshot

    bid = bd("create", "by bd", "--silent").assert_success().out.strip()
    hand_edit(town, bid, notes="by hand")
    git(town.root, "commit", "-qam", "hand edit")
    blobs = {stem: git_out(town.root, "rev-parse", f"HEAD:beads/{stem}.jsonl")
             for stem in schema.LEDGER_FILES}

    def known() -> bool:
        entries, _ = index.load(snapshot.index_path(town))
        return {s: e.blob for s, e in entries.items()} == blobs

    retry_until(known)  # the reactor recorded it, so the next pre-commit reads a diff
    with snapshot.load(town, warn=False) as snap:
        assert snap.get(bid)["notes"] == "by hand"


def test_the_index_follows_several_hand_commits(town, bd, detached):
    from gastown.beads import index, snapshot

    bid = bd("create", "by bd", "--silent").assert_success().out.strip()
    for n in range(3):
        hand_edit(town, bid, notes=f"by hand {n}")
        git(town.root, "commit", "-qam", f"hand edit {n}")
        blob = git_out(town.root, "rev-parse", "HEAD:beads/work.jsonl")

        def known(blob: str = blob) -> bool:
            entries, _ = index.load(snapshot.index_path(town))
            return getattr(entries.get("work"), "blob", None) == blob

        retry_until(known)


def test_reactions_off_in_town_toml_silences_hooks_and_writers(town, bd, monkeypatch):
    monkeypatch.delenv("GT_REACT")
    with open(town.root / "town.toml", "a") as f:
        f.write('\n[reactions]\nmode = "off"\n')
    git(town.root, "commit", "-qam", "reactions off")
    cursor = (town.state / "cursor").read_text()
    bid = bd("create", "quiet", "--silent").assert_success().out.strip()
    hand_edit(town, bid, notes="by hand")
    git(town.root, "commit", "-qam", "hand edit")
    from gastown.githooks import reactor

    assert reactor.react(town) == 0  # what the hooks start: it does nothing
    time.sleep(0.5)
    assert (town.state / "cursor").read_text() == cursor
    assert not any(e["bead"] == bid for e in feed(town))


def test_doctor_names_a_hand_broken_merge_driver_and_fixes_it(town, gt):
    git(town.root, "config", "merge.beads.driver", "'bd merge %A %O %A %B")
    out = gt("doctor").assert_failure(1).out
    assert "merge.beads.driver is 'bd merge" in out
    gt("doctor", "--fix").assert_success()
    assert git_out(town.root, "config", "merge.beads.driver").endswith(" merge %A %O %A %B %P")
    gt("doctor").assert_success()
