"""pre-commit runs on every commit: it checks a bead edit without importing the modules
that cost a commit the most to load (their absence is what keeps the hook fast)."""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from gastown.town.paths import Town

HEAVY = ("pathlib", "subprocess", "typing", "datetime")
# The hook as git runs it (`python -S .gastown/hook.py pre-commit`), reporting at exit
# which of HEAVY it loaded.
PROBE = f"""
import atexit, sys
atexit.register(lambda: print(" ".join(m for m in {HEAVY!r} if m in sys.modules)))
sys.argv = [".gastown/hook.py", "pre-commit"]
exec(compile(open(".gastown/hook.py").read(), ".gastown/hook.py", "exec"))
"""


def _stage(town: Town, extra: str = "") -> None:
    path = town.root / "beads" / "work.jsonl"
    first, _, rest = path.read_text().partition("\n")
    bead = json.loads(first)
    bead["notes"] = "edited by hand"
    path.write_text(json.dumps(bead) + "\n" + rest + extra)
    subprocess.run(["git", "add", "beads"], cwd=town.root, check=True)


def _pre_commit(town: Town) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-S", "-c", PROBE], cwd=town.root, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=60)


def test_a_bead_edit_is_checked_without_the_heavy_modules(
        town: Town, bd: Callable[..., object]) -> None:
    for title in ("one", "two"):
        bd("create", title).assert_success()
    _stage(town)
    proc = _pre_commit(town)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_a_refused_bead_edit_is_reported_without_the_heavy_modules(
        town: Town, bd: Callable[..., object]) -> None:
    bd("create", "one").assert_success()
    _stage(town, extra='{"id": "gt-bad", "title": \n')
    proc = _pre_commit(town)
    assert proc.returncode == 1
    assert "beads/work.jsonl:2:" in proc.stderr
    assert proc.stdout.strip() == ""
