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


HOOK_ENTRY = "hook.py"


def write_python_pointer(root: Path) -> None:
    """`.gastown/python` (the interpreter the hooks use) and `.gastown/hook.py`, their
    entry point with gastown's import paths written in, so pre-commit runs `python -S`:
    without `site` (and the .pth files it reads) Python starts ~12 ms sooner."""
    state = root / ".gastown"
    state.mkdir(exist_ok=True)
    (state / "python").write_text(sys.executable + "\n")
    (state / HOOK_ENTRY).write_text(hook_entry())


def hook_entry() -> str:
    import sysconfig

    paths = [str(Path(gastown.__file__).resolve().parent.parent)]
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths()[key]
        if path not in paths and os.path.isdir(path):
            paths.append(path)
    return ("# Written by `gt install` for this interpreter: the git hooks' entry point,\n"
            "# run as `python -S .gastown/hook.py HOOK` (no site import).\n"
            "import sys\n\n"
            f"sys.path[:0] = {paths!r}\n"
            "from gastown.githooks.dispatch import main  # noqa: E402\n\n"
            "sys.exit(main(sys.argv[1:]))\n")


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
        elif python == sys.executable:
            entry = root / ".gastown" / HOOK_ENTRY
            if not entry.is_file() or entry.read_text() != hook_entry():
                problems.append(f".gastown/{HOOK_ENTRY} is missing or out of date")
    return problems
