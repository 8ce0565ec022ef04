"""A consistent read of the whole ledger, served from the index where it is fresh.

Readers take no lock. Each file is read through one open descriptor (a rename by a
writer cannot tear it), and the writers' generation counter (`.gastown/gen`, odd while
a write is being renamed into place) makes a read that spans several files retry
instead of mixing two versions.
"""
from __future__ import annotations

import os
import sys
import time

from gastown.beads import codec, index, schema
from gastown.beads.index import ID, Row
from gastown.beads.links import Links
from gastown.errors import LedgerError

TYPE_CHECKING = False  # typing and pathlib are slow to import and the git hooks import this
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gastown.town.paths import Town

GEN_FILE = "gen"
INDEX_FILE = "index.bin"


def read_gen(town: Town) -> int:
    try:
        with open(town.state / GEN_FILE, "rb") as f:
            return int(f.read() or 0)
    except (OSError, ValueError):
        return 0


class LedgerFile:
    """One ledger file as it was when read: its rows, and its bytes on demand."""

    def __init__(self, town: Town, stem: str, rows: list[Row], fd: int | None,
                 data: bytes | None = None) -> None:
        self.town = town
        self.stem = stem
        self.rel = f"beads/{stem}.jsonl"
        self.rows = rows
        self._fd = fd
        self._data = data

    def data(self) -> bytes:
        if self._data is None:
            if self._fd is None:
                self._data = b""
            else:
                size = os.fstat(self._fd).st_size
                self._data = os.pread(self._fd, size, 0)
        return self._data

    def raw(self, row: Row) -> bytes:
        off, length = row[index.OFFSET], row[index.LENGTH]
        if self._data is not None:
            return self._data[off:off + length]
        assert self._fd is not None
        return os.pread(self._fd, length, off)

    def bead(self, row: Row) -> dict[str, Any]:
        return codec.loads(self.raw(row))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Snapshot:
    """Every ledger file at one generation, and an id map across them."""

    def __init__(self, town: Town, files: dict[str, LedgerFile],
                 entries: dict[str, index.Entry] | None = None, links: Links | None = None
                 ) -> None:
        self.town = town
        self.files = files
        self.entries = entries or {}  # the index entries these files were read through
        self.links = links or Links()
        self.committed: list[str] = []  # commits a transaction made on top of this
        self.where: dict[str, tuple[str, int]] = {}
        for stem, lf in files.items():
            for i, row in enumerate(lf.rows):
                self.where[row[ID]] = (stem, i)

    @property
    def warnings(self) -> list[str]:
        """Dangling dependencies and cycles, as `beads/<file>.jsonl:<line>: ...`."""
        from gastown.beads.links import describe

        def place(bead_id: str) -> tuple[str, int] | None:
            hit = self.where.get(bead_id)
            if hit is None:
                return None
            lf = self.files[hit[0]]
            return lf.rel, lf.rows[hit[1]][index.LINE]

        return describe(self.links, place)

    def __contains__(self, bead_id: str) -> bool:
        return bead_id in self.where

    def __len__(self) -> int:
        return len(self.where)

    def resolve(self, text: str) -> str:
        """The id `text` names: exact, or a unique prefix (of the id or of its hash)."""
        from gastown.beads.resolve import resolve

        return resolve(text, self.where, where=str(self.town.root))

    def row(self, bead_id: str) -> Row | None:
        hit = self.where.get(bead_id)
        return self.files[hit[0]].rows[hit[1]] if hit else None

    def get(self, bead_id: str) -> dict[str, Any] | None:
        hit = self.where.get(bead_id)
        if not hit:
            return None
        lf = self.files[hit[0]]
        return lf.bead(lf.rows[hit[1]])

    def rows(self) -> Iterator[Row]:
        for lf in self.files.values():
            yield from lf.rows

    def beads(self, rows: list[Row]) -> list[dict[str, Any]]:
        return [self.get(r[ID]) for r in rows]  # type: ignore[misc]

    def all_beads(self) -> Iterator[dict[str, Any]]:
        for lf in self.files.values():
            for row in lf.rows:
                yield lf.bead(row)

    def close(self) -> None:
        for lf in self.files.values():
            lf.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_file(stem: str, data: bytes, problems: list[LedgerError] | None = None) -> list[Row]:
    """Index rows of one ledger file's bytes; every line checked (see codec.iter_beads).

    Raises the first LedgerError, or collects them all into `problems`.
    """
    rel = f"beads/{stem}.jsonl"
    rows: list[Row] = []
    seen: dict[str, int] = {}

    def fail(number: int, reason: str) -> None:
        if problems is None:
            raise LedgerError(rel, number, reason)
        problems.append(LedgerError(rel, number, reason))

    for number, offset, line, bead in codec.iter_beads(rel, data, problems):
        bid = bead["id"]
        if bid in seen:
            fail(number, f"duplicate id {bid} (first on line {seen[bid]})")
            continue
        seen[bid] = number
        home = schema.file_for(bead)
        if home != stem:
            fail(number, f"{bid} is a {bead.get('issue_type') or 'task'!r} bead; "
                         f"it belongs in beads/{home}.jsonl")
            continue
        rows.append(index.row_for(bead, offset, len(line), number))
    return rows


def ledger_links(files: dict[str, LedgerFile]) -> Links:
    from gastown.beads import links

    return links.find(r for lf in files.values() for r in lf.rows)


def _load_once(town: Town, cached: dict[str, index.Entry]
               ) -> tuple[Snapshot, dict[str, index.Entry], bool, bool]:
    """A snapshot through the cached entries; also says whether the index needs saving
    (`changed`) and whether any file was parsed anew (`reparsed`)."""
    fresh: dict[str, index.Entry] = {}
    files: dict[str, LedgerFile] = {}
    changed = reparsed = bool(set(cached) - set(schema.LEDGER_FILES))
    try:
        for stem in schema.LEDGER_FILES:
            try:
                fd = os.open(town.ledger_file(stem), os.O_RDONLY)
            except FileNotFoundError:
                files[stem] = LedgerFile(town, stem, [], None)
                if stem in cached:
                    changed = reparsed = True
                continue
            key = index.stat_key(os.fstat(fd))
            entry = cached.get(stem)
            data = None
            if entry is not None and entry.key == key and entry.racy():
                data = os.pread(fd, key[0], 0)
                if index.checksum(data) != entry.crc:
                    entry = None
                elif key[3] < index.now_ns() - index.RACY_NS:
                    entry = index.Entry(key, entry.crc, index.now_ns(), entry.rows, entry.blob)
                    changed = True
            if entry is None or entry.key != key:
                if data is None:
                    data = os.pread(fd, key[0], 0)
                entry = index.Entry(key, index.checksum(data), index.now_ns(),
                                    parse_file(stem, data))
                changed = reparsed = True
            fresh[stem] = entry
            files[stem] = LedgerFile(town, stem, entry.rows, fd, data)
    except BaseException:
        for lf in files.values():
            lf.close()
        raise
    return Snapshot(town, files, fresh), fresh, changed, reparsed


def index_path(town: Town) -> str:
    return str(town.state / INDEX_FILE)


def load(town: Town, *, warn: bool = True) -> Snapshot:
    """Read the ledger; raise LedgerError (file:line) if any file is corrupt.

    Dangling dependencies and cycles are reported on stderr when `warn` is set.
    """
    cached, links = index.load(index_path(town))
    deadline = time.monotonic() + 2.0
    while True:
        before = read_gen(town)
        if before % 2 and time.monotonic() < deadline:
            time.sleep(0.002)
            continue
        snap, fresh, changed, reparsed = _load_once(town, cached)
        if read_gen(town) == before or time.monotonic() >= deadline:
            break
        snap.close()
    if reparsed:
        _check_duplicates_across(snap)
    if reparsed or links is None:
        links = ledger_links(snap.files)
        changed = True
    if changed:
        index.save(index_path(town), fresh, links)
    snap.links = Links(*links)
    if warn and snap.links:
        warnings = snap.warnings
        for w in warnings[:5]:
            print(f"warning: {w}", file=sys.stderr)
        if len(warnings) > 5:
            print(f"warning: ... and {len(warnings) - 5} more (see `bd dep cycles`)",
                  file=sys.stderr)
    return snap


def note_blobs(town: Town) -> None:
    """Record in the index the git blob id of each ledger file it does not know one for.

    Readers do not compute them (that takes git); after a commit made by hand, the
    reactor calls this, so the next pre-commit and the next writer can compare blob
    ids instead of reading whole files. Skipped while a writer works (writers record
    the blobs they commit themselves).
    """
    from gastown import git, locks

    with locks.held(town.write_lock, wait=0) as taken:
        if not taken:
            return
        try:
            with load(town, warn=False) as snap:
                entries = dict(snap.entries)
                links = snap.links
        except LedgerError:
            return  # a corrupt working tree: readers will say so
        unknown = [stem for stem, e in entries.items() if not e.blob]
        if not unknown:
            return
        shas = git.out(town.root, "hash-object", "--no-filters", "--",
                       *[f"beads/{stem}.jsonl" for stem in unknown]).split()
        for stem, sha in zip(unknown, shas):
            e = entries[stem]
            if index.stat_key(os.stat(town.ledger_file(stem))) == e.key:  # not changed since
                entries[stem] = index.Entry(e.key, e.crc, e.built_ns, e.rows, sha)
        index.save(index_path(town), entries, links)


def _check_duplicates_across(snap: Snapshot) -> None:
    if sum(len(lf.rows) for lf in snap.files.values()) == len(snap.where):
        return
    seen: dict[str, str] = {}
    for lf in snap.files.values():
        for r in lf.rows:
            if r[ID] in seen:
                raise LedgerError(lf.rel, r[index.LINE],
                                  f"duplicate id {r[ID]} (also in {seen[r[ID]]})")
            seen[r[ID]] = lf.rel
