"""Escalations in a real town: routing by severity, ack, re-escalation, bad input."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from gastown.escalations import banner, ops
from gastown.escalations.routing import due_reescalations
from gastown.town import feed
from tests.work.conftest import create, ledger


def mail_to(town, who):
    return [m for m in ledger(town, "mail") if m["to"] == who]


def raise_(gt, severity, message, *more):
    return gt("escalate", "-s", severity, message, *more, "--json").assert_success().json()


def test_medium_mails_the_deacon_and_high_mails_the_mayor(town, gt, bd, git_log):
    bead = create(bd, "flaky build")
    medium = raise_(gt, "MEDIUM", "disk almost full", "--source", bead)
    assert medium["routed_to"] == "deacon" and medium["acked"] is False
    assert medium["severity"] == "MEDIUM" and medium["source"] == bead
    assert git_log()[0] == f"gt escalate: MEDIUM {medium['id']} -> deacon"
    [note] = mail_to(town, "deacon")
    assert medium["id"] in note["title"] and "disk almost full" in note["description"]
    assert f"gt escalate ack {medium['id']}" in note["description"]

    high = raise_(gt, "high", "tests fail on main")  # severity in any case
    assert high["routed_to"] == "mayor" and high["severity"] == "HIGH"
    assert [m["title"] for m in mail_to(town, "mayor")] == [
        f"Escalation {high['id']}: HIGH: tests fail on main"]
    assert banner.read(town, high["id"]) is None
    assert not [e for e in feed.read(town) if e["type"] == "escalated"]


def test_critical_reaches_the_overseer_by_banner_and_feed(town, gt):
    crit = raise_(gt, "CRITICAL", "the refinery lost main")
    assert crit["routed_to"] == "overseer"
    assert not mail_to(town, "mayor") and not mail_to(town, "deacon")
    text = banner.read(town, crit["id"])
    assert text and "ESCALATION CRITICAL" in text and "the refinery lost main" in text
    events = [e for e in feed.read(town) if e["type"] == "escalated"]
    assert [(e["bead"], e["to"], e["severity"]) for e in events] == [
        (crit["id"], "overseer", "CRITICAL")]
    assert "escalated" in gt("feed").assert_success().out


def test_list_ack_and_escalations_stay_out_of_work_listings(town, gt, bd):
    work = create(bd, "real work")
    crit = raise_(gt, "CRITICAL", "fire")
    med = raise_(gt, "MEDIUM", "smoke")
    listed = gt("escalate", "list", "--json").assert_success().json()
    assert [b["id"] for b in listed] == [crit["id"], med["id"]]  # most severe first
    assert "fire" in gt("escalate", "list").assert_success().out
    assert [b["id"] for b in bd("ready", "--json").assert_success().json()] == [work]
    assert [b["id"] for b in bd("list", "--json").assert_success().json()] == [work]

    acked = gt("escalate", "ack", crit["id"], "--json").assert_success().json()
    assert acked["acked"] is True and acked["acked_by"] == "tester"
    assert acked["status"] == "closed"
    assert banner.read(town, crit["id"]) is None
    assert [b["id"] for b in gt("escalate", "list", "--json").json()] == [med["id"]]
    every = gt("escalate", "list", "--all", "--json").assert_success().json()
    assert {b["id"] for b in every} == {crit["id"], med["id"]}
    gt("escalate", "ack", crit["id"]).assert_success()  # again: nothing changes


def test_an_unacknowledged_escalation_moves_up_after_the_timeout(town, gt):
    toml = town.root / "town.toml"
    toml.write_text(toml.read_text() + '\n[escalation]\nreescalate_after = "2s"\n')
    med = raise_(gt, "MEDIUM", "queue stuck")
    acked = raise_(gt, "MEDIUM", "handled")
    gt("escalate", "ack", acked["id"]).assert_success()
    assert gt("escalate", "check", "--json").assert_success().json() == []  # not yet

    later = datetime.now(timezone.utc) + timedelta(seconds=3)
    [moved] = ops.reescalate(town, at=later)
    assert moved["id"] == med["id"] and moved["routed_to"] == "mayor"
    assert moved["reescalations"] == 1
    assert [m["title"] for m in mail_to(town, "mayor")] == [
        f"Re-escalated {med['id']}: MEDIUM: queue stuck"]
    assert ops.reescalate(town, at=later) == []  # its clock starts again at the mayor

    [top] = ops.reescalate(town, at=later + timedelta(seconds=3))
    assert top["routed_to"] == "overseer"
    assert "queue stuck" in (banner.read(town, med["id"]) or "")
    assert ops.reescalate(town, at=later + timedelta(hours=1)) == []  # the top
    assert [e["to"] for e in feed.read(town) if e["type"] == "escalated"] == ["overseer"]


def test_due_reescalations_is_a_pure_decision():
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def esc(eid, level, minutes_ago, **extra):
        at = (t0 - timedelta(minutes=minutes_ago)).isoformat()
        return {"id": eid, "issue_type": "escalation", "status": "open", "acked": False,
                "routed_to": level, "routed_at": at, **extra}

    beads = [esc("gt-a", "deacon", 31), esc("gt-b", "mayor", 45), esc("gt-c", "deacon", 5),
             esc("gt-d", "overseer", 90), esc("gt-e", "deacon", 60, acked=True),
             esc("gt-f", "mayor", 40, status="closed"), {"id": "gt-g", "issue_type": "task"}]
    assert due_reescalations(beads, t0, timedelta(minutes=30)) == [
        ("gt-b", "overseer"), ("gt-a", "mayor")]
    assert due_reescalations(beads, t0, timedelta(hours=2)) == []


def test_bad_input_is_a_clean_error_and_writes_nothing(town, gt, git_log):
    before = git_log()
    for args, words, code in [
        (("escalate", "-s", "URGENT", "x"), "unknown severity 'URGENT'", 2),
        (("escalate", "-s", "HIGH", "  "), "needs a message", 2),
        (("escalate", "-s", "HIGH"), "needs a message", 2),
        (("escalate", "something"), "how severe?", 2),
        (("escalate", "-s", "HIGH", "x", "--source", "gt-nope"), "no bead 'gt-nope'", 1),
        (("escalate", "ack", "gt-nope"), "no escalation 'gt-nope'", 1),
        (("escalate", "ack"), "acknowledge which?", 2),
    ]:
        out = gt(*args)
        assert out.code == code and words in out.err, (args, out.code, out.err)
        assert "Traceback" not in out.err
    toml = town.root / "town.toml"
    toml.write_text(toml.read_text() + '\n[escalation]\nreescalate_after = "soon"\n')
    out = gt("escalate", "check").assert_failure()
    assert "reescalate_after" in out.err
    assert git_log() == before
    assert not (town.root / ".gastown" / "banners").exists()


def test_the_python_api_names_its_sender(town):
    bead = ops.escalate(town, "HIGH", "polecat demo/nux is stuck", sender="demo/witness")
    assert bead["created_by"] == "demo/witness"
    [note] = [json.loads(line) for line in (town.root / "beads" / "mail.jsonl")
              .read_text().splitlines() if line]
    assert note["sender"] == "demo/witness" and note["to"] == "mayor"


def test_an_escalation_does_not_become_work(town, gt, bd):
    esc = raise_(gt, "MEDIUM", "look at this")
    assert "only work beads change type" in bd("update", esc["id"], "--type", "task").err
