"""Convoys in a real town: the commands, landing through the reactor, replays, reopening."""
from __future__ import annotations

from gastown.githooks import events as ev
from gastown.githooks import reactor
from gastown.githooks.reactions import REGISTRY
from tests.conftest import git_out
from tests.convoys.conftest import convoy_of, feed, mail_to, merge, submit
from tests.work.conftest import create


def new_convoy(gt, *args: str) -> str:
    return gt("convoy", "create", *args, "--json").assert_success().json()["id"]


def test_create_add_list_and_status(town, gt, bd):
    a, b, c = (create(bd, f"task {i}") for i in "abc")
    out = gt("convoy", "create", "wave one", a, b, "--notify", "mayor", "--json")
    made = out.assert_success().json()
    assert made["tracks"] == [a, b] and made["created_by"] == "tester"
    assert made["notify"] == "mayor" and made["status"] == "open"
    assert convoy_of(town, made["id"])["tracks"] == [a, b]

    added = gt("convoy", "add", made["id"], c, a, "--json").assert_success().json()
    assert added["tracks"] == [a, b, c] and added["added"] == [c] and not added["reopened"]

    listed = gt("convoy", "list", "--json").assert_success().json()
    assert [x["id"] for x in listed] == [made["id"]]
    assert "wave one" in gt("convoy", "list").assert_success().out

    bd("update", b, "--status", "hooked", "--assignee", "demo/nux").assert_success()
    bd("close", c, "--reason", "not needed").assert_success()
    status = gt("convoy", "status", "wave one", "--json").assert_success().json()
    assert [(m["id"], m["state"], m["detail"]) for m in status["members"]] == [
        (a, "open", ""), (b, "hooked", "demo/nux"), (c, "closed", "not needed")]
    assert status["landable"] is False and status["banner"] is None
    text = gt("convoy", "status", made["id"]).assert_success().out
    assert "demo/nux" in text and "waiting for 2 of 3 beads" in text


def test_bad_input_is_a_clean_error_and_writes_nothing(town, gt, bd, git_log):
    bead = create(bd, "work")
    message = gt("mail", "send", "mayor", "-s", "hi", "--json").assert_success().json()[0]["id"]
    convoy = new_convoy(gt, "wave", bead)
    before = git_log()
    for args, words in [
        (("create", "", bead), "NAME"),
        (("create", "  ", bead), "NAME"),
        (("create", "wave", "gt-nope"), "no bead 'gt-nope'"),
        (("create", "wave", message), f"{message} is a message, not work"),
        (("create", "wave", convoy), f"{convoy} is a convoy, not work"),
        (("create", "wave", bead, bead), f"bead {bead} is named twice"),
        (("create", "wave", bead, "--notify", "ghost/nux"), "--notify 'ghost/nux'"),
        (("create", "wave", bead, "--notify", "no body!"), "--notify 'no body!'"),
        (("add", "gt-nope", bead), "no convoy 'gt-nope'"),
        (("add", bead, bead), f"{bead} is a task, not a convoy"),
        (("add", convoy, "gt-nope"), "no bead 'gt-nope'"),
        (("status", "gt-nope"), "no convoy 'gt-nope'"),
        (("land", "gt-nope"), "no convoy 'gt-nope'"),
        (("land", convoy), f"{bead} (open)"),
    ]:
        out = gt("convoy", *args)
        assert out.code in (1, 2) and words in out.err, (args, out.err)
        assert "Traceback" not in out.err
    assert git_log() == before


def test_a_convoy_lands_when_its_work_merges_not_when_it_is_submitted(town, gt, bd):
    a, b = create(bd, "a"), create(bd, "b")
    convoy = new_convoy(gt, "wave", a, b, "--notify", "bob")
    mr_a, mr_b = submit(town, a), submit(town, b)
    status = gt("convoy", "status", convoy, "--json").assert_success().json()
    assert [(m["state"], m["detail"]) for m in status["members"]] == [
        ("queued", mr_a), ("queued", mr_b)]
    merge(town, a)
    assert convoy_of(town, convoy)["status"] == "open"  # b is only submitted
    assert not feed(town, "convoy_landed") and not mail_to(town, "bob")

    merge(town, b)
    landed = convoy_of(town, convoy)
    assert landed["status"] == "closed" and landed["landed_at"]
    assert landed["close_reason"] == "landed: every tracked bead closed (2 of 2 merged)"
    # one commit closes the convoy and mails its owner and notify, as the merger
    assert git_out(town.root, "show", "--format=%B", "--name-only", "HEAD").split() == [
        "gt", "convoy", "land:", convoy, "Actor:", "demo/refinery",
        "beads/convoys.jsonl", "beads/mail.jsonl"]
    assert [m["sender"] for m in mail_to(town, "tester") + mail_to(town, "bob")] == [
        "demo/refinery", "demo/refinery"]
    status = gt("convoy", "status", convoy, "--json").assert_success().json()
    assert [m["state"] for m in status["members"]] == ["merged", "merged"]
    assert "CONVOY LANDED" in status["banner"] and convoy in status["banner"]


def test_landing_mails_feeds_and_bans_exactly_once_across_replays(town, gt, bd):
    a, b = create(bd, "a"), create(bd, "b")
    convoy = new_convoy(gt, "wave", a, b, "--notify", "bob")
    bd("close", a).assert_success()
    before_close = git_out(town.root, "rev-parse", "HEAD")
    bd("close", b, "--reason", "not needed").assert_success()

    def counts() -> tuple[int, int, int]:
        return (len(mail_to(town, "tester")), len(mail_to(town, "bob")),
                len(feed(town, "convoy_landed")))

    assert counts() == (1, 1, 1)
    assert convoy_of(town, convoy)["status"] == "closed"
    banner = (town.state / "banners" / f"{convoy}.txt").read_text()
    assert "CONVOY LANDED" in banner and "not needed" in banner
    (landed_event,) = feed(town, "convoy_landed")
    assert landed_event["bead"] == convoy and landed_event["tracks"] == [a, b]

    head = git_out(town.root, "rev-parse", "HEAD")
    reactor.write_cursor(town, before_close)  # the reactor replays the close and landing
    assert reactor.react(town) >= 2
    for commit in ev.commits_between(town.root, before_close, head):
        REGISTRY["convoys"](town, ev.commit_events(town.root, commit, {}))
    assert counts() == (1, 1, 1)
    assert git_out(town.root, "rev-parse", "HEAD") == head  # no second landing commit
    assert (town.state / "banners" / f"{convoy}.txt").read_text() == banner
    listing = gt("convoy", "list").assert_success().out
    assert "landed" in listing and "CONVOY LANDED" in listing


def test_reopening_a_tracked_bead_reopens_the_convoy(town, gt, bd):
    a = create(bd, "a")
    convoy = new_convoy(gt, "wave", a)
    bd("close", a).assert_success()
    assert convoy_of(town, convoy)["landed_at"]
    bd("reopen", a).assert_success()
    reopened = convoy_of(town, convoy)
    assert reopened["status"] == "open"
    assert not {"landed_at", "closed_at", "close_reason"} & reopened.keys()
    assert not (town.state / "banners" / f"{convoy}.txt").exists()
    assert "open" in gt("convoy", "list").assert_success().out

    bd("close", a).assert_success()  # lands again: a second landing, a second mail
    assert convoy_of(town, convoy)["status"] == "closed"
    assert len(mail_to(town, "tester")) == 2 and len(feed(town, "convoy_landed")) == 2


def test_adding_a_bead_to_a_landed_convoy_reopens_it(town, gt, bd):
    a, b = create(bd, "a"), create(bd, "b")
    convoy = new_convoy(gt, "wave", a)
    bd("close", a).assert_success()
    out = gt("convoy", "add", convoy, b, "--json").assert_success().json()
    assert out["reopened"] and out["status"] == "open" and "landed_at" not in out
    assert convoy_of(town, convoy)["tracks"] == [a, b]
    assert not (town.state / "banners" / f"{convoy}.txt").exists()
    bd("close", b).assert_success()
    assert convoy_of(town, convoy)["status"] == "closed"


def test_land_by_hand_refuses_open_work_unless_forced(town, gt, bd, monkeypatch):
    a, b = create(bd, "a"), create(bd, "b")
    convoy = new_convoy(gt, "wave", a, b)
    bd("close", a).assert_success()
    refused = gt("convoy", "land", convoy).assert_failure()
    assert f"{b} (open)" in refused.err and "--force" in refused.err and a not in refused.err

    forced = gt("convoy", "land", convoy, "--force").assert_success().out
    assert "CONVOY LANDED" in forced and "Mailed tester" in forced
    landed = convoy_of(town, convoy)
    assert landed["status"] == "closed" and landed["close_reason"].startswith("landed by hand")
    assert "landed already" in gt("convoy", "land", convoy).assert_success().out
    bd("close", b).assert_success()
    assert len(mail_to(town, "tester")) == 1


def test_land_by_hand_when_the_reactions_are_off(town, gt, bd, monkeypatch):
    a = create(bd, "a")
    convoy = new_convoy(gt, "wave", a)
    monkeypatch.setenv("GT_REACT", "off")
    bd("close", a).assert_success()
    assert convoy_of(town, convoy)["status"] == "open"
    out = gt("convoy", "land", convoy, "--json").assert_success().json()
    assert out["landed"] and out["status"] == "closed" and len(out["mail"]) == 1
    assert out["close_reason"] == "landed: every tracked bead closed (0 of 1 merged)"


def test_a_convoy_of_closed_beads_lands_as_it_is_made(town, gt, bd):
    a = create(bd, "a")
    bd("close", a, "--reason", "done already").assert_success()
    convoy = new_convoy(gt, "late", a)
    assert convoy_of(town, convoy)["status"] == "closed"
    assert f"convoy_landed        {convoy} (1 bead)" in gt("feed").assert_success().out
