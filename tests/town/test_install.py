"""`gt install`: the town layout, one initial commit, refusal of foreign folders, idempotence."""
from __future__ import annotations

import subprocess
from pathlib import Path

from gastown.beads import schema
from gastown.githooks import HOOKS
from tests.conftest import git_out, run_process


def _install(tmp_path: Path, *args: str):
    return run_process("gt", "install", *args, cwd=tmp_path)


def test_install_lays_out_a_town_in_one_commit(tmp_path: Path) -> None:
    out = _install(tmp_path, "town", "--prefix", "ab").assert_success()
    root = tmp_path / "town"
    assert f"Created town at {root}" in out.out
    for rel in ("town.toml", "tasks.py", ".gitattributes", ".gitignore"):
        assert (root / rel).is_file(), rel
    for stem in schema.LEDGER_FILES:
        assert (root / "beads" / f"{stem}.jsonl").read_bytes() == b""
    for hook in HOOKS:
        assert (root / "githooks" / hook).stat().st_mode & 0o111, hook
    assert 'prefix = "ab"' in (root / "town.toml").read_text()
    assert "beads/*.jsonl merge=beads" in (root / ".gitattributes").read_text()
    assert ".gastown/" in (root / ".gitignore").read_text().splitlines()
    assert git_out(root, "config", "core.hooksPath") == "githooks"
    assert git_out(root, "config", "merge.beads.driver").endswith(" merge %A %O %A %B %P")
    assert git_out(root, "log", "--format=%s").splitlines() == ["gt install: town town"]
    assert git_out(root, "status", "--porcelain") == ""
    tracked = set(git_out(root, "ls-files").splitlines())
    assert {"town.toml", "tasks.py", "beads/work.jsonl", "githooks/post-commit"} <= tracked


def test_install_refuses_a_non_empty_folder_that_is_not_a_town(tmp_path: Path) -> None:
    target = tmp_path / "project"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    out = _install(tmp_path, str(target)).assert_failure(1)
    assert str(target) in out.err and "not empty" in out.err and "notes.txt" in out.err
    assert "Traceback" not in out.err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "mine\n"


def test_install_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    out = _install(tmp_path, "f").assert_failure(1)
    assert "not a directory" in out.err
    assert (tmp_path / "f").read_text() == "x"


def test_install_is_idempotent_and_tops_up_a_damaged_town(tmp_path: Path) -> None:
    _install(tmp_path, "town").assert_success()
    root = tmp_path / "town"
    again = _install(tmp_path, "town").assert_success()
    assert "already a complete town" in again.out
    assert len(git_out(root, "log", "--format=%H").splitlines()) == 1

    (root / "githooks" / "post-merge").unlink()
    (root / "beads" / "mail.jsonl").unlink()
    (root / "town.toml").write_text('[town]\nname = "kept"\nprefix = "zz"\n')
    subprocess.run(["git", "commit", "-qam", "hand edits", "--no-verify"], cwd=root,
                   check=True)
    topped = _install(tmp_path, "town").assert_success()
    assert "githooks/post-merge" in topped.out and "beads/mail.jsonl" in topped.out
    assert 'name = "kept"' in (root / "town.toml").read_text()  # never overwritten
    assert git_out(root, "log", "-1", "--format=%s") == "gt install: top up town"
    assert git_out(root, "status", "--porcelain") == ""


def test_install_rejects_a_bad_prefix(tmp_path: Path) -> None:
    out = _install(tmp_path, "town", "--prefix", "a b").assert_failure(2)
    assert "--prefix" in out.err
    assert not (tmp_path / "town").exists()


def test_inv_lists_gastown_commands_inside_a_town(tmp_path: Path) -> None:
    _install(tmp_path, "town").assert_success()
    out = run_process("inv", "-l", cwd=tmp_path / "town").assert_success()
    for name in ("install", "bead.create", "bead.dep.add", "mol.pour", "formula.validate"):
        assert name in out.out


def test_install_in_a_clone_sets_up_git_and_writes_nothing(tmp_path: Path) -> None:
    _install(tmp_path, "town").assert_success()
    subprocess.run(["git", "clone", "-q", str(tmp_path / "town"), str(tmp_path / "clone")],
                   check=True)
    clone = tmp_path / "clone"
    assert subprocess.run(["git", "config", "core.hooksPath"], cwd=clone,
                          capture_output=True).returncode != 0  # git config is not cloned
    out = run_process("gt", "install", ".", cwd=clone).assert_success()
    assert "Set up this clone" in out.out and "merge.beads.driver" in out.out
    assert git_out(clone, "config", "core.hooksPath") == "githooks"
    assert git_out(clone, "status", "--porcelain") == ""
    assert len(git_out(clone, "log", "--format=%H").splitlines()) == 1
    again = run_process("gt", "install", ".", cwd=clone).assert_success()
    assert "already a complete town" in again.out


def test_pre_commit_runs_without_site_through_hook_py_and_doctor_restores_it(town) -> None:
    entry = town.root / ".gastown" / "hook.py"
    text = entry.read_text()
    assert "sys.path[:0]" in text and "gastown.githooks.dispatch" in text
    # a bad hand edit is refused through the -S entry point ...
    (town.root / "beads" / "work.jsonl").write_text('{"id":"gt-a","title":"a"}\n{bad\n')
    subprocess.run(["git", "add", "beads"], cwd=town.root, check=True)
    refused = subprocess.run(["git", "commit", "-qm", "bad"], cwd=town.root,
                             capture_output=True, text=True)
    assert refused.returncode == 1 and "beads/work.jsonl:2" in refused.stderr
    # ... and without it (python -m), the same; doctor says it is missing and mends it
    entry.unlink()
    refused = subprocess.run(["git", "commit", "-qm", "bad"], cwd=town.root,
                             capture_output=True, text=True)
    assert refused.returncode == 1 and "beads/work.jsonl:2" in refused.stderr
    out = run_process("gt", "doctor", cwd=town.root)
    assert out.code == 1 and ".gastown/hook.py is missing" in out.out
    run_process("gt", "doctor", "--fix", cwd=town.root)
    assert entry.read_text() == text
