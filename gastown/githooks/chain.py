"""Run what the town had before gastown took over its hooks, instead of replacing it."""
from __future__ import annotations

import os

from gastown import git

TYPE_CHECKING = False  # the hooks import this on every commit: pathlib, subprocess and
if TYPE_CHECKING:  # typing load only when there is something to chain
    from collections.abc import Sequence
    from pathlib import Path

    Root = str | os.PathLike[str]


def _git_hooks_dir(root: Root) -> str:
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, "hooks")
    common = git.out(root, "rev-parse", "--git-common-dir")
    return os.path.join(os.path.realpath(os.path.join(root, common)), "hooks")


def _framework_hook_types(config: Path) -> list[str]:
    """The hook types `pre-commit install` would set up for this config."""
    import yaml

    try:
        data = yaml.safe_load(config.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return ["pre-commit"]  # let pre-commit itself report a broken config
    types = data.get("default_install_hook_types") if isinstance(data, dict) else None
    return list(types) if isinstance(types, list) else ["pre-commit"]


def chain(root: Root, hook: str, args: Sequence[str], stdin: bytes) -> int:
    """Run `.git/hooks/<hook>` and a pre-commit framework config, if present.

    Returns the first non-zero exit code (which, for pre-commit, stops the commit).
    """
    local = os.path.join(_git_hooks_dir(root), hook)
    if os.path.isfile(local) and os.access(local, os.X_OK):
        import subprocess

        code = subprocess.run([local, *args], cwd=root, input=stdin).returncode
        if code:
            return code
    if not os.path.isfile(os.path.join(root, ".pre-commit-config.yaml")):
        return 0
    from pathlib import Path

    config = Path(root, ".pre-commit-config.yaml")
    if hook in _framework_hook_types(config):
        import shutil
        import subprocess

        exe = shutil.which("pre-commit")
        if exe is None:
            print("gastown: .pre-commit-config.yaml is here but `pre-commit` is not "
                  "installed; skipping it", flush=True)
            return 0
        cmd = [exe, "hook-impl", f"--config={config.name}", f"--hook-type={hook}",
               f"--hook-dir={Path(root, 'githooks')}", "--skip-on-missing-config", "--", *args]
        return subprocess.run(cmd, cwd=root, input=stdin).returncode
    return 0
