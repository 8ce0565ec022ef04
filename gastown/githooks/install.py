"""Put the hook shims in a town's `githooks/` and point git at them."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from gastown import git
from gastown.githooks import HOOKS

MARK = "# gastown hook shim"


def shim(hook: str) -> str:
    """A few lines of sh: find the town's Python, hand over to the engine.

    `.gastown/python` (local, never committed) names the interpreter that has gastown;
    GT_PYTHON overrides it. A hook that git would have run before the town took over
    `core.hooksPath` (`.git/hooks/<hook>`) is chained by the engine.
    """
    return f"""#!/bin/sh
{MARK} ({hook}); `gt doctor --fix` restores it.
py=${{GT_PYTHON:-}}
[ -n "$py" ] || read -r py < .gastown/python 2>/dev/null || py=python3
exec "$py" -m gastown.githooks {hook} "$@"
"""


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
    state = root / ".gastown"
    state.mkdir(exist_ok=True)
    (state / "python").write_text(sys.executable + "\n")
    return changed


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
    return problems
