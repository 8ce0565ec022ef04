"""Sling, the hook, done, release: real git, real tmux sessions on the shell runtime."""
from __future__ import annotations

import subprocess

from gastown.agents.tmux import Tmux
from tests.conftest import git_out
from tests.work.conftest import create, ledger, wait_for


def open_mrs(town):
    return [m for m in ledger(town, "mq") if m["status"] == "open"]


def test_sling_ten_beads_to_ten_polecats_each_ending_in_done(town, gt, bd, rig, tmp_path):
    toml = town.root / "town.toml"  # a new town caps polecats at 8
    toml.write_text(toml.read_text().replace("max_polecats = 8", "max_polecats = 10"))
    git_out(town.root, "commit", "-qam", "town cap 10")
    beads = [create(bd, f"task {i}") for i in range(10)]
    out = gt("sling", *beads, "--rig", rig, "--json").assert_success().json()
    agents = {s["agent"] for s in out["slung"]}
    assert len(agents) == 10
    convoy = [c for c in ledger(town, "convoys") if c["id"] == out["convoy"]]
    assert convoy and sorted(convoy[0]["tracks"]) == sorted(beads)

    wait_for(lambda: len(open_mrs(town)) == 10, 90, "ten merge requests")
    src = tmp_path / "src"
    mrs = {m["source_issue"]: m for m in open_mrs(town)}
    for s in out["slung"]:
        mr = mrs[s["bead"]]
        assert mr["branch"] == s["branch"] and mr["target"] == "main"
        assert mr["worker"] == s["agent"]
        # the branch is in the rig's repository, at the MR's commit, holding the work
        assert git_out(src, "rev-parse", f"refs/heads/{s['branch']}") == mr["commit_sha"]
        assert git_out(src, "show", f"{mr['commit_sha']}:work-{s['bead']}.txt") \
            == f"done: {s['bead']}"
        assert f"Refs: {s['bead']}" in git_out(src, "log", "-1", "--format=%B", mr["commit_sha"])
    work = {b["id"]: b for b in ledger(town, "work")}
    assert all(work[b]["status"] == "in_progress" for b in beads)  # open until merged
    agents_rows = ledger(town, "agents")
    assert all(a["hook"] is None and a["agent_state"] == "idle" for a in agents_rows)
    wait_for(lambda: not Tmux.for_town(town).running(), 10, "sessions to end")
    assert git_out(town.root, "status", "--porcelain") == ""


def test_polecats_are_reused_when_free_and_max_polecats_holds(town, gt, bd, rig):
    first = create(bd, "one")
    gt("sling", first, rig).assert_success()  # Gas Town's `gt sling BEAD RIG`
    wait_for(lambda: open_mrs(town), 30, "the first MR")
    wait_for(lambda: not Tmux.for_town(town).running(), 10, "the session to end")
    second = create(bd, "two")
    out = gt("sling", second, "--rig", rig, "--json").assert_success().json()
    assert out["slung"][0]["agent"] == "demo/nux"  # the free polecat, not a new name
    assert out["convoy"] is None

    wait_for(lambda: len(open_mrs(town)) == 2, 30, "the second MR")
    wait_for(lambda: not Tmux.for_town(town).running(), 10, "the session to end")
    toml = town.root / "rigs" / rig / "rig.toml"
    toml.write_text(toml.read_text().replace("max_polecats = 10", "max_polecats = 1"))
    busy = create(bd, "three")
    gt("sling", busy, "--rig", rig, "--var", "pause=30").assert_success()
    waits = gt("sling", create(bd, "four"), "--rig", rig, "--json").assert_success().json()
    assert waits["slung"] == [] and len(waits["waiting"]) == 1  # the scheduler queues it


def test_sling_refuses_bad_input_before_making_anything(town, gt, bd, rig, git_log):
    bead = create(bd, "ok")
    closed = create(bd, "closed")
    bd("close", closed).assert_success()
    before = git_log()
    for args, words in [
        (("sling", bead), "which rig?"),
        (("sling", "gt-nope", "--rig", rig), "no bead 'gt-nope'"),
        (("sling", closed, "--rig", rig), "is closed"),
        (("sling", bead, bead, "--rig", rig), "named twice"),
        (("sling", bead, "--rig", "ghost"), "no rig 'ghost'"),
        (("sling", bead, "--rig", rig, "--formula", "nosuch"), "nosuch"),
        (("sling", bead, "--rig", rig, "--var", "novalue"), "--var wants NAME=VALUE"),
        (("sling", bead, "--rig", rig, "--runtime", "nosuch"), "no runtime 'nosuch'"),
    ]:
        out = gt(*args)
        assert out.code in (1, 2) and words in out.err, (args, out.err)
    assert git_log() == before
    assert not (town.root / "rigs" / rig / "polecats").exists()
    gt("sling", bead, "--rig", rig, "--var", "pause=30").assert_success()
    again = gt("sling", bead, "--rig", rig).assert_failure()
    assert "already on demo/nux's hook" in again.err


def test_hook_prime_release_and_unsling(town, gt, bd, rig):
    bead = create(bd, "long job")
    gt("sling", bead, "--rig", rig, "--var", "pause=60").assert_success()
    hook = gt("hook", "demo/nux", "--json").assert_success().json()
    assert hook["hook"] == bead and hook["molecule"]
    prime = gt("prime", "demo/nux", "--json").assert_success().json()
    assert prime["hook"]["id"] == bead and prime["role"] == "polecat"
    assert [s["step_id"] for s in prime["steps"]] == ["implement", "test"]
    text = gt("prime", "demo/nux").assert_success().out
    assert f"On your hook: {bead} long job" in text and "gt done" in text

    refused = gt("release", bead).assert_failure()
    assert "session gt-demo-nux runs" in refused.err
    gt("agents", "stop", "demo/nux").assert_success()
    gt("release", bead).assert_success()
    work = {b["id"]: b for b in ledger(town, "work")}
    assert work[bead]["status"] == "open" and "assignee" not in work[bead]
    assert gt("hook", "demo/nux", "--json").json()["hook"] is None

    other = create(bd, "other")
    gt("sling", other, "--rig", rig, "--var", "pause=60").assert_success()
    gt("unsling", "demo/nux").assert_success()
    assert not Tmux.for_town(town).has("gt-demo-nux")
    assert {b["id"]: b for b in ledger(town, "work")}[other]["status"] == "open"


def test_a_newer_done_supersedes_the_older_merge_request(town, gt, bd, rig, tmp_path):
    bead = create(bd, "twice")
    gt("sling", bead, "--rig", rig).assert_success()
    first = wait_for(lambda: open_mrs(town), 30, "the first MR")[0]
    wait_for(lambda: not Tmux.for_town(town).running(), 10, "the session to end")
    # rework on the same polecat: hook it again by hand and finish with `gt done`
    gt("release", bead).assert_failure()  # nothing hooked now
    gt("mol", "burn", first["source_issue"]).assert_success()
    gt("sling", bead, "--rig", rig).assert_success()
    wait_for(lambda: len(ledger(town, "mq")) == 2 and open_mrs(town)
             and open_mrs(town)[0]["id"] != first["id"], 30, "the second MR")
    mq = {m["id"]: m for m in ledger(town, "mq")}
    assert mq[first["id"]]["status"] == "closed"
    assert mq[first["id"]]["close_reason"].startswith("superseded by ")
    assert len(open_mrs(town)) == 1


def test_injection_in_titles_and_vars_is_never_run(town, gt, bd, rig, tmp_path):
    marker = tmp_path / "pwned"
    nasty = [f"$(touch {marker})", f"`touch {marker}`", f"a; touch {marker}",
             "quote ' \" \\", "line\nbreak", "\x1b[31mred\x1b[0m", "C-c", "Enter"]
    beads = [create(bd, title) for title in nasty]
    out = gt("sling", *beads, "--rig", rig, "--var", f"pause=0;touch {marker}",
             "--json")
    # the var is handed to the step as data ($GT_VAR_PAUSE): `sleep` refuses it, nothing runs
    assert out.code == 0, out.err
    wait_for(lambda: all(a["hook"] is None for a in ledger(town, "agents")), 60,
             "the polecats to stop")
    assert not marker.exists()
    titles = {b["id"]: b["title"] for b in ledger(town, "work")}
    assert [titles[b] for b in beads] == [t.strip() for t in nasty]


def test_done_without_work_refuses_and_keeps_the_hook(town, gt, bd, rig):
    bead = create(bd, "nothing")
    gt("sling", bead, "--rig", rig, "--var", "pause=60").assert_success()
    gt("agents", "stop", "demo/nux").assert_success()
    wt = town.root / "rigs" / rig / "polecats" / "nux"
    out = gt("done", "demo/nux").assert_failure()
    assert "still has open steps" in out.err
    assert gt("hook", "demo/nux", "--json").json()["hook"] == bead
    subprocess.run(["git", "status"], cwd=wt, check=True, capture_output=True)


def test_each_way_of_giving_the_first_prompt_reaches_the_client(town, gt, bd, rig, tmp_path):
    """A client that records its argv and stdin: argument, stdin and none."""
    recorder = tmp_path / "client.py"
    recorder.write_text(
        "import json, os, sys\n"
        "data = sys.stdin.read() if not sys.stdin.isatty() else ''\n"
        "name = 'client-' + os.environ['GT_AGENT'].replace('/', '-')\n"
        "out = os.path.join(os.environ['GT_TOWN'], '.gastown', name)\n"
        "open(out, 'w').write(json.dumps({'argv': sys.argv[1:], 'stdin': data}))\n")
    folder = town.root / "runtimes"
    folder.mkdir()
    for way in ("argument", "stdin", "none"):
        (folder / f"rec-{way}.toml").write_text(
            f'command = ["{{python}}", "{recorder}"]\nprompt = "{way}"\nprime = "prompt"\n'
            'ready = "> "\nbusy = "busy"\n')
    got = {}
    for way in ("argument", "stdin", "none"):
        bead = create(bd, f"via {way}")
        agent = gt("sling", bead, "--rig", rig, "--runtime", f"rec-{way}",
                   "--json").json()["slung"][0]["agent"]
        path = town.root / ".gastown" / f"client-{agent.replace('/', '-')}"
        got[way] = wait_for(lambda path=path: path.exists() and path.read_text(), 15, way)
    import json

    argument, stdin, none = (json.loads(got[w]) for w in ("argument", "stdin", "none"))
    assert "Run `gt prime`" in argument["argv"][-1] and argument["stdin"] == ""
    assert stdin["argv"] == [] and "Run `gt prime`" in stdin["stdin"]
    assert none["argv"] == [] and none["stdin"] == ""
