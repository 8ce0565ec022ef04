"""Keep a town's object store small while every write adds a whole-file loose blob.

A write commits the whole ledger file it changed, and git stores each version as a
loose object (uncompressed: `core.looseCompression = 0` saves a writer ~30 ms at 10k
beads). Packed, those versions are deltas of a few hundred bytes each. So writers
count the bytes they add (`.gastown/loose-bytes`, under the write lock) and, past
PACK_AFTER, start `python -m gastown.beads.packing` detached: `git repack -d` packs
the loose objects (incrementally, only those) and deletes them; `git gc --auto` then
does git's own occasional housekeeping (consolidating packs, pruning, reflogs).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gastown.town.paths import Town

PACK_AFTER = 256 * 1024 * 1024
COUNTER = "loose-bytes"
LOCK = "locks/pack.lock"
LOG = "logs/pack.log"


def loose_bytes(town: Town) -> int:
    try:
        return int((town.state / COUNTER).read_bytes() or 0)
    except (OSError, ValueError):
        return 0


def added(town: Town, nbytes: int, *, limit: int = PACK_AFTER) -> bool:
    """Count `nbytes` of new loose objects; start packing past `limit`. Call under the
    write lock. Returns whether packing was started."""
    total = loose_bytes(town) + nbytes
    start = total >= limit
    (town.state / COUNTER).write_bytes(b"0" if start else str(total).encode())
    if start:
        spawn(town.root)
    return start


def spawn(root: Path) -> None:
    from gastown import git

    logs = root / ".gastown" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(root / ".gastown" / LOG, "ab") as out:
        subprocess.Popen([sys.executable, "-m", "gastown.beads.packing"], cwd=root,
                         stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                         start_new_session=True, close_fds=True,
                         env={**git.no_git_env(), "GT_TOWN": str(root)})


def pack(town: Town) -> bool:
    """Pack the loose objects unless another packer is at it. Returns whether it ran."""
    from gastown import git, locks

    with locks.held(town.state / LOCK, wait=0) as taken:
        if taken:
            # One thread (and, run detached, low priority): writers keep a core.
            git.git(town.root, "-c", "pack.threads=1", "repack", "-d", "-q")
            git.git(town.root, "gc", "--auto", "--quiet", check=False)
    return taken


if __name__ == "__main__":
    import os

    from gastown.town.paths import find_town

    os.nice(10)
    pack(find_town())
