"""`bd import`: merge by default, --replace, --dry-run, and the checks of every write."""
from __future__ import annotations

import json

import pytest

from tests.conftest import git_out, run_process


def _bd(town, *args: str):
    return run_process("bd", *args, cwd=town.root)


def _create(town, *args: str) -> str:
    return _bd(town, "create", *args, "--silent").assert_success().out.strip()


def _show(town, bead_id: str) -> dict:
    return _bd(town, "show", bead_id, "--json").assert_success().json()


def _source(tmp_path, *records: dict) -> str:
    path = tmp_path / "issues.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _state(town) -> tuple[str, dict[str, bytes]]:
    files = {p.name: p.read_bytes() for p in sorted(town.beads.glob("*.jsonl"))}
    return git_out(town.root, "rev-parse", "HEAD"), files


def test_a_record_with_fewer_fields_updates_only_those(town, tmp_path) -> None:
    base = _create(town, "base")
    bead_id = _create(town, "work", "-t", "bug", "-p", "1", "--deps", base)
    before = _show(town, bead_id)
    _bd(town, "import", "-i", _source(tmp_path, {"id": bead_id, "title": "renamed"})
        ).assert_success()
    after = _show(town, bead_id)
    assert after == {**before, "title": "renamed"}


def test_replace_makes_the_record_the_whole_bead(town, tmp_path) -> None:
    bead_id = _create(town, "work", "-t", "bug", "-p", "1")
    record = {"id": bead_id, "title": "only this"}
    _bd(town, "import", "--replace", "-i", _source(tmp_path, record)).assert_success()
    assert _show(town, bead_id) == record


def test_dry_run_prints_the_plan_and_writes_nothing(town, tmp_path) -> None:
    old = _create(town, "old", "-p", "1")
    same = _create(town, "same")
    source = _source(tmp_path, {"id": old, "title": "new title", "priority": 3},
                     _show(town, same), {"id": "gt-fresh", "title": "fresh"})
    before = _state(town)
    outcome = _bd(town, "import", "--dry-run", "-i", source).assert_success()
    assert f"update {old}: priority, title" in outcome.out
    assert f"unchanged {same}" in outcome.out and "create gt-fresh" in outcome.out
    assert "would import" in outcome.out and "1 created, 1 updated, 1 unchanged" in outcome.out
    plan = _bd(town, "import", "--dry-run", "--json", "-i", source).assert_success().json()
    assert plan["dry_run"] is True
    assert {b["id"]: b["action"] for b in plan["beads"]} == {
        old: "updated", same: "unchanged", "gt-fresh": "created"}
    replaced = _bd(town, "import", "--dry-run", "--replace", "-i", source).assert_success()
    assert f"update {old}: created_at" in replaced.out  # fields the record lacks go
    assert _state(town) == before


BAD_IMPORTS = [
    ("unknown type", {"id": "gt-new", "title": "t", "issue_type": "spaceship"},
     "gt-new: unknown type 'spaceship'; known types: task, bug"),
    ("self dependency", {"id": "gt-new", "title": "t",
                         "dependencies": [{"depends_on_id": "gt-new"}]},
     "gt-new: depends on itself"),
    ("dangling link", {"id": "gt-new", "title": "t",
                       "dependencies": [{"depends_on_id": "gt-gone"}]},
     "gt-new: depends on gt-gone, which does not exist"),
    ("bad status", {"id": "gt-new", "title": "t", "status": "done"},
     "gt-new: unknown status 'done'"),
]


@pytest.mark.parametrize(("name", "record", "reason"), BAD_IMPORTS,
                         ids=[c[0] for c in BAD_IMPORTS])
def test_an_import_is_checked_like_any_write(town, tmp_path, name, record, reason) -> None:
    _create(town, "already here")
    source = _source(tmp_path, {"id": "gt-fine", "title": "fine"}, record)
    before = _state(town)
    for extra in ((), ("--dry-run",)):
        outcome = _bd(town, "import", *extra, "-i", source)
        assert outcome.code == 1, outcome
        assert f"{source}:2: {reason}" in outcome.err, outcome.err
        assert "Traceback" not in outcome.err
    assert _state(town) == before


def test_an_import_that_closes_a_cycle_is_refused(town, tmp_path) -> None:
    first = _create(town, "first")
    second = _create(town, "second", "--deps", first)
    source = _source(tmp_path, {"id": first, "dependencies": [
        {"issue_id": first, "depends_on_id": second, "type": "blocks"}], "title": "first"})
    before = _state(town)
    outcome = _bd(town, "import", "-i", source)
    assert outcome.code == 1 and f"{source}:1: would make a dependency cycle" in outcome.err
    assert _state(town) == before


def test_a_type_the_town_declares_is_known(town, tmp_path) -> None:
    with open(town.root / "town.toml", "a") as f:
        f.write('\n[beads]\ntypes = ["spike"]\n')
    source = _source(tmp_path, {"id": "gt-s1", "title": "t", "issue_type": "spike"})
    _bd(town, "import", "-i", source).assert_success()
    assert _show(town, "gt-s1")["issue_type"] == "spike"
