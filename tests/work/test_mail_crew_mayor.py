"""Mail between agents, crew clones, the Mayor's session, handoff."""
from __future__ import annotations

import subprocess

from gastown.agents.tmux import Tmux
from tests.conftest import git_out
from tests.work.conftest import create, ledger, wait_for


def slung(town, gt, bd, rig, n=2):
    """n polecats at work, each settled in its first (long) step: no commits for a while."""
    beads = [create(bd, f"job {i}") for i in range(n)]
    gt("sling", *beads, "--rig", rig, "--var", "pause=60").assert_success()
    for bead in beads:
        ran = town.root / ".gastown" / f"ran-{bead}"
        wait_for(lambda ran=ran: ran.exists(), 20, f"{bead}'s first step")
    return beads


def test_mail_send_inbox_read_reply_thread(town, gt, bd, rig, git_log, monkeypatch):
    slung(town, gt, bd, rig)
    sent = gt("mail", "send", "demo/nux", "-s", "status?", "-m", "how is it\ngoing", "--json")
    first = sent.assert_success().json()[0]
    assert first["to"] == "demo/nux" and first["sender"] == "tester" and not first["read"]
    # one commit (the polecats' own step commits may land around it)
    assert [s for s in git_log() if s.startswith("gt mail send:")] == [
        "gt mail send: demo/nux status?"]

    inbox = gt("mail", "inbox", "demo/nux", "--json").assert_success().json()
    assert [m["id"] for m in inbox] == [first["id"]]
    prime = gt("prime", "demo/nux", "--json").json()
    assert [m["id"] for m in prime["mail"]] == [first["id"]]

    monkeypatch.setenv("GT_AGENT", "demo/nux")
    shown = gt("mail", "read", first["id"]).assert_success().out
    assert "how is it\ngoing" in shown
    assert gt("mail", "inbox", "--json").json() == []  # read now
    assert len(gt("mail", "inbox", "--all", "--json").json()) == 1
    reply = gt("mail", "reply", first["id"], "-m", "fine", "--json").assert_success().json()[0]
    assert (reply["to"], reply["sender"], reply["title"]) == ("tester", "demo/nux", "Re: status?")
    assert reply["thread"] == first["id"]
    thread = gt("mail", "thread", reply["id"], "--json").json()
    assert [m["id"] for m in thread] == [first["id"], reply["id"]]


def test_group_address_reaches_every_agent_of_the_rig(town, gt, bd, rig):
    slung(town, gt, bd, rig, 3)
    sent = gt("mail", "send", "@rig/demo", "-s", "stop soon", "--json").assert_success().json()
    assert sorted(m["to"] for m in sent) == ["demo/ace", "demo/nux", "demo/refinery",
                                             "demo/toast", "demo/witness"]
    assert len({m["thread"] for m in sent}) == 1
    assert len(ledger(town, "mail")) == 5


def test_mail_refuses_unknown_addresses_and_empty_subjects(town, gt, bd, rig, git_log):
    slung(town, gt, bd, rig, 1)
    before = git_log()
    for args, words in [
        (("mail", "send", "demo/ghost", "-s", "x"), "no agent 'demo/ghost'"),
        (("mail", "send", "nowhere/x", "-s", "x"), "no rig 'nowhere'"),
        (("mail", "send", "not an address", "-s", "x"), "bad address"),
        (("mail", "send", "demo/nux", "-s", " "), "needs a subject"),
        (("mail", "read", "gt-nope"), "no message 'gt-nope'"),
    ]:
        out = gt(*args)
        assert out.code in (1, 2) and words in out.err, (args, out.err)
    assert git_log() == before
    # the rig's witness and refinery, and the town's roles, are always addressable
    gt("mail", "send", "demo/witness", "-s", "hi").assert_success()
    gt("mail", "send", "mayor", "-s", "hi").assert_success()


def test_mail_text_with_escapes_is_stored_exactly_and_printed_harmlessly(town, gt, bd, rig):
    slung(town, gt, bd, rig, 1)
    evil = "\x1b]0;owned\x07\x1b[2J$(rm -rf /)"
    sent = gt("mail", "send", "demo/nux", "-s", evil, "-m", evil, "--json").json()[0]
    assert ledger(town, "mail")[0]["title"] == evil
    out = gt("mail", "inbox", "demo/nux").assert_success().out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b" in out
    assert "\x1b" not in gt("mail", "read", sent["id"]).out


def test_crew_add_list_at_remove(town, gt, rig, tmp_path):
    added = gt("crew", "add", "alice", "--rig", rig, "--json").assert_success().json()
    assert added["role"] == "crew"
    clone = town.root / "rigs" / rig / "crew" / "alice"
    assert git_out(clone, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git_out(clone, "remote", "get-url", "origin") == str((tmp_path / "src").resolve())
    assert "exists" in gt("crew", "add", "alice", "--rig", rig).assert_failure().err
    assert "bad crew name" in gt("crew", "add", "witness", "--rig", rig).assert_failure(2).err

    out = gt("crew", "at", "alice", "--rig", rig).assert_success().out
    assert "attach from a terminal" in out  # no terminal here: started, and says how
    assert Tmux.for_town(town).has("gt-demo-alice")
    assert gt("crew", "list", "--json").json()[0]["running"] is True

    (clone / "mine.txt").write_text("unsaved")
    refused = gt("crew", "remove", "demo/alice").assert_failure()
    assert "uncommitted" in refused.err and clone.exists()
    gt("crew", "remove", "alice", "--rig", rig, "--force").assert_success()
    assert not clone.exists() and not Tmux.for_town(town).has("gt-demo-alice")
    assert gt("crew", "list", "--json").json() == []


def test_a_crew_name_is_never_given_to_a_polecat(town, gt, bd, rig):
    gt("crew", "add", "nux", "--rig", rig).assert_success()
    out = gt("sling", create(bd, "x"), "--rig", rig, "--var", "pause=60", "--json").json()
    assert out["slung"][0]["agent"] == "demo/toast"


def test_mayor_attach_starts_the_mayor_with_the_towns_context(town, gt, rig):
    out = gt("mayor", "attach").assert_success().out
    assert "gt-mayor" in out
    tmux = Tmux.for_town(town)
    assert tmux.has("gt-mayor")
    wait_for(lambda: any("You are the mayor" in line for line in tmux.capture("gt-mayor")), 15,
             "the mayor's prime in its pane")
    agents = gt("agents", "list", "--json").json()
    assert [a["name"] for a in agents if a["role"] == "mayor"] == ["mayor"]
    gt("mayor", "attach").assert_success()  # again: the same session, no second identity
    assert len([a for a in ledger(town, "agents") if a["role"] == "mayor"]) == 1


def test_handoff_mails_self_and_resumes_from_the_hook(town, gt, bd, rig):
    bead = create(bd, "hand me off")
    gt("sling", bead, "--rig", rig, "--var", "pause=1").assert_success()
    gt("handoff", "demo/nux", "-m", "resume the test step").assert_success()
    note = [m for m in ledger(town, "mail") if m["to"] == "demo/nux"]
    assert note and note[0]["title"] == f"handoff: {bead}"
    wait_for(lambda: [m for m in ledger(town, "mq") if m["source_issue"] == bead], 60,
             "the merge request after the handoff")
    subprocess.run(["git", "status"], cwd=town.root, check=True, capture_output=True)
