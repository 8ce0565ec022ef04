"""References left behind by `bd merge` renaming a child id, across ledger files.

When two clones minted `<parent>.<n>` for different beads, the driver renames theirs
(recording `renamed_from`) and fixes theirs' references in the same file. Git merges
each ledger file alone, so theirs' references in other files (a molecule's `on`, a
convoy's `tracks`, a merge request's `source_issue`, an agent's `hook`, dependencies)
still name the old id, which now means ours' bead. The merge commit tells them apart:
a reference is stale if theirs' parent had it and ours' parent did not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gastown import git
from gastown.beads import codec, refs, schema
from gastown.beads.merge import RENAMED_FROM
from gastown.town.paths import Town

Bead = dict[str, Any]
RefsById = dict[str, set[refs.Ref]]


@dataclass(frozen=True)
class Stale:
    """`bead` (in ledger file `stem`) points at `old` through `field`, meaning `new`."""

    stem: str
    bead: str
    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return (f"beads/{self.stem}.jsonl: {self.bead} {self.field} {self.old} "
                f"means {self.new} (renamed by a merge)")


def _merge_parents(town: Town, new: str) -> tuple[str, str] | None:
    """(ours, theirs) of the merge commit that brought in the renamed bead `new`."""
    needle = codec.encode({"id": new})[:-1] + ","
    text = git.out(town.root, "log", "--topo-order", "--reverse", "--format=%P",
                   "--diff-merges=first-parent", f"-S{needle}", "--", "beads/")
    for row in text.splitlines():
        parents = row.split()
        if len(parents) >= 2:
            return parents[0], parents[1]
    return None


def _refs_at(town: Town, commit: str, cache: dict[str, RefsById]) -> RefsById:
    """Every bead's references in the ledger at `commit` (unreadable lines skipped)."""
    if commit not in cache:
        found: RefsById = {}
        for stem in schema.LEDGER_FILES:
            rel = f"beads/{stem}.jsonl"
            proc = git.git(town.root, "show", f"{commit}:{rel}", check=False)
            for _, _, _, bead in codec.iter_beads(rel, proc.stdout, problems=[]):
                found.setdefault(bead["id"], set()).update(refs.references(bead))
        cache[commit] = found
    return cache[commit]


def find(town: Town, beads: dict[str, tuple[str, Bead]]) -> list[Stale]:
    """Stale references among `beads` (id -> (ledger stem, bead), the town at HEAD)."""
    cache: dict[str, RefsById] = {}
    out = []
    for new, (_, renamed) in sorted(beads.items()):
        old = renamed.get(RENAMED_FROM)
        if not isinstance(old, str):
            continue
        parents = _merge_parents(town, new)
        if parents is None:
            continue
        ours, theirs = (_refs_at(town, p, cache) for p in parents)
        for bid, (stem, bead) in sorted(beads.items()):
            for ref in sorted(refs.references(bead)):
                if (ref[1] == old and ref in theirs.get(bid, ())
                        and ref not in ours.get(bid, ())):
                    out.append(Stale(stem, bid, ref[0], old, new))
    return out


def ledger_beads(snap: Any) -> dict[str, tuple[str, Bead]]:
    """id -> (ledger stem, bead) for a snapshot (`gastown.beads.snapshot.Snapshot`);
    empty when no bead was ever renamed, so a town without renames decodes nothing."""
    marker = codec.encode(RENAMED_FROM).encode()
    if not any(marker in lf.data() for lf in snap.files.values()):
        return {}
    return {b["id"]: (snap.where[b["id"]][0], b) for b in snap.all_beads()}


def mended(stale: list[Stale], beads: dict[str, tuple[str, Bead]]) -> dict[str, Bead]:
    """The beads with their stale references pointed at the renamed beads."""
    out: dict[str, Bead] = {}
    for s in stale:
        bead = out.get(s.bead, beads[s.bead][1])
        moved = refs.retarget(bead, {s.old: s.new}, lambda ref, s=s: ref == (s.field, s.old))
        if moved is not None:
            out[s.bead] = moved
    return out
