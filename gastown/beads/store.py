"""Writing the ledger: one lock, atomic files, exactly one git commit per mutation.

A write goes: take the town's write lock; finish any write a crash interrupted;
read a fresh snapshot; apply the change; write each touched file to a temp file,
fsync, rename; commit just those files with git plumbing; update the index.

Crash safety is roll-forward: a journal (`.gastown/txn.json`) names the files and
their new checksums before anything is renamed. The next writer finds it and, for
every file whose content is the journalled one but is not yet in HEAD, makes the
commit the dead writer meant to make. A write that returned success is committed.
"""
from __future__ import annotations

import bisect
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gastown import git
from gastown.beads import codec, index, schema, snapshot
from gastown.beads.index import ID, Row
from gastown.errors import GastownError
from gastown.town.paths import Town

TXN_FILE = "txn.json"
LOCK_FILE = "locks/write.lock"


def lock_timeout() -> float:
    return float(os.environ.get("GT_LOCK_TIMEOUT", "120"))


@contextmanager
def write_lock(town: Town) -> Iterator[None]:
    """The town's writer lock (filelock: released by the kernel if the holder dies)."""
    from filelock import FileLock, Timeout

    path = town.state / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=lock_timeout(), is_singleton=True)
    try:
        with lock.acquire(poll_interval=0.002):
            yield
    except Timeout:
        raise GastownError(
            f"timed out after {lock_timeout():.0f}s waiting for the town write lock "
            f"({path}); another gt/bd write is still running"
        ) from None


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str, data: bytes) -> None:
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(os.path.dirname(path))


def _bump_gen(town: Town) -> None:
    gen = snapshot.read_gen(town) + 1
    path = town.state / snapshot.GEN_FILE
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(str(gen))
    os.replace(tmp, path)


@dataclass
class Change:
    """What one mutation does: beads to put (insert or replace) and ids to drop."""

    put: dict[str, dict[str, Any]] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)


def _rewrite(lf: snapshot.LedgerFile, put: dict[str, bytes], drop: set[str]
             ) -> tuple[bytes, list[Row]]:
    """New bytes and rows for one file: sorted by id, every other line byte-identical."""
    data = lf.data()
    rows = [r for r in lf.rows if r[ID] not in drop and r[ID] not in put]
    kept = [(r[ID], data[r[index.OFFSET]:r[index.OFFSET] + r[index.LENGTH]]) for r in rows]
    ids = [k for k, _ in kept]
    for bid in sorted(put):
        at = bisect.bisect_left(ids, bid)
        ids.insert(at, bid)
        kept.insert(at, (bid, put[bid]))
    out: list[bytes] = []
    new_rows: list[Row] = []
    offset = 0
    old = {r[ID]: r for r in rows}
    for number, (bid, line) in enumerate(kept, start=1):
        out.append(line)
        prev = old.get(bid)
        if prev is not None:
            r = prev[:index.OFFSET] + (offset, len(line), number)
        else:
            r = index.row_for(codec.loads(line), offset, len(line), number)
        new_rows.append(r)
        offset += len(line) + 1
    body = b"\n".join(out) + b"\n" if out else b""
    return body, new_rows


def _journal(town: Town, txn: dict[str, Any]) -> None:
    atomic_write(str(town.state / TXN_FILE), json.dumps(txn).encode())


def _commit(town: Town, rels: list[str], message: str) -> str:
    """Commit exactly `rels` as they are on disk. Returns the new HEAD sha."""
    root = town.root
    git.git(root, "add", "--", *rels)
    others = git.git(root, "diff", "--cached", "--quiet", "HEAD", "--", ".",
                     *[f":(exclude){r}" for r in rels], check=False)
    if others.returncode != 0:
        # The person has other changes staged: leave them staged, commit only ours.
        git.git(root, "commit", "-q", "--no-verify", "--only", "-m", message, "--", *rels,
                env={**os.environ, "GT_WRITER": "1"})
        return git.out(root, "rev-parse", "HEAD")
    head = git.out(root, "rev-parse", "HEAD")
    tree = git.out(root, "write-tree")
    if tree == git.out(root, "rev-parse", "HEAD^{tree}"):
        return head
    new = git.out(root, "commit-tree", tree, "-p", head, input=message.encode())
    git.git(root, "update-ref", "-m", message.splitlines()[0], "HEAD", new, head)
    return new


def recover(town: Town) -> str | None:
    """Finish the write a crashed writer left behind. Call under the write lock."""
    path = town.state / TXN_FILE
    for leftover in town.beads.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    try:
        txn = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError:
        path.unlink()
        return None
    landed = []
    for rel, crc in txn["files"].items():
        try:
            data = (town.root / rel).read_bytes()
        except FileNotFoundError:
            data = b""
        if index.checksum(data) == crc:
            landed.append(rel)
    sha = None
    if landed:
        dirty = git.git(town.root, "diff", "--quiet", "HEAD", "--", *landed, check=False)
        if dirty.returncode != 0:
            sha = _commit(town, landed, txn["message"] + "\n\nRecovered-by: gastown\n")
    if snapshot.read_gen(town) % 2:
        _bump_gen(town)
    path.unlink()
    return sha


def _refuse_dirty(town: Town, rels: list[str]) -> None:
    proc = git.git(town.root, "diff", "--name-only", "HEAD", "--", *rels, check=False)
    dirty = proc.stdout.decode().split()
    if dirty:
        raise GastownError(
            f"{', '.join(dirty)} has uncommitted changes; commit them (the hooks check "
            f"them) or discard them with `git checkout -- {' '.join(dirty)}`, then retry"
        )


def apply(town: Town, snap: snapshot.Snapshot, change: Change, message: str) -> str | None:
    """Write `change` on top of `snap` and commit it. Call under the write lock.

    Returns the new commit sha, or None when nothing changed.
    """
    by_file: dict[str, tuple[dict[str, bytes], set[str]]] = {}
    for bid in change.drop:
        where = snap.where.get(bid)
        if where:
            by_file.setdefault(where[0], ({}, set()))[1].add(bid)
    for bid, bead in change.put.items():
        line = codec.dumps(bead)
        reason = schema.check(codec.loads(line))
        if reason:
            raise GastownError(f"refusing to write an invalid bead: {reason}")
        stem = schema.file_for(bead)
        where = snap.where.get(bid)
        if where and where[0] != stem:
            by_file.setdefault(where[0], ({}, set()))[1].add(bid)
        elif where and snap.files[stem].raw(snap.files[stem].rows[where[1]]) == line:
            continue
        by_file.setdefault(stem, ({}, set()))[0][bid] = line
    if not by_file:
        return None
    rels = [f"beads/{stem}.jsonl" for stem in sorted(by_file)]
    _refuse_dirty(town, rels)
    written: dict[str, tuple[bytes, list[Row]]] = {}
    for stem in sorted(by_file):
        put, drop = by_file[stem]
        body, rows = _rewrite(snap.files[stem], put, drop)
        written[stem] = (body, rows)
    _journal(town, {"message": message,
                    "files": {f"beads/{s}.jsonl": index.checksum(b) for s, (b, _) in written.items()}})
    _bump_gen(town)
    for stem, (body, _) in written.items():
        atomic_write(str(town.ledger_file(stem)), body)
    _bump_gen(town)
    sha = _commit(town, rels, message)
    (town.state / TXN_FILE).unlink()
    _refresh_index(town, snap, written)
    snap.committed.append(sha)
    return sha


def _refresh_index(town: Town, snap: snapshot.Snapshot,
                   written: dict[str, tuple[bytes, list[Row]]]) -> None:
    entries, _ = index.load(snapshot.index_path(town))
    now = index.now_ns()
    files = dict(snap.files)
    for stem, (body, rows) in written.items():
        st = os.stat(town.ledger_file(stem))
        entries[stem] = index.Entry(index.stat_key(st), index.checksum(body), now, rows)
        files[stem] = snapshot.LedgerFile(town, stem, rows, None, body)
    index.save(snapshot.index_path(town), entries, snapshot.ledger_warnings(files))


@contextmanager
def transaction(town: Town) -> Iterator[snapshot.Snapshot]:
    """Hold the write lock with a fresh, recovered snapshot to build a Change on.

    Once the lock is released, the town reacts to what was committed (see
    gastown.githooks.reactor: detached by default, so the write returns at once).
    """
    with write_lock(town):
        recovered = recover(town)
        with snapshot.load(town, warn=False) as snap:
            yield snap
    if snap.committed or recovered:
        from gastown.githooks.reactor import kick

        kick(town)
