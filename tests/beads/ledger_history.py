"""Helpers for the reliability tests: read every commit's ledger straight from git."""
from __future__ import annotations

import subprocess
from pathlib import Path

from gastown.beads import schema, snapshot
from gastown.beads.index import ID
from gastown.errors import LedgerError


def commits(root: Path) -> list[str]:
    """Every commit reachable from HEAD, oldest first."""
    out = subprocess.run(["git", "rev-list", "--reverse", "HEAD"], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    return out.split()


def _blobs(root: Path, specs: list[str]) -> list[bytes | None]:
    """`git cat-file --batch` for many `rev:path` specs in one process (None: missing)."""
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=root, check=True,
                          input="".join(s + "\n" for s in specs).encode(),
                          capture_output=True)
    data = proc.stdout
    out: list[bytes | None] = []
    pos = 0
    for _ in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            out.append(None)
            continue
        size = int(header[2])
        out.append(data[pos:pos + size])
        pos += size + 1
    return out


def ledger_ids_per_commit(root: Path) -> dict[str, list[str]]:
    """commit -> every bead id in that commit's ledger, validated exactly as readers do.

    Raises AssertionError naming the commit if any ledger file in any commit's tree is
    not a valid ledger (a line that does not parse, a bead in the wrong file, a
    duplicate id in one file or across files).
    """
    shas = commits(root)
    specs = [f"{sha}:beads/{stem}.jsonl" for sha in shas for stem in schema.LEDGER_FILES]
    blobs = iter(_blobs(root, specs))
    result: dict[str, list[str]] = {}
    for sha in shas:
        ids: list[str] = []
        for stem in schema.LEDGER_FILES:
            data = next(blobs)
            if data is None:
                continue
            try:
                rows = snapshot.parse_file(stem, data)
            except LedgerError as e:
                raise AssertionError(f"commit {sha} has an invalid ledger: {e}") from None
            ids.extend(r[ID] for r in rows)
        duplicates = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
        assert not duplicates, f"commit {sha}: ids in two ledger files: {sorted(duplicates)}"
        result[sha] = ids
    return result


def subject(root: Path, sha: str) -> str:
    return subprocess.run(["git", "log", "-1", "--format=%s", sha], cwd=root, check=True,
                          capture_output=True, text=True).stdout.strip()


def subjects(root: Path) -> dict[str, str]:
    """commit -> subject line, for every commit reachable from HEAD."""
    out = subprocess.run(["git", "log", "--format=%H %s"], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines())
