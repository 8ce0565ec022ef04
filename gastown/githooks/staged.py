"""The staged ledger and HEAD's, as index rows: read whole, or through a diff.

pre-commit must check every staged ledger file, and a 10k-bead file takes ~50 ms to
parse. When the town's index holds the rows of HEAD's copy of a file (its entry
names the same blob id), only the lines this commit changes are read: `git diff
--cached -U0` names them, and HEAD's rows, renumbered around the hunks, stand for
the rest. Otherwise the staged blob is parsed whole, and HEAD's only if needed.
"""
from __future__ import annotations

import bisect
import os
import re

from gastown import git
from gastown.beads import index, schema
from gastown.beads.index import ID, LINE, Row
from gastown.beads.snapshot import INDEX_FILE, parse_file
from gastown.errors import LedgerError

TYPE_CHECKING = False  # pathlib stays out of the hooks' imports
if TYPE_CHECKING:
    Root = str | os.PathLike[str]

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class FileRows:
    """One ledger file as staged, beside HEAD's copy."""

    __slots__ = ("rel", "stem", "staged", "new", "head_sha", "head")

    def __init__(self, rel: str, stem: str, staged: list[Row], new: set[str] | None,
                 head_sha: str | None, head: list[Row] | None = None) -> None:
        self.rel = rel
        self.stem = stem
        self.staged = staged
        self.new = new  # ids read from the lines this commit adds; None: all were read
        self.head_sha = head_sha
        self.head = head  # None: not read (yet)


class Hunk:
    """One `@@ -a,b +c,d @@` of a `-U0` diff, with the lines it adds."""

    __slots__ = ("old_start", "old_count", "added")

    def __init__(self, old_start: int, old_count: int) -> None:
        self.old_start = old_start
        self.old_count = old_count
        self.added: list[tuple[int, bytes]] = []  # (staged line number, text)

    @property
    def old_last(self) -> int:
        """The last old line the hunk covers (for an insertion: the line it follows)."""
        return self.old_start + self.old_count - 1 if self.old_count else self.old_start


def _out(root: Root, *args: str) -> bytes:
    # In a hook, GIT_INDEX_FILE names the index being committed (a temporary one for
    # `git commit --only`): keep it.
    return git.git(root, *args, scrub=False).stdout


def _blob_shas(listing: bytes, sha_field: int) -> dict[str, str]:
    out = {}
    for line in listing.decode().splitlines():
        meta, _, path = line.partition("\t")
        out[path] = meta.split()[sha_field]
    return out


def _answer(root: Root, args: tuple[str, ...], started: git.Started) -> bytes:
    """git's answer to `args`, from a process the hook started early if there is one."""
    running = started.pop(args, None)
    return running.output() if running is not None else _out(root, *args)


def staged_blobs(root: Root, started: git.Started | None = None) -> dict[str, str]:
    """Blob ids of the ledger files as staged."""
    return _blob_shas(_answer(root, git.STAGED_BLOBS, started or {}), 1)


Change = tuple[str, str]  # (status letter, HEAD's blob id) of a staged path


def changes(root: Root, started: git.Started | None = None) -> dict[str, Change]:
    """What this commit changes under beads/, formulas/ and rigs/, by path."""
    out = {}
    for line in _answer(root, git.STAGED_CHANGES, started or {}).decode().splitlines():
        meta, _, path = line.partition("\t")
        fields = meta.split()
        out[path] = (fields[4][0], fields[2])
    return out


def committed_blobs(staged: dict[str, str], changed: dict[str, Change]) -> dict[str, str]:
    """Blob ids of the ledger files in HEAD: the staged ones, but where the diff differs."""
    out = dict(staged)
    for path, (status, old) in changed.items():
        if not path.startswith("beads/"):
            continue
        if status == "A":
            out.pop(path, None)  # added by this commit
        else:
            out[path] = old
    return out


def _known_rows(root: Root, committed: dict[str, str]) -> dict[str, list[Row]]:
    """Rows of HEAD's copy of each file, for the files the index knows them of."""
    entries, _ = index.load(os.path.join(root, ".gastown", INDEX_FILE))
    return {stem: e.rows for stem, e in entries.items()
            if e.blob and e.blob == committed.get(f"beads/{stem}.jsonl")}


def parse_hunks(diff: bytes) -> dict[str, list[Hunk]]:
    """`git diff -U0` output as hunks per path (b-side)."""
    out: dict[str, list[Hunk]] = {}
    hunks: list[Hunk] | None = None
    hunk: Hunk | None = None
    new_line = 0
    for line in diff.split(b"\n"):
        if line.startswith(b"+++ "):
            path = line[4:].decode()
            hunks = out.setdefault(path[2:] if path.startswith("b/") else path, [])
        elif line.startswith(b"@@ ") and hunks is not None:
            m = _HUNK.match(line)
            if m is None:
                raise ValueError(f"unreadable hunk header {line[:80]!r}")
            old_count = 1 if m.group(2) is None else int(m.group(2))
            hunk = Hunk(int(m.group(1)), old_count)
            hunks.append(hunk)
            new_line = int(m.group(3))
        elif hunk is not None and line.startswith(b"+"):
            hunk.added.append((new_line, line[1:]))
            new_line += 1
    return out


def apply_hunks(stem: str, head_rows: list[Row], hunks: list[Hunk],
                problems: list[LedgerError]) -> tuple[list[Row], set[str]]:
    """Staged rows: HEAD's rows outside the hunks, renumbered, plus the added lines'.

    `head_rows` are in line order; so is the result. Runs of rows between hunks are
    copied whole, and renumbered only where lines were added or removed above them.
    """
    rel = f"beads/{stem}.jsonl"
    lines = [r[LINE] for r in head_rows]
    out: list[Row] = []
    new: set[str] = set()
    shift = at = 0
    for hunk in sorted(hunks, key=lambda h: h.old_start):
        if hunk.old_count:
            stop = bisect.bisect_left(lines, hunk.old_start)
            resume = bisect.bisect_right(lines, hunk.old_last)
        else:  # an insertion after line old_start
            stop = resume = bisect.bisect_right(lines, hunk.old_start)
        _extend_shifted(out, head_rows[at:stop], shift)
        for number, text in hunk.added:
            found: list[LedgerError] = []
            for r in parse_file(stem, text + b"\n", found):
                out.append(r[:LINE] + (number,))
                new.add(r[ID])
            problems.extend(LedgerError(rel, number, p.reason) for p in found)
        shift += len(hunk.added) - hunk.old_count
        at = resume
    _extend_shifted(out, head_rows[at:], shift)
    return out, new


def _extend_shifted(out: list[Row], rows: list[Row], shift: int) -> None:
    if shift:
        out.extend(r[:LINE] + (r[LINE] + shift,) for r in rows)
    else:
        out.extend(rows)


def read(root: Root, changed: dict[str, Change], problems: list[LedgerError],
         started: git.Started | None = None) -> list[FileRows]:
    """Every ledger file as staged, with HEAD's rows where they come for free.

    `started`: git queries the hook started before importing this (see
    `git.start_staged`), used instead of asking again.
    """
    started = started if started is not None else {}
    staged = staged_blobs(root, started)
    committed = committed_blobs(staged, changed)
    changed = [rel for rel, sha in staged.items()
               if rel in committed and sha != committed[rel] and rel[6:-6] in schema.LEDGER_FILES]
    # git finds the changed lines on one core while this one loads the index.
    diff = started.pop(git.LEDGER_LINES, None)
    if diff is None and changed:
        diff = git.start(root, *git.STAGED_LINES, *changed, scrub=False)
    known = _known_rows(root, committed)
    files: dict[str, FileRows] = {}
    through_diff = []
    whole: dict[str, str] = {}
    for stem in schema.LEDGER_FILES:
        rel = f"beads/{stem}.jsonl"
        sha, old = staged.get(rel), committed.get(rel)
        if stem in known and sha is not None:
            rows = known[stem]
            files[rel] = FileRows(rel, stem, rows, set(), old, rows)
            if sha != old:
                through_diff.append(rel)
        elif sha is not None:
            whole[rel] = sha
        else:
            files[rel] = FileRows(rel, stem, [], None, old)
    if diff is not None:
        hunks_by_path = parse_hunks(diff.output())
        for rel in through_diff:
            f = files[rel]
            f.staged, f.new = apply_hunks(f.stem, f.head or [], hunks_by_path.get(rel, []),
                                          problems)
    blobs = git.read_blobs(root, list(whole.values()))
    for rel, sha in whole.items():
        stem = rel[len("beads/"):-len(".jsonl")]
        rows = parse_file(stem, blobs[sha], problems)
        if sha == committed.get(rel):  # unchanged by this commit
            files[rel] = FileRows(rel, stem, rows, set(), sha, rows)
        else:
            files[rel] = FileRows(rel, stem, rows, None, committed.get(rel))
    return [files[f"beads/{stem}.jsonl"] for stem in schema.LEDGER_FILES]


def read_head(root: Root, files: list[FileRows]) -> None:
    """Fill in HEAD's rows where they were not read yet (parsing HEAD's blobs)."""
    missing = {f.rel: f.head_sha for f in files if f.head is None and f.head_sha}
    blobs = git.read_blobs(root, list(missing.values()))
    for f in files:
        if f.head is None:
            f.head = parse_file(f.stem, blobs[f.head_sha], []) if f.head_sha else []
