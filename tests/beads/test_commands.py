"""The bd verbs end to end, in-process, on a real git town."""
from __future__ import annotations

import json

from tests.conftest import git_out


def create(bd, *args: str) -> str:
    return bd("create", *args, "--silent").assert_success().out.strip()


def test_create_commits_once_and_leaves_a_clean_tree(town, bd, git_log):
    before = len(git_log())
    bead_id = create(bd, "Fix the widget", "-t", "bug", "-p", "1", "-l", "ui,urgent",
                     "-d", "it wobbles", "-a", "alice")
    assert bead_id.startswith("gt-")
    assert len(git_log()) == before + 1
    assert git_log()[0] == f"bd create: {bead_id} Fix the widget"
    assert "Actor: tester" in git_out(town.root, "log", "-1", "--format=%B")
    assert git_out(town.root, "status", "--porcelain") == ""
    bead = bd("show", bead_id, "--json").assert_success().json()
    assert bead["issue_type"] == "bug" and bead["priority"] == 1
    assert bead["labels"] == ["ui", "urgent"] and bead["assignee"] == "alice"
    assert bead["description"] == "it wobbles" and bead["status"] == "open"


def test_ledger_lines_are_canonical_and_sorted(town, bd):
    ids = [create(bd, f"bead {i}") for i in range(5)]
    lines = (town.beads / "work.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted(ids)
    assert all(line.startswith('{"id":') for line in lines)
    assert (town.beads / "work.jsonl").read_bytes().endswith(b"\n")


def test_children_are_numbered_under_their_parent(bd):
    epic = create(bd, "Epic", "-t", "epic")
    first = create(bd, "child one", "--parent", epic)
    second = create(bd, "child two", "--parent", epic)
    assert (first, second) == (f"{epic}.1", f"{epic}.2")
    dep = bd("show", first, "--json").json()["dependencies"][0]
    assert dep["type"] == "parent-child" and dep["depends_on_id"] == epic


def test_ready_respects_blockers_parents_and_order(bd):
    low = create(bd, "low", "-p", "3")
    urgent = create(bd, "urgent", "-p", "0")
    blocker = create(bd, "blocker", "-p", "2")
    blocked = create(bd, "blocked", "-p", "0", "--deps", f"blocks:{blocker}")
    epic = create(bd, "epic blocked", "-t", "epic", "--deps", blocker)
    child = create(bd, "child of blocked epic", "--parent", epic)
    ready = [b["id"] for b in bd("ready", "--json").json()]
    assert ready == [urgent, blocker, low]
    assert blocked not in ready and child not in ready and epic not in ready
    blocked_ids = {b["id"]: b["blocked_by"] for b in bd("blocked", "--json").json()}
    assert blocked_ids == {blocked: [blocker], epic: [blocker], child: [epic]}
    bd("close", blocker, "-r", "done").assert_success()
    ready = [b["id"] for b in bd("ready", "--json", "--limit", "0").json()]
    assert ready == [urgent, blocked, epic, child, low]
    assert len(bd("ready", "--json", "--limit", "2").json()) == 2


def test_claim_is_exclusive(bd, monkeypatch):
    bead_id = create(bd, "contested")
    bd("update", bead_id, "--claim").assert_success()
    monkeypatch.setenv("BD_ACTOR", "mallory")
    out = bd("update", bead_id, "--claim").assert_failure(1)
    assert "already claimed by tester" in out.err
    bead = bd("show", bead_id, "--json").json()
    assert bead["assignee"] == "tester" and bead["status"] == "in_progress"


def test_update_close_reopen_labels_comments(bd):
    bead_id = create(bd, "thing")
    bd("update", bead_id, "--title", "renamed", "-p", "4", "--notes", "a",
       "--append-notes", "b", "--add-label", "x,y").assert_success()
    bead = bd("show", bead_id, "--json").json()
    assert (bead["title"], bead["priority"], bead["notes"], bead["labels"]) == (
        "renamed", 4, "a\nb", ["x", "y"])
    bd("update", bead_id, "--remove-label", "x").assert_success()
    bd("label", "add", bead_id, "z").assert_success()
    bd("label", "remove", bead_id, "y").assert_success()
    assert bd("show", bead_id, "--json").json()["labels"] == ["z"]
    bd("close", bead_id, "-r", "shipped").assert_success()
    bead = bd("show", bead_id, "--json").json()
    assert bead["status"] == "closed" and bead["close_reason"] == "shipped" and bead["closed_at"]
    bd("reopen", bead_id).assert_success()
    bead = bd("show", bead_id, "--json").json()
    assert bead["status"] == "open" and "closed_at" not in bead and "close_reason" not in bead
    bd("comments", "add", bead_id, "looks good").assert_success()
    comment = bd("show", bead_id, "--json").json()["comments"][0]
    assert comment["text"] == "looks good" and comment["author"] == "tester"


def test_dep_add_refuses_cycles_and_unknown_beads(bd):
    a, b, c = (create(bd, name) for name in "abc")
    bd("dep", "add", a, b).assert_success()
    bd("dep", "add", b, c).assert_success()
    out = bd("dep", "add", c, a).assert_failure(1)
    assert "would make a cycle" in out.err and f"{c} -> {a}" in out.err
    bd("dep", "add", a, "gt-nope").assert_failure(1)
    tree = bd("dep", "tree", a, "--json").json()
    assert tree["deps"][0]["id"] == b and tree["deps"][0]["deps"][0]["id"] == c
    bd("dep", "remove", a, b).assert_success()
    assert "dependencies" not in bd("show", a, "--json").json()
    assert bd("dep", "cycles").code == 0


def test_list_filters_and_limit(bd):
    for i in range(4):
        create(bd, f"task {i}", "-p", str(i % 2), "-l", "even" if i % 2 == 0 else "odd")
    create(bd, "a bug", "-t", "bug", "-a", "bob")
    assert len(bd("list", "--json", "--limit", "0").json()) == 5
    assert len(bd("list", "--json", "--limit", "2").json()) == 2
    assert [b["title"] for b in bd("list", "-t", "bug", "--json").json()] == ["a bug"]
    assert [b["title"] for b in bd("list", "-a", "bob", "--json").json()] == ["a bug"]
    assert {b["title"] for b in bd("list", "-l", "even", "--json").json()} == {"task 0", "task 2"}
    assert len(bd("list", "-p", "1", "--json").json()) == 2
    assert bd("search", "BUG", "--json").json()[0]["title"] == "a bug"
    stats = bd("stats", "--json").json()
    assert stats["total"] == 5 and stats["by_type"] == {"bug": 1, "task": 4}


def test_usage_errors_exit_2_and_missing_beads_exit_1(bd):
    assert bd("create").code == 2
    assert bd("frobnicate").code == 2
    assert "priority must be 0-4" in bd("create", "x", "-p", "9").assert_failure(2).err
    out = bd("show", "gt-missing").assert_failure(1)
    assert "gt-missing" in out.err and "Traceback" not in out.err
    assert "unknown status" in bd("update", "gt-x", "-s", "bogus").assert_failure(2).err


def test_gt_bead_tasks_share_the_verbs(gt, bd):
    gt("bead", "create", "via gt", "-p", "1").assert_success()
    ids = [b["id"] for b in bd("list", "--json").json()]
    gt("bead", "close", *ids).assert_success()
    assert bd("list", "-s", "closed", "--json").json()[0]["title"] == "via gt"
    assert gt("bead.create").code == 2
    help_out = gt("bead", "create", "--help").assert_success().out
    assert "--type" in help_out and "--parent" in help_out


def test_export_then_import_round_trips(tmp_path, town, bd):
    a = create(bd, "one", "-l", "x")
    create(bd, "two", "--deps", a)
    out = tmp_path / "issues.jsonl"
    bd("export", "-o", str(out)).assert_success()
    from gastown.town.install import install

    other = install(tmp_path / "other").town
    from gastown.beads.cli import main
    from tests.conftest import _in_process

    result = _in_process(lambda: main(["import", "-i", str(out), "--json"]), [], other.root)
    assert result.assert_success().json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert (other.beads / "work.jsonl").read_bytes() == (town.beads / "work.jsonl").read_bytes()
