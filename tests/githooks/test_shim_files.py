"""The hook shims are files (the repository's githooks/): installed byte for byte,
checked and restored by doctor, and helpful in a checkout without `.gastown/`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gastown.githooks import HOOKS
from gastown.githooks.install import shims_dir
from gastown.town.paths import Town
from tests.conftest import run_process

REPO = Path(__file__).resolve().parents[2]


def _commit(town: Town, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "commit", "-m", "hand edit", *args], cwd=town.root, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


def _stage_bead_edit(town: Town, line: str | None = None) -> None:
    path = town.root / "beads" / "work.jsonl"
    first, _, rest = path.read_text().partition("\n")
    bead = json.loads(first)
    bead["notes"] = "edited by hand"
    path.write_text((line + "\n" if line else "") + json.dumps(bead) + "\n" + rest)
    subprocess.run(["git", "add", "beads"], cwd=town.root, check=True)


def _no_gastown_env(tmp_path: Path) -> dict[str, str]:
    """PATH holding git, sh tools and a python3 that cannot import gastown."""
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("needs a system python3")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(python)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    probe = subprocess.run(["python3", "-c", "import gastown"], env=env, cwd=tmp_path,
                           capture_output=True)
    if probe.returncode == 0:
        pytest.skip("the system python3 can import gastown")
    return env


def test_the_shipped_shims_are_the_repository_files() -> None:
    assert shims_dir() == REPO / "githooks"
    for hook in HOOKS:
        assert os.access(REPO / "githooks" / hook, os.X_OK), hook


def test_install_copies_them_and_doctor_restores_them(town: Town) -> None:
    for hook in HOOKS:
        installed = (town.root / "githooks" / hook).read_bytes()
        assert installed == (REPO / "githooks" / hook).read_bytes()
    (town.root / "githooks" / "post-merge").write_text("#!/bin/sh\nexit 0\n")
    (town.root / "githooks" / "pre-commit").unlink()
    report = run_process("gt", "doctor", cwd=town.root).assert_failure(1)
    assert "githooks/post-merge differs" in report.out and "githooks/pre-commit is missing" in report.out
    run_process("gt", "doctor", "--fix", cwd=town.root)
    run_process("gt", "doctor", cwd=town.root).assert_success()
    restored = (town.root / "githooks" / "post-merge").read_bytes()
    assert restored == (REPO / "githooks" / "post-merge").read_bytes()


def test_without_dot_gastown_hooks_say_what_to_run(town: Town, bd, tmp_path: Path) -> None:
    bd("create", "t").assert_success()
    env = _no_gastown_env(tmp_path)
    shutil.rmtree(town.state)
    (town.root / "notes.txt").write_text("n\n")
    subprocess.run(["git", "add", "notes.txt"], cwd=town.root, check=True)
    plain = _commit(town, env)
    assert plain.returncode == 0, plain.stderr
    assert "gt install ." in plain.stderr and "cannot open" not in plain.stderr
    _stage_bead_edit(town)
    refused = _commit(town, env)
    assert refused.returncode == 1
    assert "gt install ." in refused.stderr and "cannot open" not in refused.stderr
    assert _commit(town, env, "--no-verify").returncode == 0


def test_without_dot_gastown_an_importable_gastown_still_validates(town: Town, bd) -> None:
    bd("create", "t").assert_success()
    shutil.rmtree(town.state)
    env = {**os.environ, "PATH": f"{Path(shutil.which('python3') or '').parent}:{os.environ['PATH']}"}
    assert subprocess.run(["python3", "-c", "import gastown"], env=env).returncode == 0
    _stage_bead_edit(town, '{"id": "gt-bad", "title": "x", "status": "nonsense"}')
    refused = _commit(town, env)
    assert refused.returncode == 1 and "beads/work.jsonl:1:" in refused.stderr, refused.stderr
    assert "cannot open" not in refused.stderr
