"""Reading what the live view shows: the ledger (only when it changed), tmux, the feed.

Per refresh: a few stat calls, one tmux `list-sessions`, one `capture-pane` per
running agent session, and a read of the feed's tail when the feed grew. The ledger
is re-read only when a ledger file, the writers' generation or a wisp changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any

from gastown.agents.tmux import Tmux
from gastown.errors import GastownError
from gastown.liveview import model
from gastown.town.paths import Town

Record = dict[str, Any]
PANE_LINES = 30  # captured per pane: enough for idle.pane_state's tail
FEED_TAIL_BYTES = 64 * 1024


def _stat_key(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def ledger_key(town: Town) -> tuple[Any, ...]:
    """Changes whenever anything the ledger part of the view is read from changes."""
    from gastown.beads import schema, snapshot
    from gastown.molecules.storage import WISP_DIR

    try:
        wisps = sorted(e.path for e in os.scandir(town.state / WISP_DIR))
    except OSError:
        wisps = []
    return (snapshot.read_gen(town),
            tuple(_stat_key(str(town.ledger_file(stem))) for stem in schema.LEDGER_FILES),
            tuple((path, _stat_key(path)) for path in wisps))


def _steps(town: Town, snap: Any, bead: Record | None) -> list[Record]:
    """The states of the steps of the molecule on a hooked bead (none: no molecule)."""
    from gastown.molecules.storage import WispMolecules, is_wisp, molecule_from_snapshot

    mol_id = bead.get("molecule") if bead else None
    if not mol_id:
        return []
    try:
        mol = (WispMolecules(town).load(mol_id) if is_wisp(town, mol_id)
               else molecule_from_snapshot(snap, mol_id))
    except (GastownError, ValueError, KeyError):
        return []
    states = mol.states()
    return [{"id": s["id"], "step_id": s.get("step_id"), "title": s.get("title", ""),
             "state": states[s["id"]]} for s in mol.steps]


def _patterns(town: Town, agent: Record) -> Record | None:
    from gastown.agents.targets import patterns_of, runtime_of

    try:
        return patterns_of(runtime_of(town, agent))._asdict()
    except GastownError:
        return None


def _agent(town: Town, snap: Any, agent: Record) -> Record:
    from gastown.agents import identity, sessions

    hooked = snap.get(agent["hook"]) if agent.get("hook") else None
    return {"name": identity.address_of(agent), "id": agent["id"], "role": agent.get("role"),
            "rig": agent.get("rig"), "session": sessions.session_of(agent),
            "hook": agent.get("hook"), "hook_title": (hooked or {}).get("title", ""),
            "steps": _steps(town, snap, hooked), "patterns": _patterns(town, agent)}


def _of_file(snap: Any, stem: str, kind: str) -> list[Record]:
    lf = snap.files.get(stem)
    found = [lf.bead(row) for row in lf.rows] if lf else []
    return [b for b in found if b.get("issue_type") == kind]


def _escalations(snap: Any) -> list[Record]:
    from gastown.beads.index import KIND, STATUS

    return [lf.bead(row) for lf in snap.files.values() for row in lf.rows
            if row[KIND] == "escalation" and row[STATUS] == "open"]


def read_ledger(town: Town) -> Record:
    """The ledger's part of the view (plain records, see model.summarize)."""
    from gastown.agents import roster
    from gastown.beads import snapshot
    from gastown.convoys import progress

    with snapshot.load(town, warn=False) as snap:
        agents = [_agent(town, snap, a) for a in roster.agents(snap)
                  if a.get("status") != "closed"]
        found = progress.lookups(snap)
        convoys = [{"id": c["id"], "title": c.get("title", ""), "status": c.get("status"),
                    "members": [{"id": m.id, "state": m.state}
                                for m in progress.members_in(snap, c, found)]}
                   for c in progress.convoys(snap)
                   if c.get("status") not in progress.FINISHED_STATUSES]
        queue = [mr for mr in _of_file(snap, "mq", "merge-request")
                 if mr.get("status", "open") not in progress.FINISHED_STATUSES]
        escalations = _escalations(snap)
    return {"agents": agents, "convoys": convoys, "queue": queue, "escalations": escalations}


class LedgerCache:
    """The ledger's part of the view, read again only after the ledger changed."""

    def __init__(self, town: Town) -> None:
        self.town = town
        self._key: tuple[Any, ...] | None = None
        self.last: Record = {}
        self.reads = 0

    def read(self) -> Record:
        key = ledger_key(self.town)  # taken first: a change during the read shows next time
        if key != self._key:
            self.last = read_ledger(self.town)
            self._key = key
            self.reads += 1
        return self.last


class PaneWatch:
    """When each pane's text last changed, from hashes kept between refreshes."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[bytes, float]] = {}

    def changed_at(self, session: str, lines: list[str], now: float) -> float:
        digest = hashlib.blake2b("\n".join(lines).encode(), digest_size=16).digest()
        old = self._seen.get(session)
        if old is None or old[0] != digest:
            self._seen[session] = (digest, now)
            return now
        return old[1]

    def keep_only(self, sessions: set[str]) -> None:
        for gone in set(self._seen) - sessions:
            del self._seen[gone]


def read_panes(tmux: Tmux, sessions: set[str], watch: PaneWatch, now: float) -> Record:
    """tmux's part of the view: which of `sessions` run, and their panes."""
    from gastown.errors import NotFound

    running = tmux.running() & sessions
    panes: Record = {}
    for session in sorted(running):
        try:
            lines = tmux.capture(session, PANE_LINES)
        except NotFound:
            continue  # it ended between the two calls
        panes[session] = {"lines": lines, "changed_at": watch.changed_at(session, lines, now)}
    watch.keep_only(set(panes))
    return {"running": sorted(panes), "panes": panes}


class FeedTail:
    """The feed's last lines as `gt feed` prints them, read again only when it grew."""

    def __init__(self, town: Town, lines: int = model.FEED_LINES) -> None:
        from gastown.githooks.reactions import FEED

        self.path = str(town.state / FEED)
        self.lines = lines
        self._key: tuple[int, int, int] | None = None
        self._text: list[str] = []

    def read(self) -> list[str]:
        key = _stat_key(self.path)
        if key != self._key:
            self._text = self._tail() if key else []
            self._key = key
        return self._text

    def _tail(self) -> list[str]:
        from gastown.town.feed import describe

        with open(self.path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            start = max(0, size - FEED_TAIL_BYTES)
            f.seek(start)
            chunk = f.read()
        lines = chunk.split(b"\n")
        if start:
            lines = lines[1:]  # began mid-line
        out = []
        for line in lines[::-1]:
            if len(out) == self.lines:
                break
            try:
                out.append(describe(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue  # blank, torn while the reactor writes, or not an event
        return out[::-1]


class Watcher:
    """Everything a refresh needs, kept between refreshes (in memory only)."""

    def __init__(self, town: Town, *, stuck_after: float = model.STUCK_AFTER_S,
                 feed_lines: int = model.FEED_LINES) -> None:
        self.town = town
        self.stuck_after = stuck_after
        self.tmux = Tmux.for_town(town)
        self.ledger = LedgerCache(town)
        self.panes = PaneWatch()
        self.feed = FeedTail(town, feed_lines)
        self.error: str | None = None

    def view(self, now: float | None = None) -> Record:
        now = time.time() if now is None else now
        try:
            ledger = self.ledger.read()
            self.error = None
        except GastownError as e:  # a conflicted ledger, say: show the last good read
            ledger, self.error = self.ledger.last, str(e)
        sessions = {a["session"] for a in ledger.get("agents", ())}
        tmux_data = read_panes(self.tmux, sessions, self.panes, now)
        out = model.summarize(ledger, tmux_data, self.feed.read(), now,
                              stuck_after=self.stuck_after, feed_lines=self.feed.lines)
        return {"town": str(self.town.root), **out, "error": self.error}


def view(town: Town) -> Record:
    """The live view's model once (no pane history: nothing shows as stuck)."""
    return Watcher(town).view()
