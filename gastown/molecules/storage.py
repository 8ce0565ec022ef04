"""Where a molecule lives: the ledger, or a wisp file. Both give the same Molecule.

Ledger: `beads/molecules.jsonl`; every `edit` that changes something is one commit.
Wisp: `.gastown/wisps/<id>.jsonl` (root first, then steps), rewritten atomically under
a per-wisp lock; never committed.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gastown.beads import codec, schema, snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.beads.snapshot import Snapshot
from gastown.errors import GastownError, NotFound
from gastown.molecules.model import Bead, Molecule, root_of, step_number
from gastown.town.paths import Town

WISP_DIR = "wisps"


def message(verb: str, ids: list[str], summary: str = "", who: str | None = None) -> str:
    """A ledger commit message in the same shape as `bd`'s (Actor trailer included)."""
    shown = " ".join(ids[:8]) + (f" (+{len(ids) - 8} more)" if len(ids) > 8 else "")
    head = f"mol {verb}: {shown}" + (f" {summary}" if summary else "")
    return f"{head[:200]}\n\nActor: {who or current_actor()}\n"


@contextmanager
def transaction(town: Town, *, kick: bool = True) -> Iterator[Snapshot]:
    """store.transaction, with the reactor kick optional: the runtime commits often and
    wakes the reactor itself (throttled, and always once at the end)."""
    if kick:
        with store.transaction(town) as snap:
            yield snap
        return
    with store.write_lock(town):
        store.recover(town)
        with snapshot.load(town, warn=False) as snap:
            yield snap


def kick(town: Town) -> None:
    from gastown.githooks.reactor import kick as react

    react(town)


def wisp_path(town: Town, mol_id: str) -> Path:
    return town.state / WISP_DIR / f"{mol_id}.jsonl"


def is_wisp(town: Town, bead_id: str) -> bool:
    return schema.ID_RE.match(bead_id) is not None and wisp_path(town, root_of(bead_id)).is_file()


def wisp_ids(town: Town) -> list[str]:
    folder = town.state / WISP_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name[:-len(".jsonl")] for p in folder.glob("*.jsonl"))


def molecule_from_snapshot(snap: Snapshot, mol_id: str,
                           cache: dict[bytes, Bead] | None = None) -> Molecule:
    """The molecule as in `snap`. `cache` (raw line -> bead) spares re-decoding the
    lines that did not change since the last read (the runtime reads once per step)."""

    def get(bead_id: str) -> Bead | None:
        hit = snap.where.get(bead_id)
        if hit is None:
            return None
        lf = snap.files[hit[0]]
        raw = lf.raw(lf.rows[hit[1]])
        if cache is None:
            return lf.bead(lf.rows[hit[1]])  # type: ignore[no-any-return]
        bead = cache.get(raw)
        if bead is None:
            bead = cache[raw] = codec.loads(raw)
        return dict(bead)

    root = get(mol_id)
    if root is None:
        raise NotFound(f"no molecule {mol_id!r} in {snap.town.root}")
    if root.get("issue_type") != "molecule":
        raise GastownError(f"{mol_id} is a {root.get('issue_type', 'task')!r} bead, "
                           "not a molecule")
    count = root.get("step_count")
    if isinstance(count, int) and count >= 0:
        ids = [f"{mol_id}.{n}" for n in range(1, count + 1)]
    else:
        head = mol_id + "."
        ids = [bid for bid in snap.where if bid.startswith(head) and bid[len(head):].isdigit()]
        ids.sort(key=step_number)
    steps = [b for b in (get(i) for i in ids) if b and b.get("issue_type") == "step"]
    if cache is not None and len(cache) > 4 * len(ids) + 64:
        cache.clear()
    return Molecule(root, steps, wisp=False)


class Edit:
    """A molecule read under the write lock; `put` the beads to write back."""

    def __init__(self, mol: Molecule, snap: Snapshot | None) -> None:
        self.mol = mol
        self.snap = snap
        self.changed: dict[str, Bead] = {}
        self.verb = "update"
        self.summary = ""

    def put(self, bead: Bead) -> None:
        bead["updated_at"] = now()
        self.changed[bead["id"]] = bead
        if bead["id"] == self.mol.id:
            self.mol.root = bead
        elif any(s["id"] == bead["id"] for s in self.mol.steps):
            self.mol.steps = [bead if s["id"] == bead["id"] else s for s in self.mol.steps]
        elif self.snap is None:
            raise GastownError(f"a wisp cannot write ledger bead {bead['id']}")

    def describe(self, verb: str, summary: str = "") -> None:
        self.verb, self.summary = verb, summary


class LedgerMolecules:
    wisp = False

    def __init__(self, town: Town) -> None:
        self.town = town
        self.cache: dict[bytes, Bead] = {}

    def load(self, mol_id: str) -> Molecule:
        with snapshot.load(self.town) as snap:
            return molecule_from_snapshot(snap, mol_id, self.cache)

    @contextmanager
    def edit(self, mol_id: str, *, kick: bool = True) -> Iterator[Edit]:
        """One commit for everything `put` (none if nothing changed)."""
        with transaction(self.town, kick=kick) as snap:
            ed = Edit(molecule_from_snapshot(snap, mol_id, self.cache), snap)
            yield ed
            if ed.changed:
                ids = sorted(ed.changed)
                store.apply(self.town, snap, store.Change(put=ed.changed),
                            message(ed.verb, ids, ed.summary))


class WispMolecules:
    wisp = True

    def __init__(self, town: Town) -> None:
        self.town = town

    def load(self, mol_id: str) -> Molecule:
        path = wisp_path(self.town, mol_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no wisp {mol_id!r} in {self.town.root}") from None
        beads = [codec.loads(line) for line in codec.split_lines(data)]
        if not beads or beads[0].get("id") != mol_id:
            raise GastownError(f"{path}: not a wisp file (first line is not {mol_id})")
        steps = sorted(beads[1:], key=lambda b: step_number(b["id"]))
        return Molecule(beads[0], steps, wisp=True)

    def write(self, mol: Molecule) -> None:
        path = wisp_path(self.town, mol.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [codec.dumps(b) for b in (mol.root, *mol.steps)]
        for b in (mol.root, *mol.steps):
            reason = schema.check(b)
            if reason:
                raise GastownError(f"refusing to write an invalid bead: {reason}")
        store.atomic_write(str(path), b"".join(line + b"\n" for line in lines))

    @contextmanager
    def lock(self, mol_id: str) -> Iterator[None]:
        from gastown import locks

        path = self.town.state / "locks" / f"wisp-{mol_id}.lock"
        with locks.held(path, wait=store.lock_timeout()) as taken:
            if not taken:
                raise GastownError(f"timed out waiting for the lock of wisp {mol_id} ({path})")
            yield

    @contextmanager
    def edit(self, mol_id: str, *, kick: bool = True) -> Iterator[Edit]:
        with self.lock(mol_id):
            ed = Edit(self.load(mol_id), None)
            yield ed
            if ed.changed:
                self.write(ed.mol)

    def remove(self, mol_id: str) -> None:
        wisp_path(self.town, mol_id).unlink(missing_ok=True)


Molecules = LedgerMolecules | WispMolecules


def open_molecules(town: Town, bead_id: str) -> tuple[Molecules, str]:
    """The storage holding molecule or step `bead_id`, and the molecule's id."""
    mol_id = root_of(bead_id)
    if is_wisp(town, mol_id):
        return WispMolecules(town), mol_id
    return LedgerMolecules(town), mol_id


def lock_path(town: Town, mol_id: str) -> Path:
    return town.state / "locks" / f"mol-{mol_id}.lock"


@contextmanager
def runner_lock(town: Town, mol_id: str, wait: float = 0) -> Iterator[None]:
    """Only one runtime works on a molecule at a time (the kernel frees it on death).

    `wait`: seconds to wait for a runtime that is ending (a session being replaced)."""
    from gastown import locks

    path = lock_path(town, mol_id)
    with locks.held(path, wait=wait) as taken:
        if not taken:
            raise GastownError(f"molecule {mol_id} is already being run by another "
                               f"`gt mol run` (lock {path})")
        yield


def rel(town: Town, path: Path) -> str:
    """A path as stored on beads: relative to the town when inside it."""
    try:
        return Path(path).relative_to(town.root).as_posix()
    except ValueError:
        return str(path)
