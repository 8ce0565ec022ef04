"""Put the hook shims in a town's `githooks/` and point git at them.

The shims answer the common case in sh, without starting Python: a commit that
touches no ledger file costs one `git diff --quiet`. A ledger commit starts the
reactor in the background straight from sh (post-*), so `git commit` returns at
once; pre-commit, and hooks with something to chain, hand over to
`python -m gastown.githooks`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from gastown import git
from gastown.githooks import HOOKS

MARK = "# gastown hook shim"

_FIND_PY = """py=${GT_PYTHON:-}
[ -n "$py" ] || read -r py < .gastown/python 2>/dev/null || py=python3"""

# Chained hooks: ones git would have run before the town set core.hooksPath, and a
# pre-commit framework config. If either exists, Python always runs to chain them.
_NOTHING_CHAINED = """[ ! -f .pre-commit-config.yaml ] && [ ! -x .git/hooks/{hook} ]"""


def shim(hook: str) -> str:
    chained = _NOTHING_CHAINED.format(hook=hook)
    if hook == "pre-commit":
        body = f"""if git diff --cached --quiet -- beads formulas rigs 2>/dev/null && {chained}; then
  exit 0
fi
{_FIND_PY}
exec "$py" -m gastown.githooks {hook} "$@"
"""
    else:
        body = f"""[ -z "$GT_WRITER" ] || exit 0
cursor=
read -r cursor < .gastown/cursor 2>/dev/null
if [ -n "$cursor" ] && git diff --quiet "$cursor" HEAD -- beads 2>/dev/null && {chained}; then
  exit 0
fi
{_FIND_PY}
if {chained}; then
  mkdir -p .gastown/logs
  detach=; command -v setsid >/dev/null 2>&1 && detach=setsid
  $detach "$py" -m gastown.githooks react </dev/null >>.gastown/logs/reactor.log 2>&1 &
  exit 0
fi
exec "$py" -m gastown.githooks {hook} "$@"
"""
    return f"#!/bin/sh\n{MARK} ({hook}); `gt doctor --fix` restores it.\n{body}"


def install_shims(root: Path) -> list[str]:
    """Write missing or outdated shims; returns the paths it changed (town-relative)."""
    changed = []
    hooks_dir = root / "githooks"
    hooks_dir.mkdir(exist_ok=True)
    for hook in HOOKS:
        path = hooks_dir / hook
        text = shim(hook)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
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
        elif path.read_text() != shim(hook):
            problems.append(f"githooks/{hook} is not the gastown shim")
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
