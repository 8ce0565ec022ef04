"""Slinging through the scheduler: what fits under the caps starts, the rest waits.

`sling` checks every bead as `gt sling` would, queues them all, and runs the
scheduler; `run` starts whatever fits now (the reaction calls it when a hook is
released). Only one process runs the scheduler at a time (`queue.LOCK`); one that
finds it busy leaves a wake-up mark, and the holder runs again once it lets go, so
a slot freed while it was deciding is never left unused.
"""
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

from gastown import locks
from gastown.agents import roster, runtimes
from gastown.agents import sling as slinging
from gastown.agents.sling import Slung
from gastown.beads import ids, snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.errors import GastownError
from gastown.rigs import config
from gastown.scheduler import decide, queue
from gastown.scheduler.queue import Request
from gastown.town.paths import TOWN_FILE, Town

WAKE = "scheduler/wake"
_draining: set[str] = set()  # towns this process is draining now
UNCAPPED = sys.maxsize  # the scheduler counts the caps itself


class Drained(NamedTuple):
    started: list[Slung]
    failed: list[tuple[Request, str]]
    convoy: str | None = None  # made by a sling of a whole `together` group


class Outcome(NamedTuple):
    rig: str
    started: list[Slung]
    waiting: list[Request]
    failed: list[tuple[str, str]]  # (bead, why)
    convoy: str | None


def town_cap(town: Town) -> int | None:
    """town.toml's `[limits] max_polecats`, or None when it sets none."""
    value = town.config().get("limits", {}).get("max_polecats")
    if value is None:
        return None
    if type(value) is not int or value < 1:
        raise GastownError(f"{TOWN_FILE}: [limits] max_polecats must be a whole number of "
                           f"at least 1, got {value!r}")
    return value


def busy_polecats(snap: snapshot.Snapshot) -> dict[str, int]:
    """Polecats with work on their hook, per rig. A polecat that ran `gt done` is free
    here even while its session is still ending."""
    counts = Counter(a.get("rig") for a in roster.agents(snap, role="polecat")
                     if a.get("hook") and a.get("status") != "closed")
    return {rig: n for rig, n in counts.items() if rig}


def rig_caps(town: Town, rigs: set[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Each rig's max_polecats, and why a rig has none (it is gone, its rig.toml is bad)."""
    caps, broken = {}, {}
    for rig in sorted(rigs):
        try:
            caps[rig] = config.load(town, rig).max_polecats
        except GastownError as e:
            broken[rig] = str(e)
    return caps, broken


def _batch(chosen: list[Request]) -> list[Request]:
    """The leading requests that one sling can start together (same rig and options)."""
    def key(r: Request) -> tuple[object, ...]:
        return (r.rig, r.formula, r.var, r.runtime, r.by)

    first = key(chosen[0])
    out = []
    for r in chosen:
        if key(r) != first:
            break
        out.append(r)
    return out


def _start(town: Town, batch: list[Request], together: frozenset[int] = frozenset()) -> Drained:
    """Sling the batch (as a convoy when it is the whole `together` group of one
    `gt sling`); if that fails, each on its own, so one bad bead fails alone."""
    first = batch[0]
    whole = len(batch) > 1 and {r.seq for r in batch} == together
    try:
        result = slinging.sling(town, [r.bead for r in batch], first.rig, formula=first.formula,
                                var=first.var, runtime=first.runtime, max_polecats=UNCAPPED,
                                convoy=whole, actor=first.by or None)
        return Drained(result.slung, [], result.convoy)
    except GastownError as e:
        if len(batch) == 1:
            return Drained([], [(first, str(e))])
    started, failed = [], []
    for request in batch:
        one = _start(town, [request])
        started += one.started
        failed += one.failed
    return Drained(started, failed)


def _drain(town: Town, together: frozenset[int] = frozenset()) -> Drained:
    """Start waiting requests until the caps are reached. Call under `queue.LOCK`."""
    started: list[Slung] = []
    failed: list[tuple[Request, str]] = []
    convoy = None
    while True:
        waiting = queue.read(town).waiting
        if not waiting:
            break
        caps, broken = rig_caps(town, {r.rig for r in waiting})
        if broken:
            gone = [(r, broken[r.rig]) for r in waiting if r.rig in broken]
            queue.write(town, queue.remove(queue.read(town), [], gone))
            failed += gone
            continue
        with snapshot.load(town, warn=False) as snap:
            busy = busy_polecats(snap)
        chosen = decide.to_start(waiting, busy, caps, town_cap(town))
        if not chosen:
            break
        batch = _batch(chosen)
        done = _start(town, batch, together)
        queue.write(town, queue.remove(queue.read(town), batch, done.failed))
        started += done.started
        failed += done.failed
        convoy = convoy or done.convoy
    return Drained(started, failed, convoy)


def leave_mark(town: Town) -> None:
    """Ask the scheduler's holder to run once more after it lets go."""
    (town.state / WAKE).parent.mkdir(parents=True, exist_ok=True)
    (town.state / WAKE).touch()


def _woken(town: Town) -> bool:
    path = town.state / WAKE
    found = path.exists()
    path.unlink(missing_ok=True)
    return found


def run(town: Town, *, wait: float | None = 0,
        first: Callable[[], frozenset[int]] | None = None) -> Drained:
    """Start what fits now. `wait`: seconds to wait for another run to finish (0: leave
    it a wake-up mark instead); `first`: done under the lock before the first pass, it
    returns the requests that make one convoy if they all start at once."""
    started: list[Slung] = []
    failed: list[tuple[Request, str]] = []
    together: frozenset[int] = frozenset()
    convoy = None
    marked = False
    while True:
        with locks.held(town.state / queue.LOCK, wait=wait) as taken:
            if not taken and str(town.root) in _draining:
                return Drained(started, failed, convoy)  # our own drain plans again
            if not taken:
                if first is not None:
                    raise GastownError(f"timed out after {wait:.0f}s waiting for the "
                                       f"scheduler ({town.rel(town.state / queue.LOCK)})")
                if marked:  # the holder still held it after the mark: it will see it
                    return Drained(started, failed, convoy)
                leave_mark(town)
                marked = True
                # The holder may have let go, and looked for a mark, between our try
                # and the mark: try once more, or the mark could wait unseen.
                wait = 0
                continue
            _woken(town)
            if first is not None:
                together = first()
                first = None
            _draining.add(str(town.root))
            try:
                done = _drain(town, together)
            finally:
                _draining.discard(str(town.root))
        started += done.started
        failed += done.failed
        convoy = convoy or done.convoy
        if not _woken(town):
            return Drained(started, failed, convoy)
        wait = 0


def _check(town: Town, words: list[str], rig: str, formula: str | None,
           var: Sequence[str], runtime: str | None) -> None:
    """Refuse what `gt sling` would refuse, before anything is queued or made."""
    from gastown.molecules import ops as mol_ops

    cfg = config.load(town, rig)
    runtimes.choose(town, cfg.runtime, runtime)
    for bid in words:
        mol_ops.cook(town, formula or cfg.formula, [f"issue={bid}", f"base={cfg.branch}", *var],
                     rig)
    with snapshot.load(town, warn=False) as snap:
        slinging._check_beads(snap, words)
    waiting = {r.bead for r in queue.read(town).waiting}
    for bid in words:
        if bid in waiting:
            raise GastownError(f"{bid} is already waiting to be slung (`gt scheduler status`)")


def _convoy(town: Town, rig: str, tracked: list[str], who: str) -> str:
    """The convoy of one sling's beads, the ones that wait included."""
    with store.transaction(town) as snap:
        stamp = now()
        convoy = ids.mint(town.prefix(), f"convoy\0{' '.join(tracked)}\0{stamp}", snap.where,
                          len(snap))
        bead = {"id": convoy, "title": f"sling of {len(tracked)} beads to {rig}",
                "status": "open", "issue_type": "convoy", "created_at": stamp,
                "created_by": who, "updated_at": stamp, "tracks": tracked, "rig": rig}
        store.apply(town, snap, store.Change(put={convoy: bead}),
                    f"gt sling: convoy {convoy} tracks {' '.join(tracked)}"[:200]
                    + f"\n\nActor: {who}\n")
    return convoy


def sling(town: Town, bead_ids: Sequence[str], rig: str | None, *,
          formula: str | None = None, var: Sequence[str] = (),
          runtime: str | None = None) -> Outcome:
    """`gt sling`: start the beads that fit under the caps now, queue the others."""
    words, rig_name = slinging.split_rig(bead_ids, rig, town)
    who = current_actor()
    stamp = now()
    mine: list[Request] = []

    def enqueue() -> frozenset[int]:
        _check(town, words, rig_name, formula, var, runtime)
        wanted = [Request(0, bid, rig_name, formula, tuple(var), runtime, stamp, who)
                  for bid in words]
        grown, numbered = queue.add(queue.read(town), wanted)
        queue.write(town, grown)
        mine.extend(numbered)
        return frozenset(r.seq for r in numbered)

    done = run(town, wait=store.lock_timeout(), first=enqueue)
    seqs = {r.seq for r in mine}
    started = [s for s in done.started if s.bead in words]
    waiting = [r for r in queue.read(town).waiting if r.seq in seqs]
    failed = [(r.bead, why) for r, why in done.failed if r.seq in seqs]
    tracked = [b for b in words if b not in {bead for bead, _ in failed}]
    convoy = done.convoy
    if convoy is None and len(tracked) > 1:  # some wait: the convoy tracks them too
        convoy = _convoy(town, rig_name, tracked, who)
    return Outcome(rig_name, started, waiting, failed, convoy)
