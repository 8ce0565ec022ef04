"""The Refinery on real repositories: batches, bisection, conflicts, flaky gates,
a target that moves, closed MRs."""
from __future__ import annotations

import subprocess
import time

import pytest

from tests.conftest import git_out

BAD_GATE = '[[gates]]\nname = "no-bad"\nrun = "! ls | grep -q bad"\ntimeout = "30s"\n'


def test_a_batch_lands_in_order_and_everything_is_recorded(rig):
    rig.configure(gates='[[gates]]\nname = "readme"\nrun = "test -f README.md"\n')
    mrs = [rig.work(f"feat{i}", {f"f{i}.txt": f"{i}\n"}) for i in range(4)]
    out = rig.run()
    assert sorted(out["merged"]) == sorted(m["id"] for m in mrs) and out["batches"] == 1
    mq, work = rig.ledger("mq"), rig.ledger("work")
    tip = git_out(rig.src, "rev-parse", "main")
    for m in mrs:
        got = mq[m["id"]]
        assert got["status"] == "closed" and got["close_reason"] == "merged"
        assert rig.on_main(m["commit_sha"]) and got["merged_sha"]
        issue = work[m["source_issue"]]
        assert issue["status"] == "closed"
        assert issue["close_reason"] == f"merged in {got['merged_sha']}"
    assert mq[mrs[-1]["id"]]["merged_sha"] == tip
    assert rig.branches() == ["main"]  # merged branches deleted
    subjects = git_out(rig.src, "log", "--first-parent", "--format=%s", "main").splitlines()
    assert subjects[:4] == [f"Merge feat{i} ({mrs[i]['id']})" for i in (3, 2, 1, 0)]
    kinds = [e["type"] for e in rig.feed()]
    assert kinds.count("merge_started") == 4 and kinds.count("merged") == 4
    assert git_out(rig.town.root, "status", "--porcelain") == ""
    assert rig.gt("mq", "list", "--json").json() == []
    assert len(rig.gt("mq", "list", "--all", "--json").json()) == 4


@pytest.mark.parametrize("ways", [1, 7])
def test_one_bad_mr_among_eight_is_found_and_the_other_seven_land(rig, ways):
    rig.configure(batch_size=8, bisect_ways=ways, gates=BAD_GATE)
    mrs = [rig.work(f"w{i}", {f"{'bad' if i == 5 else 'ok'}{i}.txt": "x\n"})
           for i in range(8)]
    out = rig.run()
    bad = mrs[5]
    assert out["rejected"] == [bad["id"]]
    assert sorted(out["merged"]) == sorted(m["id"] for m in mrs if m is not bad)
    assert not rig.on_main(bad["commit_sha"])
    assert all(rig.on_main(m["commit_sha"]) for m in mrs if m is not bad)
    mq, work = rig.ledger("mq"), rig.ledger("work")
    assert mq[bad["id"]]["status"] == "blocked" and mq[bad["id"]]["retry_count"] == 1
    [rework] = [b for b in work.values() if b.get("rework_of") == bad["source_issue"]]
    assert rework["title"] == f"Rework {bad['source_issue']}: gate no-bad failed"
    assert "ls | grep -q bad" in rework["description"]  # the failing gate's log tail
    assert {"depends_on_id": rework["id"], "type": "blocks"}.items() <= \
        mq[bad["id"]]["dependencies"][0].items()
    assert rework["dependencies"][0]["depends_on_id"] == bad["source_issue"]
    assert work[bad["source_issue"]]["status"] == "in_progress"
    rig.gt("doctor").assert_success()  # rework beads and MR dependencies are sound
    assert any(e["type"] == "bisect" for e in rig.feed())
    assert [e["bead"] for e in rig.feed() if e["type"] == "rejected"] == [bad["id"]]
    logs = list((rig.town.state / "logs" / "refinery" / "demo").glob("*.log"))
    assert len(logs) <= (7 if ways == 1 else 1 + 7 + 2)  # the batch, then the bisection


def test_a_conflict_goes_back_as_rework_and_the_reworked_mr_lands(rig):
    rig.configure(gates='gates = ["true"]\n')
    first = rig.work("one", {"shared.txt": "one\n"})
    second = rig.work("two", {"shared.txt": "two\n"})
    out = rig.run()
    assert out["merged"] == [first["id"]] and out["rejected"] == [second["id"]]
    mq, work = rig.ledger("mq"), rig.ledger("work")
    assert mq[second["id"]]["status"] == "blocked"
    [rework] = [b for b in work.values() if b.get("rework_of") == second["source_issue"]]
    assert rework["title"].endswith(": merge conflict") and "shared.txt" in rework["description"]
    # the polecat reworks its branch on the new main and submits again for the same issue
    rig.branch("two-v2", {"shared.txt": "one\ntwo\n"})
    again = rig.submit("two-v2", second["source_issue"])
    assert rig.ledger("mq")[second["id"]]["close_reason"] == f"superseded by {again['id']}"
    assert rig.run()["merged"] == [again["id"]]
    work = rig.ledger("work")
    assert work[second["source_issue"]]["status"] == "closed"
    assert work[rework["id"]]["status"] == "closed"
    assert (git_out(rig.src, "show", "main:shared.txt")) == "one\ntwo"


def test_a_flaky_gate_is_retried(rig, tmp_path):
    count = tmp_path / "runs"
    script = tmp_path / "flaky.sh"
    script.write_text(f'echo x >> {count}\n[ "$(wc -l < {count})" -ge 2 ]\n')
    rig.configure(retry_flaky=1, gates=f'gates = ["sh {script}"]\n')
    mr = rig.work("flaky", {"f.txt": "f\n"})
    assert rig.run()["merged"] == [mr["id"]]
    assert count.read_text().count("x") == 2
    count.unlink()
    rig.configure(retry_flaky=0, gates=f'gates = ["sh {script}"]\n')
    other = rig.work("flaky2", {"g.txt": "g\n"})
    assert rig.run()["rejected"] == [other["id"]]


def test_the_target_moving_during_the_gates_restarts_on_the_new_tip(rig, tmp_path):
    pusher = tmp_path / "pusher"
    git_out(tmp_path, "clone", "-q", str(rig.src), str(pusher))
    marker = tmp_path / "pushed"
    script = tmp_path / "gate.sh"
    script.write_text(f"""
if [ ! -e {marker} ]; then
  touch {marker}
  cd {pusher} && echo moved > moved.txt && git add moved.txt &&
  git -c user.name=x -c user.email=x@x commit -qm "someone else" && git push -q origin HEAD:main
fi
""")
    rig.configure(gates=f'gates = ["sh {script}"]\n')
    mr = rig.work("racer", {"r.txt": "r\n"})
    assert rig.run()["merged"] == [mr["id"]]
    log = git_out(rig.src, "log", "--format=%s", "main").splitlines()
    assert log[:2] == [f"Merge racer ({mr['id']})", "someone else"]
    assert rig.ledger("mq")[mr["id"]]["merged_sha"] == git_out(rig.src, "rev-parse", "main")


def test_closed_superseded_and_rejected_mrs_are_never_merged(rig):
    rig.configure(gates='gates = ["true"]\n')
    issue = rig.issue("twice")
    rig.branch("old", {"old.txt": "old\n"})
    old = rig.submit("old", issue)
    rig.branch("new", {"new.txt": "new\n"})
    new = rig.submit("new", issue)
    nope = rig.work("nope", {"nope.txt": "nope\n"})
    rig.gt("mq", "reject", nope["id"], "-r", "not wanted").assert_success()
    assert rig.run()["merged"] == [new["id"]]
    assert not rig.on_main(old["commit_sha"]) and not rig.on_main(nope["commit_sha"])
    mq = rig.ledger("mq")
    assert mq[nope["id"]]["close_reason"] == "rejected: not wanted"
    assert "merged_sha" not in mq[old["id"]]
    # the unmerged branches stay on origin
    assert {"old", "nope"} <= set(rig.branches())


def test_three_failures_close_the_mr_and_mail_the_mayor(rig):
    rig.configure(gates=BAD_GATE)
    mr = rig.work("doomed", {"bad.txt": "x\n"})
    for attempt in (1, 2, 3):
        assert rig.run()["rejected"] == [mr["id"]]
        got = rig.ledger("mq")[mr["id"]]
        assert got["retry_count"] == attempt
        if attempt < 3:
            assert got["status"] == "blocked"
            rig.gt("mq", "retry", mr["id"]).assert_success()
    assert got["status"] == "closed" and got["close_reason"] == "rejected"
    mail = [m for m in rig.ledger("mail").values() if m.get("to") == "mayor"]
    assert len(mail) == 1 and mail[0]["sender"] == "demo/refinery"
    assert mr["id"] in mail[0]["title"]
    refused = rig.gt("mq", "retry", "gt-nope").assert_failure()
    assert "no merge request 'gt-nope'" in refused.err


def test_mq_list_status_and_submit_errors(rig):
    rig.configure(gates='gates = ["true"]\n')
    a = rig.work("a", {"a.txt": "a\n"})
    b = rig.work("b", {"b.txt": "b\n"})
    listed = rig.gt("mq", "list", "--json").assert_success().json()
    assert [m["id"] for m in listed] == [a["id"], b["id"]]
    assert [m["position"] for m in listed] == [1, 2]
    status = rig.gt("mq", "status", b["id"], "--json").assert_success().json()
    assert status["position"] == 2 and status["mr"]["branch"] == "b"
    assert "#2" in rig.gt("mq", "list").assert_success().out
    issue = rig.issue("x")
    for args, words in [
        (("nosuch", "--rig", "demo", "--issue", issue), "branch 'nosuch'"),
        (("a", "--rig", "demo", "--issue", "gt-zzzz"), "--issue gt-zzzz: no such bead"),
        (("main", "--rig", "demo", "--issue", issue), "no commits beyond main"),
        (("a", "--rig", "ghost", "--issue", issue), "no rig 'ghost'"),
        (("a", "--issue", issue), "--rig RIG is required"),
        (("a", "--rig", "demo"), "--issue BEAD is required"),
    ]:
        out = rig.gt("mq", "submit", *args)
        assert out.code in (1, 2) and words in out.err, (args, out.err)
    for args in (("mq", "run"), ("refinery", "start"), ("refinery", "status")):
        out = rig.gt(*args)
        assert out.code == 2 and "--rig" in out.err and "Traceback" not in out.err, out.err
    assert "no rig 'ghost'" in rig.gt("refinery", "stop", "--rig", "ghost").assert_failure().err


def test_an_mr_already_on_the_target_is_recorded_and_its_branch_deleted(rig):
    """What a run killed between its push and its ledger write leaves behind."""
    rig.configure(gates='gates = ["false"]\n')  # no candidate could pass: nothing is built
    mr = rig.work("pushed", {"p.txt": "p\n"})
    git_out(rig.src, "update-ref", "refs/heads/main", mr["commit_sha"])
    out = rig.run()
    assert out["merged"] == [mr["id"]] and out["batches"] == 0
    got = rig.ledger("mq")[mr["id"]]
    assert got["close_reason"] == "merged" and got["merged_sha"] == mr["commit_sha"]
    assert rig.ledger("work")[mr["source_issue"]]["status"] == "closed"
    assert rig.branches() == ["main"]


def test_auto_rebase_lands_a_branch_whose_merge_conflicts(rig):
    """The branch's first commit was cherry-picked onto main and changed since: a merge
    conflicts, a rebase skips the picked commit and lands the rest."""
    rig.configure(on_conflict='"auto_rebase"', gates='gates = ["true"]\n')
    git = lambda *a: git_out(rig.src, "-c", "user.name=d", "-c", "user.email=d@d", *a)  # noqa: E731
    rig.branch("picked", {"a.txt": "2\n"})
    git("checkout", "-q", "--detach", "picked")
    (rig.src / "b.txt").write_text("b\n")
    git("add", "b.txt")
    git("commit", "-qm", "b")
    git("branch", "-f", "picked", "HEAD")
    git("checkout", "-q", "--detach", "main")
    git("cherry-pick", "picked~1")
    (rig.src / "a.txt").write_text("3\n")
    git("commit", "-qam", "three")
    git("update-ref", "refs/heads/main", "HEAD")
    mr = rig.submit("picked", rig.issue("picked"))
    assert rig.run()["merged"] == [mr["id"]]
    got = rig.ledger("mq")[mr["id"]]
    assert got["rebased_sha"] != mr["commit_sha"] and rig.on_main(got["rebased_sha"])
    assert git_out(rig.src, "show", "main:a.txt") == "3"
    assert git_out(rig.src, "show", "main:b.txt") == "b"
    rig.configure(on_conflict='"assign_back"')


def test_assign_rework_slings_only_to_an_existing_polecat_and_never_raises(rig, monkeypatch):
    from gastown.agents import sling
    from gastown.refinery.rework import assign_rework

    bead = rig.issue("rework me")
    assert assign_rework(rig.town, bead, "tester") is None  # a person
    assert assign_rework(rig.town, bead, "demo/nux") is None  # no such polecat
    from gastown.agents import identity
    from gastown.beads import store

    with store.transaction(rig.town) as snap:
        agent = identity.new_agent("demo", "nux", "polecat", "shell", "2026-01-01T00:00:00Z",
                                   "tester")
        store.apply(rig.town, snap, store.Change(put={agent["id"]: agent}), "polecat nux")

    def broken(*_a, **_k):
        raise RuntimeError("no tmux here")

    monkeypatch.setattr(sling, "sling", broken)
    said = assign_rework(rig.town, bead, "demo/nux")
    assert said == "not slung: RuntimeError: no tmux here"


def test_a_gate_over_its_timeout_fails_with_its_children_killed(rig, tmp_path):
    marker = tmp_path / "survived"
    rig.configure(gates=f'[[gates]]\nname = "slow"\nrun = "(sleep 3; touch {marker}) & '
                        f'sleep 30"\ntimeout = "1s"\n')
    mr = rig.work("slow", {"s.txt": "s\n"})
    assert rig.run()["rejected"] == [mr["id"]]
    [rework] = [b for b in rig.ledger("work").values() if b.get("rework_of")]
    assert rework["title"].endswith("gate slow failed")
    assert "timed out after 1s" in rework["description"]
    time.sleep(3.5)
    assert not marker.exists()


def test_a_rework_beads_own_mr_carrying_the_blocked_commit_lands_both(rig):
    """The polecat's way: the rework bead is slung, its branch merges the blocked MR's
    branch and resolves the conflict, and `gt done` files an MR for the rework bead."""
    rig.configure(gates='gates = ["true"]\n')
    rig.work("one", {"shared.txt": "one\n"})
    second = rig.work("two", {"shared.txt": "two\n"})
    rig.run()
    [rework] = [b for b in rig.ledger("work").values() if b.get("rework_of")]
    git = lambda *a: git_out(rig.src, "-c", "user.name=d", "-c", "user.email=d@d", *a)  # noqa: E731
    git("checkout", "-q", "--detach", "main")
    subprocess.run(["git", "-c", "user.name=d", "-c", "user.email=d@d", "merge", "-q", "two"],
                   cwd=rig.src, capture_output=True)
    (rig.src / "shared.txt").write_text("one\ntwo\n")
    git("commit", "-qam", "resolve")
    git("branch", "-f", "fix", "HEAD")
    git("checkout", "-q", "--detach", "main")
    fix = rig.submit("fix", rework["id"])
    assert rig.run()["merged"] == [fix["id"]]
    mq, work = rig.ledger("mq"), rig.ledger("work")
    assert mq[second["id"]]["close_reason"] == "merged" and rig.on_main(second["commit_sha"])
    assert work[second["source_issue"]]["status"] == "closed"
    assert work[rework["id"]]["close_reason"] == f"merged in {mq[fix['id']]['merged_sha']}"
