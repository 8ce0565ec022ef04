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
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gastown import git, locks
from gastown.beads import codec, index, packing, schema, snapshot
from gastown.beads.index import ID, Row
from gastown.errors import GastownError
from gastown.town.paths import Town

TXN_FILE = "txn.json"
GIT_LOCK_GRACE = 1.0  # seconds an orphaned git child gets to release its lock


def lock_timeout() -> float:
    return float(os.environ.get("GT_LOCK_TIMEOUT", "120"))


@contextmanager
def write_lock(town: Town) -> Iterator[None]:
    """The town's writer lock (released by the kernel if the holder dies)."""
    path = town.write_lock
    with locks.held(path, wait=lock_timeout()) as taken:
        if not taken:
            raise GastownError(
                f"timed out after {lock_timeout():.0f}s waiting for the town write lock "
                f"({path}); another gt/bd write is still running")
        yield


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str, data: bytes) -> None:
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(os.path.dirname(path))


def _backdate(path: str) -> None:
    """Set a ledger file's mtime one second back, so git does not find it "racily clean".

    git as distributions build it compares stamps to the second: a file changed in the
    second its index entry was written is racy, and every later index write and diff
    hashes it again (15 ms a command at 10k beads). Stepping back one second is safe:
    each write renames a new inode into place, and a later change by anyone moves
    mtime forward again, so git still sees every change.
    """
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 1_000_000_000))


def _bump_gen(town: Town) -> None:
    gen = snapshot.read_gen(town) + 1
    path = town.state / snapshot.GEN_FILE
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(str(gen))
    os.replace(tmp, path)


class Change:
    """What one mutation does: beads to put (insert or replace) and ids to drop.

    A plain class: importing dataclasses costs every writer ~5 ms.
    """

    __slots__ = ("put", "drop")

    def __init__(self, put: dict[str, dict[str, Any]] | None = None,
                 drop: set[str] | None = None) -> None:
        self.put = put if put is not None else {}
        self.drop = drop if drop is not None else set()


def _rewrite(lf: snapshot.LedgerFile, put: dict[str, bytes], drop: set[str]
             ) -> tuple[bytes, list[Row]]:
    """New bytes and rows for one file: sorted by id, every other line byte-identical.

    The untouched runs of lines between two edits are copied as one slice each, and
    their rows only shifted, so a one-bead change costs a copy, not a re-encode.
    """
    data, rows = lf.data(), lf.rows
    ids = [r[ID] for r in rows]
    edits: dict[int, list[tuple[str, bytes | None]]] = {}
    for bid in drop:
        at = bisect.bisect_left(ids, bid)
        if at < len(ids) and ids[at] == bid:
            edits.setdefault(at, []).append((bid, None))
    for bid in sorted(put):
        at = bisect.bisect_left(ids, bid)
        edits.setdefault(at, []).append((bid, put[bid]))
    chunks: list[bytes] = []
    new_rows: list[Row] = []
    offset = line = 0  # bytes and lines written so far

    def copy(start: int, stop: int) -> None:
        nonlocal offset, line
        if start >= stop:
            return
        first = rows[start]
        shift, lshift = offset - first[index.OFFSET], line + 1 - first[index.LINE]
        last = rows[stop - 1]
        chunks.append(data[first[index.OFFSET]:last[index.OFFSET] + last[index.LENGTH] + 1])
        if shift or lshift:
            o, n = index.OFFSET, index.LINE
            new_rows.extend(r[:o] + (r[o] + shift, r[o + 1], r[n] + lshift)
                            for r in rows[start:stop])
        else:
            new_rows.extend(rows[start:stop])
        offset += last[index.OFFSET] + last[index.LENGTH] + 1 - first[index.OFFSET]
        line += stop - start

    done = 0
    for at in sorted(edits):
        copy(done, at)
        done = at
        for bid, text in sorted(edits[at], key=lambda e: e[0]):
            replaces = done < len(ids) and ids[done] == bid
            if replaces:
                done += 1  # the old line goes; a new text (if any) takes its place
            if text is not None:
                line += 1
                chunks.append(text + b"\n")
                new_rows.append(index.row_for(codec.loads(text), offset, len(text), line))
                offset += len(text) + 1
    copy(done, len(rows))
    return b"".join(chunks), new_rows


BOM = b"\xef\xbb\xbf"


def layout_problem(data: bytes, rows: list[Row]) -> str | None:
    """Why `data` is not laid out canonically, or None.

    Canonical: one line per row, in row order, each ended by a lone LF; ids strictly
    increasing; no byte-order mark, blank line or missing final newline. Rows come
    from reading `data` (or from a splice of such rows), so when the lines abut
    exactly and the newlines number the rows, every line is a row's line.
    """
    if data.startswith(BOM):
        return "starts with a byte-order mark"
    if b"\r" in data:
        return "has CR characters (CRLF line endings)"
    if not rows:
        return None if not data else "holds only blank lines"
    starts = [r[index.OFFSET] for r in rows]
    ends = [r[index.OFFSET] + r[index.LENGTH] + 1 for r in rows]
    if starts[0] != 0 or starts[1:] != ends[:-1] or ends[-1] != len(data):
        return "has blank lines or no final newline"
    if data.count(b"\n") != len(rows):
        return "does not end each line with a newline"
    ids = [r[ID] for r in rows]
    if not all(a < b for a, b in zip(ids, ids[1:])):
        dup = next((a for a, b in zip(sorted(ids), sorted(ids)[1:]) if a == b), None)
        return f"holds id {dup} twice" if dup else "is not sorted by id"
    return None


def canonical_file(lf: snapshot.LedgerFile) -> snapshot.LedgerFile:
    """`lf` as a writer lays it out: its lines, unchanged but for a byte-order mark,
    CR characters and surrounding blanks removed, sorted by id, LF-ended, no blank lines."""
    problem = layout_problem(lf.data(), lf.rows)
    if problem is None:
        return lf
    print(f"note: {lf.rel} {problem}; this write stores it canonically (sorted by id, "
          f"LF endings)", file=sys.stderr)
    chunks: list[bytes] = []
    rows: list[Row] = []
    offset = 0
    for number, row in enumerate(sorted(lf.rows, key=lambda r: r[ID]), start=1):
        text = lf.raw(row)
        if text.startswith(BOM):
            text = text[len(BOM):]
        text = text.strip(b" \t\r")
        if b"\r" in text:  # JSON whitespace inside the line: only re-encoding drops it
            text = codec.dumps(codec.loads(text))
        chunks.append(text + b"\n")
        rows.append(row[:index.OFFSET] + (offset, len(text), number))
        offset += len(text) + 1
    return snapshot.LedgerFile(lf.town, lf.stem, rows, None, b"".join(chunks))


def _journal(town: Town, txn: dict[str, Any]) -> None:
    atomic_write(str(town.state / TXN_FILE), json.dumps(txn).encode())


def _at_head(town: Town, rels: list[str]) -> tuple[str | None, dict[str, str]]:
    """HEAD's commit id, and the blob id of each of `rels` that HEAD has."""
    query = "HEAD\n" + "".join(f"HEAD:{rel}\n" for rel in rels)
    lines = git.git(town.root, "cat-file", "--batch-check",
                    input=query.encode()).stdout.decode().splitlines()
    found = [line.split()[0] if not line.endswith(" missing") else None for line in lines]
    return found[0], {rel: sha for rel, sha in zip(rels, found[1:]) if sha}


def staged_blobs(town: Town, rels: list[str]) -> dict[str, str]:
    """The blob id git's index holds for each of `rels`."""
    out = {}
    for line in git.out(town.root, "ls-files", "-s", "--", *rels).splitlines():
        meta, _, path = line.partition("\t")
        out[path] = meta.split()[1]
    return out


def _commit(town: Town, rels: list[str], message: str, head: str | None = None) -> str:
    """Commit exactly `rels` as they are on disk on top of `head` (default: HEAD).

    Returns the new HEAD sha.
    """
    root = town.root
    git.git(root, "add", "--", *rels)
    others = git.git(root, "--no-optional-locks", "diff", "--cached", "--quiet", "HEAD", "--",
                     ".", *[f":(exclude){r}" for r in rels], check=False)
    if others.returncode != 0:
        # The person has other changes staged: leave them staged, commit only ours.
        git.git(root, "commit", "-q", "--no-verify", "--only", "-m", message, "--", *rels,
                env={**os.environ, "GT_WRITER": "1"})
        return git.out(root, "rev-parse", "HEAD")
    head = head or git.out(root, "rev-parse", "HEAD")
    tree = git.out(root, "write-tree")
    if tree == git.out(root, "rev-parse", "HEAD^{tree}"):
        return head
    new = git.out(root, "commit-tree", tree, "-p", head, input=message.encode())
    git.git(root, "update-ref", "-m", message.splitlines()[0], "HEAD", new, head)
    return new


def _git_running_in(root: str) -> bool:
    """Whether some git process works in `root` (Linux /proc); True when unknowable."""
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return True
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as f:
                if not f.read().startswith("git"):
                    continue
            if os.readlink(f"/proc/{pid}/cwd") == root:
                return True
        except OSError:
            continue
    return False


def _clear_dead_git_locks(town: Town) -> None:
    """Remove the git lock files a writer killed inside git left behind.

    Only called when a journal shows a writer died mid-write: its `git add`,
    `write-tree` or `update-ref` may have died holding index.lock or the HEAD/branch
    ref locks, which would make every later write fail. A git child that outlived its
    killed writer (killed alone, not with its process group) may still be finishing:
    while a git process runs in the town, the locks get GIT_LOCK_GRACE to go away.
    """
    gitdir = git.out(town.root, "rev-parse", "--absolute-git-dir")
    branch = git.git(town.root, "symbolic-ref", "-q", "HEAD",
                     check=False).stdout.decode().strip()
    locks = [os.path.join(gitdir, "index.lock"), os.path.join(gitdir, "HEAD.lock")]
    if branch:
        locks.append(os.path.join(gitdir, branch + ".lock"))
    deadline = time.monotonic() + GIT_LOCK_GRACE
    while (any(os.path.exists(p) for p in locks) and time.monotonic() < deadline
           and _git_running_in(os.path.realpath(town.root))):
        time.sleep(0.01)
    for p in locks:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(p)


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
    _clear_dead_git_locks(town)
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
        dirty = git.git(town.root, "--no-optional-locks", "diff", "--quiet", "HEAD", "--",
                        *landed, check=False)
        if dirty.returncode != 0:
            sha = _commit(town, landed, txn["message"] + "\n\nRecovered-by: gastown\n")
    if snapshot.read_gen(town) % 2:
        _bump_gen(town)
    path.unlink()
    return sha


def _refuse_dirty(town: Town, snap: snapshot.Snapshot, rels: list[str],
                  committed: dict[str, str]) -> None:
    """Refuse to write over uncommitted hand edits of the files this write touches.

    A file this snapshot read through an index entry whose blob id is HEAD's (the
    `committed` blobs) is known clean; git is asked about the others.
    """
    unknown = [rel for rel in rels
               if getattr(snap.entries.get(rel[6:-6]), "blob", None) != committed.get(rel)
               or rel not in committed]
    if not unknown:
        return
    proc = git.git(town.root, "--no-optional-locks", "diff", "--name-only", "HEAD", "--",
                   *unknown, check=False)
    dirty = proc.stdout.decode().split()
    if dirty:
        raise GastownError(
            f"{', '.join(dirty)} has uncommitted changes; commit them (the hooks check "
            f"them) or discard them with `git checkout -- {' '.join(dirty)}`, then retry"
        )


def apply(town: Town, snap: snapshot.Snapshot, change: Change, message: str,
          also: tuple[str, ...] = ()) -> str | None:
    """Write `change` on top of `snap` and commit it. Call under the write lock.

    `also`: town files (not ledger files, e.g. a rig.toml) committed in the same commit,
    as they are on disk. Returns the new commit sha, or None when nothing changed.
    """
    by_file: dict[str, tuple[dict[str, bytes], set[str]]] = {}
    dropped: set[str] = set()
    for bid in change.drop:
        where = snap.where.get(bid)
        if where:
            by_file.setdefault(where[0], ({}, set()))[1].add(bid)
            dropped.add(bid)
    put_rows: dict[str, Row] = {}
    for bid, bead in change.put.items():
        line = codec.dumps(bead)
        stored = codec.loads(line)
        reason = schema.check(stored)
        if reason:
            raise GastownError(f"refusing to write an invalid bead: {reason}")
        stem = schema.file_for(bead)
        where = snap.where.get(bid)
        if where and where[0] != stem:
            by_file.setdefault(where[0], ({}, set()))[1].add(bid)
            dropped.add(bid)
        elif where and snap.files[stem].raw(snap.files[stem].rows[where[1]]) == line:
            continue
        by_file.setdefault(stem, ({}, set()))[0][bid] = line
        put_rows[bid] = index.row_for(stored, 0, 0, 0)
    if not by_file:
        return _commit(town, list(also), message) if also else None
    rels = [f"beads/{stem}.jsonl" for stem in sorted(by_file)]
    head, committed = _at_head(town, rels)
    _refuse_dirty(town, snap, rels, committed)
    written: dict[str, tuple[bytes, list[Row]]] = {}
    for stem in sorted(by_file):
        put, drop = by_file[stem]
        body, rows = written[stem] = _rewrite(canonical_file(snap.files[stem]), put, drop)
        problem = layout_problem(body, rows)
        if problem:
            raise GastownError(f"refusing to commit beads/{stem}.jsonl: the new file {problem}; "
                               f"nothing was written (run `gt doctor`)")
    crcs = {stem: index.checksum(body) for stem, (body, _) in written.items()}
    _journal(town, {"message": message,
                    "files": {f"beads/{stem}.jsonl": crc for stem, crc in crcs.items()}})
    _bump_gen(town)
    for stem, (body, _) in written.items():
        atomic_write(str(town.ledger_file(stem)), body)
        _backdate(str(town.ledger_file(stem)))
    _bump_gen(town)
    sha = _commit(town, [*rels, *also], message, head)
    (town.state / TXN_FILE).unlink()
    _refresh_index(town, snap, written, crcs, staged_blobs(town, rels), put_rows, dropped)
    packing.added(town, sum(len(body) for body, _ in written.values()))
    snap.committed.append(sha)
    return sha


def _refresh_index(town: Town, snap: snapshot.Snapshot,
                   written: dict[str, tuple[bytes, list[Row]]], crcs: dict[str, int],
                   blobs: dict[str, str], put_rows: dict[str, Row], dropped: set[str]) -> None:
    from gastown.beads import links

    now = index.now_ns()
    entries = dict(snap.entries)
    files = dict(snap.files)
    for stem, (body, rows) in written.items():
        st = os.stat(town.ledger_file(stem))
        entries[stem] = index.Entry(index.stat_key(st), crcs[stem], now, rows,
                                    blobs.get(f"beads/{stem}.jsonl"))
        files[stem] = snapshot.LedgerFile(town, stem, rows, None, body)
    kept = links.carry(snap.links, snap.row, put_rows, dropped)
    index.save(snapshot.index_path(town), entries,
               kept if kept is not None else snapshot.ledger_links(files))


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

