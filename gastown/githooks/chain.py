"""Run what the town had before gastown took over its hooks, instead of replacing it."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from gastown import git


def _git_hooks_dir(root: Path) -> Path:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git / "hooks"
    common = git.out(root, "rev-parse", "--git-common-dir")
    return (root / common).resolve() / "hooks"


def _framework_hook_types(config: Path) -> list[str]:
    """The hook types `pre-commit install` would set up for this config."""
    import yaml

    try:
        data = yaml.safe_load(config.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return ["pre-commit"]  # let pre-commit itself report a broken config
    types = data.get("default_install_hook_types") if isinstance(data, dict) else None
    return list(types) if isinstance(types, list) else ["pre-commit"]


def chain(root: Path, hook: str, args: Sequence[str], stdin: bytes) -> int:
    """Run `.git/hooks/<hook>` and a pre-commit framework config, if present.

    Returns the first non-zero exit code (which, for pre-commit, stops the commit).
    """
    local = _git_hooks_dir(root) / hook
    if local.is_file() and os.access(local, os.X_OK):
        code = subprocess.run([str(local), *args], cwd=root, input=stdin).returncode
        if code:
            return code
    config = root / ".pre-commit-config.yaml"
    if config.is_file() and hook in _framework_hook_types(config):
        import shutil

        exe = shutil.which("pre-commit")
        if exe is None:
            print("gastown: .pre-commit-config.yaml is here but `pre-commit` is not "
                  "installed; skipping it", flush=True)
            return 0
        cmd = [exe, "hook-impl", f"--config={config.name}", f"--hook-type={hook}",
               f"--hook-dir={root / 'githooks'}", "--skip-on-missing-config", "--", *args]
        return subprocess.run(cmd, cwd=root, input=stdin).returncode
    return 0
