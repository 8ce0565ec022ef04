"""What users of bd-like tools expect: id prefixes, `ready --mine`, design and
acceptance fields, clear claims. Run as real `bd` and `gt` processes in a temp town."""
from __future__ import annotations

import os

import pytest

from gastown.town.paths import Town
from tests.conftest import Outcome, run_process


def _run(town: Town, *args: str, actor: str = "tester") -> Outcome:
    env = {**os.environ, "BD_ACTOR": actor}
    return run_process(*args, cwd=town.root, env=env)


def _create(town: Town, title: str, *flags: str) -> str:
    return _run(town, "bd", "create", title, "--silent", *flags).assert_success().out.strip()


@pytest.fixture
def pair(town: Town) -> tuple[str, str]:
    """Two beads whose ids share no first hash letter: `gt-a...` and `gt-b...`."""
    return (_create(town, "alpha", "--id", "gt-a1b2"), _create(town, "beta", "--id", "gt-b3c4"))


@pytest.mark.parametrize("cli", [("bd",), ("gt", "bead")])
def test_a_unique_prefix_names_the_bead(town: Town, pair, cli) -> None:
    for typed in ("a1", "gt-a1", "a1b2", "gt-a1b2"):
        out = _run(town, *cli, "show", typed, "--json").assert_success().json()
        assert out["id"] == "gt-a1b2", typed


def test_an_ambiguous_prefix_lists_the_matches(town: Town) -> None:
    _create(town, "one", "--id", "gt-ab12")
    _create(town, "two", "--id", "gt-ab34")
    err = _run(town, "bd", "show", "ab").assert_failure(1).err
    assert "ambiguous" in err and "gt-ab12" in err and "gt-ab34" in err


def test_an_exact_id_wins_over_longer_ones(town: Town) -> None:
    _create(town, "short", "--id", "gt-ab")
    _create(town, "long", "--id", "gt-abcd")
    assert _run(town, "bd", "show", "gt-ab", "--json").assert_success().json()["title"] == "short"


def test_a_prefix_names_the_parent_not_its_children(town: Town, pair) -> None:
    child = _create(town, "child", "--parent", "a1")
    assert child == "gt-a1b2.1"
    assert _run(town, "bd", "show", "a1", "--json").assert_success().json()["id"] == "gt-a1b2"


def test_writers_take_prefixes_and_record_full_ids(town: Town, pair) -> None:
    _run(town, "bd", "dep", "add", "a1", "b3").assert_success()
    bead = _run(town, "bd", "show", "a1", "--json").assert_success().json()
    assert bead["dependencies"][0]["depends_on_id"] == "gt-b3c4"
    _run(town, "bd", "dep", "remove", "a1", "b3").assert_success()
    _run(town, "bd", "close", "b3").assert_success()
    assert _run(town, "bd", "show", "gt-b3c4", "--json").json()["status"] == "closed"
    _run(town, "bd", "show", "zz").assert_failure(1)


@pytest.mark.parametrize("cli", [("bd",), ("gt", "bead")])
def test_ready_mine_and_assignee(town: Town, cli) -> None:
    mine = _create(town, "mine", "-a", "me")
    theirs = _create(town, "theirs", "-a", "them")
    ids = [b["id"] for b in _run(town, *cli, "ready", "--mine", "--json", actor="me").json()]
    assert ids == [mine]
    ids = [b["id"] for b in _run(town, *cli, "ready", "--assignee", "them", "--json").json()]
    assert ids == [theirs]
    _run(town, *cli, "ready", "--mine", "--assignee", "x").assert_failure(2)


@pytest.mark.parametrize("cli", [("bd",), ("gt", "bead")])
def test_design_and_acceptance_on_create_and_update(town: Town, cli) -> None:
    out = _run(town, *cli, "create", "t", "--design", "D1", "--acceptance", "A1", "--json")
    bead = out.assert_success().json()
    assert (bead["design"], bead["acceptance_criteria"]) == ("D1", "A1")
    _run(town, *cli, "update", bead["id"], "--design", "D2", "--acceptance", "").assert_success()
    shown = _run(town, "bd", "show", bead["id"], "--json").json()
    assert shown["design"] == "D2" and "acceptance_criteria" not in shown
    assert "Design:\nD2" in _run(town, "bd", "show", bead["id"]).out


def test_claims_say_what_happened(town: Town) -> None:
    bid = _create(town, "work")
    assert "Claimed" in _run(town, "bd", "update", bid, "--claim", actor="me").assert_success().out
    again = _run(town, "bd", "update", bid, "--claim", actor="me").assert_success()
    assert "already yours" in again.out
    taken = _run(town, "bd", "update", bid, "--claim", actor="other").assert_failure(1)
    assert "already claimed by me" in taken.err
    _run(town, "bd", "close", bid).assert_success()
    closed = _run(town, "bd", "update", bid, "--claim", actor="me").assert_failure(1)
    assert "is closed" in closed.err
