"""pre-commit: refuse a commit whose staged ledger or formulas are wrong, with file:line.

Everything a reader refuses stops the commit; so does a dangling dependency or a
cycle that this commit introduces (ones already in HEAD stay warnings, so a town
with an old dangling link can still commit). The working tree is never touched:
the person's edit stays where it was, to be fixed and committed again.
"""
from __future__ import annotations

import os
import sys

from gastown import git
from gastown.beads import links, schema
from gastown.beads.index import ID, LINE
from gastown.beads.snapshot import parse_file
from gastown.errors import LedgerError
from gastown.githooks import staged

TYPE_CHECKING = False  # pathlib and typing stay out of the hooks' imports
if TYPE_CHECKING:
    from pathlib import Path

    Root = str | os.PathLike[str]

Problem = str
ADDED = "ACMR"  # the statuses that leave a staged file to check (not D, T)


def _foreign(paths: list[str]) -> list[LedgerError]:
    ledger = {f"beads/{s}.jsonl" for s in schema.LEDGER_FILES} | {"beads/events.jsonl"}
    return [LedgerError(p, None, "not a ledger file (ledger files: "
                        + ", ".join(f"{s}.jsonl" for s in schema.LEDGER_FILES) + ")")
            for p in paths
            if p.startswith("beads/") and p.endswith(".jsonl") and p not in ledger]


def _duplicates(files: list[staged.FileRows]) -> list[LedgerError]:
    # Where every file was read through the diff, HEAD's rows held no duplicate (they
    # came from a successful read): only the ids of added lines can repeat.
    suspects = None
    if all(f.new is not None for f in files):
        suspects = set().union(*(f.new for f in files if f.new))
        if not suspects:
            return []
    out = []
    seen: dict[str, tuple[str, int]] = {}
    for f in files:
        for r in f.staged:
            if suspects is not None and r[ID] not in suspects:
                continue
            first = seen.setdefault(r[ID], (f.rel, r[LINE]))
            if first != (f.rel, r[LINE]):
                where = f"first on line {first[1]}" if first[0] == f.rel else f"also in {first[0]}"
                out.append(LedgerError(f.rel, r[LINE], f"duplicate id {r[ID]} ({where})"))
    return out


def _links_unchanged(files: list[staged.FileRows]) -> bool:
    """True when the diff read shows no change that could add a dangling link or cycle."""
    if any(f.new is None for f in files):
        return False  # a file was read whole: no cheap way to tell
    before = {r[ID]: r for f in files for r in f.head or ()}
    put = {r[ID]: r for f in files for r in f.staged if r[ID] in f.new}
    if not before.keys() <= {r[ID] for f in files for r in f.staged}:
        return False  # some bead went away
    awaited: set[str] = set()
    if any(bid not in before for bid in put):  # a new bead: was anyone waiting for its id?
        awaited = {target for _, target in links.dangling(before.values())}
    return not links.might_change(before.get, put, (), awaited)


def _new_link_problems(root: Root, files: list[staged.FileRows]) -> list[Problem]:
    where = {r[ID]: (f.rel, r[LINE]) for f in files for r in f.staged}
    now = links.find(r for f in files for r in f.staged)
    if not now:
        return []
    staged.read_head(root, files)
    before = links.find(r for f in files for r in f.head or ())
    out = []
    for bead, target in sorted(set(now.dangling) - set(before.dangling)):
        rel, line = where[bead]
        out.append(f"{rel}:{line}: {bead} depends on {target}, which does not exist")
    known = {frozenset(c) for c in before.cycles}
    for cycle in now.cycles:
        if frozenset(cycle) not in known:
            rel, line = where[cycle[0]]
            out.append(f"{rel}:{line}: dependency cycle " + " -> ".join([*cycle, cycle[0]]))
    return out


def ledger_problems(root: Root, changed: dict[str, staged.Change],
                    started: git.Started | None = None) -> list[Problem]:
    """What is wrong with the staged ledger: all a reader refuses, and the dangling
    links and cycles this commit adds. `started`: see `staged.read`."""
    problems = _foreign([p for p, (status, _) in changed.items() if status in ADDED])
    files = staged.read(root, changed, problems, started)
    problems.extend(_duplicates(files))
    if problems:
        return [str(p) for p in problems]
    if _links_unchanged(files):
        return []
    return _new_link_problems(root, files)


def formula_problems(root: Root, paths: list[str]) -> list[Problem]:
    """Validate staged formula files as staged (not as in the working tree)."""
    from pathlib import Path

    from gastown.formulas import validate_file

    shas = {}
    for line in git.out(root, "ls-files", "-s", "--", *paths, scrub=False).splitlines():
        meta, _, path = line.partition("\t")
        shas[path] = meta.split()[1]
    blobs = git.read_blobs(root, list(shas.values()))
    out = []
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for path, sha in shas.items():
            copy = Path(tmp) / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(blobs[sha])
            for problem in validate_file(copy, search=[Path(root) / "formulas", copy.parent]):
                out.append(f"{path}:{problem.line}: {problem.reason}")
    return out


def is_formula(path: str) -> bool:
    return path.endswith(".formula.toml") or (
        path.endswith(".toml") and "/formulas/" in f"/{path}")


def check_staged(root: Root, started: git.Started | None = None) -> int:
    """pre-commit's verdict (0 or 1, problems on stderr). `started`: see `staged.read`."""
    started = started if started is not None else {}
    changed = staged.changes(root, started)
    present = [p for p, (status, _) in changed.items() if status in ADDED]
    out: list[Problem] = []
    if any(p.startswith("beads/") for p in present):
        out.extend(ledger_problems(root, changed, started))
    for running in started.values():
        running.output()  # not needed after all: reap it
    formulas = [p for p in present if is_formula(p)]
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
