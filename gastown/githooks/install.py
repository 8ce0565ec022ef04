"""Put the hook shims in a town's `githooks/` and point git at them.

The shims are files shipped with gastown (the repository's `githooks/`). They
answer the common case in sh, without starting Python: a commit that
touches no ledger file costs one `git diff --quiet`. A ledger commit starts the
reactor in the background straight from sh (post-*), so `git commit` returns at
once; pre-commit, and hooks with something to chain, hand over to
`python -m gastown.githooks`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import gastown
from gastown import git
from gastown.errors import GastownError
from gastown.githooks import HOOKS

MARK = "# gastown hook shim"
SHIMS_DIRNAME = "githooks"


def shims_dir() -> Path:
    """The folder of shipped shims: the checkout's top-level `githooks/` (a source tree
    or an editable install, recognised by its pyproject.toml), else a wheel's
    `<sys.prefix>/share/gastown/githooks`."""
    package = Path(gastown.__file__).resolve().parent
    candidates = []
    if (package.parent / "pyproject.toml").is_file():
        candidates.append(package.parent / SHIMS_DIRNAME)
    candidates.append(Path(sys.prefix) / "share" / "gastown" / SHIMS_DIRNAME)
    for candidate in candidates:
        if all((candidate / hook).is_file() for hook in HOOKS):
            return candidate
    raise GastownError("gastown's hook shims are missing (looked in "
                       + ", ".join(str(c) for c in candidates) + "); reinstall gastown")


def shim(hook: str) -> bytes:
    """The shipped shim of `hook`, byte for byte."""
    return (shims_dir() / hook).read_bytes()


def install_shims(root: Path) -> list[str]:
    """Copy missing or changed shims into the town; returns the paths it changed."""
    changed = []
    hooks_dir = root / "githooks"
    hooks_dir.mkdir(exist_ok=True)
    for hook in HOOKS:
        path = hooks_dir / hook
        data = shim(hook)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(f"githooks/{hook}")
        path.chmod(0o755)
    git.git(root, "config", "core.hooksPath", "githooks")
    write_python_pointer(root)
    return changed


def write_python_pointer(root: Path) -> None:
    state = root / ".gastown"
    state.mkdir(exist_ok=True)
    (state / "python").write_text(sys.executable + "\n")


def check_shims(root: Path) -> list[str]:
    """What is wrong with the hooks, as sentences (empty: all good)."""
    problems = []
    for hook in HOOKS:
        path = root / "githooks" / hook
        if not path.exists():
            problems.append(f"githooks/{hook} is missing")
        elif path.read_bytes() != shim(hook):
            problems.append(f"githooks/{hook} differs from gastown's shim")
        elif not os.access(path, os.X_OK):
            problems.append(f"githooks/{hook} is not executable")
    hooks_path = git.git(root, "config", "core.hooksPath", check=False).stdout.decode().strip()
    if hooks_path != "githooks":
        problems.append(f"core.hooksPath is {hooks_path or 'unset'}, not githooks")
    pointer = root / ".gastown" / "python"
    try:
        python = pointer.read_text().strip()
    except OSError:
        problems.append(".gastown/python is missing (the hooks fall back to python3)")
    else:
        if not os.access(python, os.X_OK):
            problems.append(f".gastown/python names {python}, which is not executable")
    return problems
