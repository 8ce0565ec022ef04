"""Input errors of `bd` are clean: exit 2, the argument named, no traceback, nothing written."""
from __future__ import annotations

import os
import subprocess

from tests.conftest import BIN, run_process


def _head(root) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_argv_that_is_not_utf8_is_refused(town) -> None:
    before = _head(town.root)
    proc = subprocess.run([str(BIN / "bd"), "create", b"\xff"], cwd=town.root,
                          capture_output=True, stdin=subprocess.DEVNULL)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2
    assert "argument 2 is not UTF-8" in err and "\\xff" in err
    assert "Traceback" not in err
    assert _head(town.root) == before


def test_version(bd) -> None:
    outcome = bd("--version")
    assert outcome.code == 0
    assert "bd version 0.1.0 (gastown)" in outcome.out


def test_negative_limit_is_refused(bd, town) -> None:
    for verb in ("list", "ready", "search"):
        args = [verb, "x"] if verb == "search" else [verb]
        outcome = bd(*args, "--limit=-3")
        assert outcome.code == 2, (verb, outcome)
        assert "--limit must not be negative" in outcome.err
        assert "Traceback" not in outcome.err


def test_show_without_ids_is_a_usage_error(bd, gt, town) -> None:
    for outcome in (bd("show"), gt("bead", "show")):
        assert outcome.code == 2, outcome
        assert "required: ids" in outcome.err or "at least one bead id" in outcome.err
        assert "Traceback" not in outcome.err


def test_update_with_nothing_to_change_or_assignee_with_claim(bd, town) -> None:
    bead_id = bd("create", "a task", "--json").assert_success().out.split('"id": "')[1].split('"')[0]
    before = _head(town.root)
    nothing = bd("update", bead_id)
    assert nothing.code == 2 and "nothing to change" in nothing.err
    both = bd("update", bead_id, "-a", "bob", "--claim")
    assert both.code == 2 and "--assignee and --claim" in both.err
    assert "Traceback" not in nothing.err + both.err
    assert _head(town.root) == before


def _ledger(town) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(town.beads.glob("*.jsonl"))}


def test_a_line_nested_too_deep_is_named_not_a_crash(town, tmp_path) -> None:
    deep = "[" * 100_000 + "\n"
    (town.beads / "work.jsonl").write_text(deep)
    for args in (["list"], ["validate"], ["import", "-i", str(town.beads / "work.jsonl")]):
        outcome = run_process("bd", *args, cwd=town.root)
        assert outcome.code == 1, (args, outcome)
        assert "beads/work.jsonl:1: bad JSON: nested more than 100 levels deep" in outcome.err
        assert "Traceback" not in outcome.err and "internal error" not in outcome.err
    assert (town.beads / "work.jsonl").read_text() == deep


def test_the_event_diff_skips_a_line_nested_too_deep() -> None:
    from gastown.githooks.events import _decode

    assert _decode({b"[" * 100_000}, "beads/work.jsonl") is None


def test_an_unknown_type_is_refused_with_the_known_ones(town) -> None:
    bead_id = run_process("bd", "create", "work", "--silent", cwd=town.root).out.strip()
    before, files = _head(town.root), _ledger(town)
    for args in (["create", "x", "-t", "molecule"], ["create", "x", "-t", "spike"],
                 ["update", bead_id, "-t", "spike"]):
        outcome = run_process("bd", *args, cwd=town.root)
        assert outcome.code == 2, (args, outcome)
        assert f"unknown type '{args[-1]}'; known types: task, bug, feature, epic, chore" \
            in outcome.err
        assert "Traceback" not in outcome.err
    assert _head(town.root) == before and _ledger(town) == files


def test_a_type_declared_in_town_toml_is_allowed(town) -> None:
    with open(town.root / "town.toml", "a") as f:
        f.write('\n[beads]\ntypes = ["spike"]\n')
    bead_id = run_process("bd", "create", "x", "-t", "spike", "--silent",
                          cwd=town.root).assert_success().out.strip()
    run_process("bd", "update", bead_id, "-t", "bug", cwd=town.root).assert_success()
    with open(town.root / "town.toml", "a") as f:
        f.write('[oops]\n[beads]\n')
    broken = run_process("bd", "create", "y", cwd=town.root)
    assert broken.code == 1 and "town.toml" in broken.err and "Traceback" not in broken.err


def test_export_to_a_folder_or_into_a_missing_one_is_refused(town, tmp_path) -> None:
    run_process("bd", "create", "work", cwd=town.root).assert_success()
    folder = tmp_path / "out"
    folder.mkdir()
    cases = [(str(folder), 2, "is a folder; name a file"),
             (str(tmp_path / "missing" / "x.jsonl"), 1, "does not exist"),
             ("/", 2, "is a folder")]
    for target, code, reason in cases:
        outcome = run_process("bd", "export", "-o", target, cwd=town.root)
        assert outcome.code == code, (target, outcome)
        assert f"-o {target}: " in outcome.err and reason in outcome.err
        assert "Traceback" not in outcome.err
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "out", "town"]
    assert not list(town.beads.glob(".*.tmp"))


NUMBER_CASES = [
    (["mol", "run", "gt-x", "--jobs=-2"], "--jobs must be at least 1"),
    (["mol", "run", "gt-x", "--jobs=0"], "--jobs must be at least 1"),
    (["mol", "run", "gt-x", "--jobs=two"], "--jobs wants a whole number"),
    (["mol", "run", "gt-x", "--gate-wait=-5"], "--gate-wait must be a number of seconds"),
    (["mol", "run", "gt-x", "--gate-wait=nan"], "--gate-wait must be a number of seconds"),
    (["feed", "--limit=-1"], "--limit must not be negative"),
    (["feed", "-f", "--seconds=-1"], "--seconds must be a number of seconds"),
    (["feed", "-f", "--seconds=soon"], "--seconds wants a number of seconds"),
]


def test_negative_or_non_numbers_are_refused(town) -> None:
    before, files = _head(town.root), _ledger(town)
    for args, reason in NUMBER_CASES:
        outcome = run_process("gt", *args, cwd=town.root)
        assert outcome.code == 2, (args, outcome)
        assert reason in outcome.err, (args, outcome.err)
        assert "Traceback" not in outcome.err
    assert _head(town.root) == before and _ledger(town) == files


def test_an_unknown_feed_type_is_refused_with_the_valid_ones(town) -> None:
    outcome = run_process("gt", "feed", "--type", "creatd", cwd=town.root)
    assert outcome.code == 2, outcome
    assert "unknown event type 'creatd'; one of: created, updated" in outcome.err
    assert "convoy_member_closed" in outcome.err and "Traceback" not in outcome.err
    run_process("gt", "feed", "--type", "created", cwd=town.root).assert_success()


def test_defer_until_that_is_not_a_date_is_refused(town) -> None:
    bead_id = run_process("bd", "create", "work", "--silent", cwd=town.root).out.strip()
    before, files = _head(town.root), _ledger(town)
    for args in (["create", "x", "--defer-until", "tomorrow"],
                 ["update", bead_id, "--defer-until", "2026-13-01"]):
        outcome = run_process("bd", *args, cwd=town.root)
        assert outcome.code == 2, (args, outcome)
        assert "--defer-until wants a date (ISO 8601, e.g. 2026-05-01" in outcome.err
        assert repr(args[-1]) in outcome.err and "Traceback" not in outcome.err
    assert _head(town.root) == before and _ledger(town) == files
    run_process("bd", "update", bead_id, "--defer-until", "2999-01-01",
                cwd=town.root).assert_success()
    ready = run_process("bd", "ready", "--json", cwd=town.root).assert_success().json()
    assert bead_id not in [b["id"] for b in ready]


EVIL = "red\x1b[31m\x07bell\x9b2J\u202eevil\rback"


def test_control_characters_are_stored_as_given_but_shown_escaped(town) -> None:
    def bd(*args: str):
        return run_process("bd", *args, cwd=town.root).assert_success()

    created = bd("create", EVIL, "-a", "bob\x1b]0;owned\x07", "-d", "line one\nline\x1btwo")
    bead_id = created.out.split(":")[0].removeprefix("Created ")
    bd("comments", "add", bead_id, "hi\x1b[2Jthere")
    bd("close", bead_id, "-r", "done\x1b[0m")
    stored = bd("show", bead_id, "--json").json()
    assert stored["title"] == EVIL and stored["assignee"] == "bob\x1b]0;owned\x07"
    assert stored["comments"][0]["text"] == "hi\x1b[2Jthere"
    shown = "red\\x1b[31m\\x07bell\\x9b2J\\u202eevil\\rback"
    outputs = [created.out, bd("list", "-s", "closed").out, bd("show", bead_id).out,
               bd("reopen", bead_id).out, bd("search", "bell").out,
               run_process("gt", "feed", cwd=town.root).assert_success().out]
    for out in outputs:
        assert shown in out, out
    for out in outputs + [bd("show", bead_id).out]:
        assert not any(c in out for c in "\x1b\x07\x9b\u202e\r"), repr(out)
    detail = bd("show", bead_id).out
    assert "@bob\\x1b]0;owned\\x07" in detail and "line one\nline\\x1btwo" in detail
    assert "hi\\x1b[2Jthere" in detail
    refused = run_process("bd", "update", bead_id, "--claim", cwd=town.root,
                          env={**os.environ, "BD_ACTOR": "eve"})
    assert refused.code == 1 and "claimed by bob\\x1b]0;owned\\x07" in refused.err
