"""The derived index: a slim row per bead, marshalled in `.gastown/index.bin`.

Never committed, safe to delete. An entry is trusted while its file's stat key
(size, mtime, inode, ctime) is unchanged; an entry whose file changed within
RACY_NS of the index being built is re-verified by checksum (git's "racy clean"
problem: two writes inside one timestamp tick look alike to stat).
"""
from __future__ import annotations

import gc
import marshal
import os
import time
import zlib

TYPE_CHECKING = False  # typing is slow to import and the git hooks import this
if TYPE_CHECKING:
    from typing import Any

VERSION = 5
RACY_NS = 2_000_000_000

# Row fields, by position (tuples: marshal loads them fastest).
(ID, STATUS, PRIORITY, KIND, CREATED, DEFER, ASSIGNEE, LABELS, BLOCKERS, PARENT,
 OFFSET, LENGTH, LINE) = range(13)
DEFAULT_PRIORITY = 2

Row = tuple  # of the fields above


def stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def checksum(data: bytes) -> int:
    return zlib.crc32(data)


def row_for(bead: dict[str, Any], offset: int, length: int, line: int) -> Row:
    blockers: list[str] = []
    parent = None
    for dep in bead.get("dependencies") or ():
        kind = dep.get("type", "blocks")
        if kind == "blocks":
            blockers.append(dep["depends_on_id"])
        elif kind == "parent-child" and parent is None:
            parent = dep["depends_on_id"]
    priority = bead.get("priority", DEFAULT_PRIORITY)
    return (
        bead["id"], bead.get("status", "open"), priority,
        bead.get("issue_type") or "task", str(bead.get("created_at") or ""),
        bead.get("defer_until") or None, bead.get("assignee") or None,
        tuple(bead.get("labels") or ()), tuple(blockers), parent, offset, length, line,
    )


class Entry:
    """One ledger file's rows, with what is needed to know they are still true.

    `blob` is the git blob id of those bytes when known (the writer that committed
    them, or the reactor afterwards, records it), else None: with it, git can tell
    whether the file is as committed, and pre-commit can trust these rows for HEAD.
    """

    __slots__ = ("key", "crc", "built_ns", "rows", "blob")

    def __init__(self, key: tuple[int, ...], crc: int, built_ns: int, rows: list[Row],
                 blob: str | None = None) -> None:
        self.key = key
        self.crc = crc
        self.built_ns = built_ns
        self.rows = rows
        self.blob = blob

    def racy(self) -> bool:
        return self.key[3] >= self.built_ns - RACY_NS

    def dump(self) -> tuple[Any, ...]:
        return (self.key, self.crc, self.built_ns, self.rows, self.blob)


# What the ledger's links look like (see gastown.beads.links): kept with the entries so
# a read need not walk the graph. None: not known (computed by the next reader).
Links = object


def load(path: str) -> tuple[dict[str, Entry], Links]:
    """The entries, and the ledger's link problems they imply."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return {}, None
    # marshal.loads on the bytes is ~8x faster than marshal.load on the file; the
    # collector has nothing to find in freshly loaded tuples, so keep it out.
    enabled = gc.isenabled()
    gc.disable()
    try:
        version, entries, links = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return {}, None
    finally:
        if enabled:
            gc.enable()
    if version != VERSION:
        return {}, None
    return {stem: Entry(*e) for stem, e in entries.items()}, links


def save(path: str, entries: dict[str, Entry], links: Links) -> None:
    """Atomic replace; a reader racing with us sees the old or the new index."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        plain = None if links is None else tuple(links)  # marshal wants exact tuples
        data = marshal.dumps((VERSION, {s: e.dump() for s, e in entries.items()}, plain))
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # the index is only an optimisation: a read-only town still reads


def now_ns() -> int:
    return time.time_ns()
