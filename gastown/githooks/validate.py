"""pre-commit: refuse a commit whose staged ledger or formulas are wrong, with file:line.

Everything a reader refuses stops the commit; so does a dangling dependency or a
cycle that this commit introduces (ones already in HEAD stay warnings, so a town
with an old dangling link can still commit). The working tree is never touched:
the person's edit stays where it was, to be fixed and committed again.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from gastown import git
from gastown.beads import graph, schema
from gastown.beads.index import BLOCKERS, ID, LINE, PARENT, Row
from gastown.beads.snapshot import parse_file
from gastown.errors import LedgerError
from gastown.githooks.events import read_blobs

Problem = str


def _out(root: Path, *args: str) -> str:
    return git.out(root, *args, scrub=False)


def _staged_files(root: Path) -> list[str]:
    text = _out(root, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "--",
                   "beads", "formulas", "rigs")
    return [p for p in text.splitlines() if p]


def _versions(root: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Each ledger file's bytes as staged, and as in HEAD (empty when absent)."""
    staged = {}
    for line in _out(root, "ls-files", "-s", "--", "beads").splitlines():
        meta, _, path = line.partition("\t")
        staged[path] = meta.split()[1]
    committed = {}
    has_head = git.git(root, "rev-parse", "-q", "--verify", "HEAD", check=False,
                       scrub=False).returncode == 0
    if has_head:
        for line in _out(root, "ls-tree", "HEAD", "--", "beads/").splitlines():
            meta, _, path = line.partition("\t")
            committed[path] = meta.split()[2]
    blobs = read_blobs(root, [*staged.values(), *committed.values()])
    return ({p: blobs[s] for p, s in staged.items()}, {p: blobs[s] for p, s in committed.items()})


def _rows(files: dict[str, bytes], problems: list[LedgerError] | None) -> dict[str, list[Row]]:
    out = {}
    for stem in schema.LEDGER_FILES:
        rel = f"beads/{stem}.jsonl"
        out[rel] = parse_file(stem, files.get(rel, b""), problems)
    return out


def _links(rows: dict[str, list[Row]]) -> tuple[dict[tuple[str, str], tuple[str, int]],
                                                 list[list[str]], dict[str, tuple[str, int]]]:
    where = {r[ID]: (rel, r[LINE]) for rel, rs in rows.items() for r in rs}
    dangling = {}
    for rel, rs in rows.items():
        for r in rs:
            for target in (*r[BLOCKERS], *((r[PARENT],) if r[PARENT] else ())):
                if target not in where:
                    dangling[(r[ID], target)] = (rel, r[LINE])
    cycles = graph.cycles([r for rs in rows.values() for r in rs])
    return dangling, cycles, where


def ledger_problems(staged: dict[str, bytes], committed: dict[str, bytes]) -> list[Problem]:
    problems: list[LedgerError] = []
    for rel in staged:
        if rel.endswith(".jsonl") and rel[len("beads/"):-len(".jsonl")] not in schema.LEDGER_FILES:
            if rel != "beads/events.jsonl":
                problems.append(LedgerError(rel, None, "not a ledger file (ledger files: "
                                + ", ".join(f"{s}.jsonl" for s in schema.LEDGER_FILES) + ")"))
    rows = _rows(staged, problems)
    seen: dict[str, str] = {}
    for rel, rs in rows.items():
        for r in rs:
            if r[ID] in seen:
                problems.append(LedgerError(rel, r[LINE], f"duplicate id {r[ID]} (also in {seen[r[ID]]})"))
            seen.setdefault(r[ID], rel)
    out = [str(p) for p in problems]
    if problems:
        return out
    new_dangling, new_cycles, where = _links(rows)
    if not new_dangling and not new_cycles:
        return out
    old_dangling, old_cycles, _ = _links(_rows(committed, []))
    for (bead, target), (rel, line) in sorted(new_dangling.items()):
        if (bead, target) not in old_dangling:
            out.append(f"{rel}:{line}: {bead} depends on {target}, which does not exist")
    known = {frozenset(c) for c in old_cycles}
    for cycle in new_cycles:
        if frozenset(cycle) not in known:
            rel, line = where[cycle[0]]
            out.append(f"{rel}:{line}: dependency cycle " + " -> ".join([*cycle, cycle[0]]))
    return out


def formula_problems(root: Path, paths: list[str]) -> list[Problem]:
    """Validate staged formula files as staged (not as in the working tree)."""
    from gastown.formulas import validate_file

    shas = {}
    for line in _out(root, "ls-files", "-s", "--", *paths).splitlines():
        meta, _, path = line.partition("\t")
        shas[path] = meta.split()[1]
    blobs = read_blobs(root, list(shas.values()))
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, sha in shas.items():
            copy = Path(tmp) / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(blobs[sha])
            for problem in validate_file(copy, search=[root / "formulas", copy.parent]):
                out.append(f"{path}:{problem.line}: {problem.reason}")
    return out


def is_formula(path: str) -> bool:
    return path.endswith(".formula.toml") or (
        path.endswith(".toml") and "/formulas/" in f"/{path}")


def check_staged(root: Path) -> int:
    staged_paths = _staged_files(root)
    out: list[Problem] = []
    if any(p.startswith("beads/") for p in staged_paths):
        staged, committed = _versions(root)
        out.extend(ledger_problems(staged, committed))
    formulas = [p for p in staged_paths if is_formula(p)]
    if formulas:
        out.extend(formula_problems(root, formulas))
    if out:
        for line in out:
            print(line, file=sys.stderr)
        print(f"gastown: commit refused ({len(out)} problem{'s' * (len(out) != 1)}); "
              "your files are as you left them: fix them and commit again", file=sys.stderr)
        return 1
    return 0


def files_problems(paths: list[Path]) -> list[Problem]:
    """Check ledger files as they are on disk (for `bd validate` and pre-commit users).

    Each file is checked alone and, when several are given, for ids repeated across
    them. A file named like a ledger file (`work.jsonl`, ...) must hold only its kinds.
    """
    from gastown.beads import codec

    out: list[Problem] = []
    seen: dict[str, str] = {}
    for path in paths:
        shown = str(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            out.append(f"{shown}: cannot read: {e.strerror}")
            continue
        problems: list[LedgerError] = []
        stem = path.name.removesuffix(".jsonl")
        if stem in schema.LEDGER_FILES:
            ids = [(r[ID], r[LINE]) for r in parse_file(stem, data, problems)]
        else:
            ids = [(b["id"], n) for n, _, _, b in codec.iter_beads(shown, data, problems)]
        out.extend(f"{shown}:{p.line}: {p.reason}" if p.line else f"{shown}: {p.reason}"
                   for p in problems)
        for bid, line in ids:
            if bid in seen:
                out.append(f"{shown}:{line}: duplicate id {bid} (also in {seen[bid]})")
            seen.setdefault(bid, shown)
    return out
