"""`gt sling` of several beads makes a convoy that follows the work to its landing."""
from __future__ import annotations

from tests.convoys.conftest import convoy_of, mail_to, merge
from tests.work.conftest import create, ledger, wait_for


def states(gt, convoy: str) -> list[tuple[str, str]]:
    status = gt("convoy", "status", convoy, "--json").assert_success().json()
    return [(m["id"], m["state"]) for m in status["members"]]


def test_a_sling_of_several_beads_is_a_convoy_that_lands_when_merged(town, gt, bd, rig):
    beads = [create(bd, "one"), create(bd, "two")]
    out = gt("sling", *beads, "--rig", rig, "--json").assert_success().json()
    convoy = out["convoy"]
    assert convoy and convoy_of(town, convoy)["rig"] == rig
    assert {state for _, state in states(gt, convoy)} <= {"hooked", "queued"}
    assert [x["id"] for x in gt("convoy", "list", "--json").assert_success().json()] == [convoy]

    def queued() -> bool:
        return states(gt, convoy) == [(b, "queued") for b in beads]

    wait_for(queued, 60, "both beads in the merge queue")
    assert all(b["status"] == "in_progress" for b in ledger(town, "work"))
    assert convoy_of(town, convoy)["status"] == "open"
    for bead in beads:
        merge(town, bead)
    # a reactor started by a polecat's `gt done` may still hold the lock: it lands it
    wait_for(lambda: convoy_of(town, convoy)["status"] == "closed", 30, "the landing")
    assert states(gt, convoy) == [(b, "merged") for b in beads]
    assert len(mail_to(town, "tester")) == 1
