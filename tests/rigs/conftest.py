"""A source repository to make rigs from."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def make_source(path: Path, files: dict[str, str] | None = None, branch: str = "main") -> Path:
    """A plain git repository with one commit on `branch`."""
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", branch], cwd=path, check=True)
    for name, text in (files or {"README.md": "a project\n"}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run(["git", "-c", "user.name=src", "-c", "user.email=src@example.invalid",
                    "commit", "-qm", "init"], cwd=path, check=True)
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return make_source(tmp_path / "src")
