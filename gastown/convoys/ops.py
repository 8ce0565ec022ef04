"""Every convoy mutation: create, add, land, reopen; one commit each.

Landing writes the closed convoy and the mail to its owner and notify address in
one commit, so a reactor that replays a commit finds the convoy closed and does
nothing: the mail goes out exactly once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from gastown.beads import ids, schema, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.beads.snapshot import Snapshot
from gastown.convoys import banner, progress
from gastown.convoys.progress import Member
from gastown.errors import GastownError, NotFound, UsageError
from gastown.town.paths import Town

Bead = dict[str, Any]
PERSON_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")


class Added(NamedTuple):
    convoy: Bead
    added: list[str]
    reopened: bool


class Landing(NamedTuple):
    convoy: Bead
    members: list[Member]
    landed: bool  # False: it had landed already
    mail: list[Bead]


def find(snap: Snapshot, ref: str) -> Bead:
    """A convoy by id, or by its name when one convoy has it."""
    bead = snap.get(ref)
    if bead is not None:
        if bead.get("issue_type") != "convoy":
            raise UsageError(f"{ref} is a {bead.get('issue_type', 'task')}, not a convoy")
        return bead
    named = [c for c in progress.convoys(snap) if c.get("title") == ref]
    if len(named) > 1:
        raise UsageError(f"several convoys are named {ref!r}: "
                         + ", ".join(c["id"] for c in named) + "; name one by id")
    if not named:
        raise NotFound(f"no convoy {ref!r}")
    return named[0]


def _check_beads(snap: Snapshot, bead_ids: Sequence[str]) -> list[str]:
    if not bead_ids:
        raise UsageError("name at least one bead for the convoy to track")
    if len(set(bead_ids)) != len(bead_ids):
        twice = next(b for b in bead_ids if bead_ids.count(b) > 1)
        raise UsageError(f"bead {twice} is named twice")
    for bid in bead_ids:
        bead = snap.get(bid)
        if bead is None:
            raise NotFound(f"no bead {bid!r}")
        if not schema.is_work(bead):
            raise UsageError(f"{bid} is a {bead.get('issue_type')}, not work a convoy tracks")
    return list(bead_ids)


def _check_notify(town: Town, snap: Snapshot, notify: str) -> str:
    """An agent address (mayor, RIG/NAME, @rig/RIG) that exists, or a person's name."""
    from gastown.agents import mail
    from gastown.agents.identity import TOWN_ROLES

    text = notify.strip()
    if PERSON_RE.match(text) and text not in TOWN_ROLES:
        return text
    try:
        mail.recipients(town, snap, text)
    except GastownError as e:
        raise UsageError(f"--notify {notify!r}: {e}") from None
    return text


def _message(verb: str, convoy_ids: Iterable[str], summary: str, who: str) -> str:
    return f"gt convoy {verb}: {' '.join(convoy_ids)} {summary}"[:200].rstrip() \
        + f"\n\nActor: {who}\n"


def create(town: Town, name: str, bead_ids: Sequence[str], *, notify: str | None = None,
           actor: str | None = None) -> Bead:
    """A new open convoy tracking `bead_ids`, owned by the actor."""
    if not name or not name.strip():
        raise UsageError("a convoy needs a NAME (got an empty one)")
    who = actor or current_actor()
    with store.transaction(town) as snap:
        tracks = _check_beads(snap, bead_ids)
        stamp = now()
        convoy_id = ids.mint(town.prefix(), f"convoy\0{name}\0{' '.join(tracks)}\0{stamp}",
                             snap.where, len(snap))
        convoy: Bead = {"id": convoy_id, "title": name.strip(), "status": "open",
                        "issue_type": "convoy", "created_at": stamp, "created_by": who,
                        "updated_at": stamp, "tracks": tracks}
        if notify is not None:
            convoy["notify"] = _check_notify(town, snap, notify)
        store.apply(town, snap, store.Change(put={convoy_id: convoy}),
                    _message("create", [convoy_id], name.strip(), who))
    return convoy


def _reopened(convoy: Bead, stamp: str) -> Bead:
    out = dict(convoy)
    for key in ("landed_at", "closed_at", "close_reason"):
        out.pop(key, None)
    out.update(status="open", updated_at=stamp)
    return out


def add(town: Town, ref: str, bead_ids: Sequence[str], *, actor: str | None = None) -> Added:
    """Track more beads; a landed (or closed) convoy opens again."""
    who = actor or current_actor()
    with store.transaction(town) as snap:
        convoy = find(snap, ref)
        fresh = [b for b in _check_beads(snap, bead_ids) if b not in (convoy.get("tracks") or ())]
        if not fresh:
            return Added(convoy, [], False)
        stamp = now()
        reopened = convoy.get("status") == "closed"
        updated = _reopened(convoy, stamp) if reopened else dict(convoy)
        updated.update(tracks=[*(convoy.get("tracks") or ()), *fresh], updated_at=stamp)
        store.apply(town, snap, store.Change(put={updated["id"]: updated}),
                    _message("add", [updated["id"]], " ".join(fresh), who))
    banner.remove(town, updated["id"])
    return Added(updated, fresh, reopened)


def _notify_targets(town: Town, snap: Snapshot, convoy: Bead) -> list[str]:
    """Owner first, then notify, each mailbox once. An address that no longer
    resolves (its rig was removed) is still mailed as written."""
    from gastown.agents import mail

    targets = [str(convoy.get("created_by") or "")]
    notify = convoy.get("notify")
    if notify:
        try:
            targets += mail.recipients(town, snap, notify)
        except GastownError:
            targets.append(notify)
    return list(dict.fromkeys(t for t in targets if t))


def _land(town: Town, snap: Snapshot, convoy: Bead, tracked: list[Member], reason: str,
          who: str) -> dict[str, Bead]:
    """The closed convoy and its mail, as beads to put in one commit."""
    from gastown.agents import mail

    stamp = now()
    landed = dict(convoy)
    landed.update(status="closed", closed_at=stamp, landed_at=stamp, close_reason=reason,
                  updated_at=stamp)
    subject = f"Convoy {convoy['id']} landed: {convoy.get('title', '')}"
    body = banner.render(landed, tracked)
    put = {landed["id"]: landed}
    put.update(mail.compose(town, snap, _notify_targets(town, snap, convoy), subject, body,
                            sender=who))
    return put


def _reason(tracked: list[Member]) -> str:
    merged = sum(m.state == progress.MERGED for m in tracked)
    return f"landed: every tracked bead closed ({merged} of {len(tracked)} merged)"


def land(town: Town, ref: str, *, force: bool = False, actor: str | None = None) -> Landing:
    """Land by hand: refused while a tracked bead is not closed, unless `force`."""
    who = actor or current_actor()
    with store.transaction(town) as snap:
        convoy = find(snap, ref)
        tracked = progress.members_in(snap, convoy)
        if progress.is_landed(convoy):
            return Landing(convoy, tracked, False, [])
        left = progress.waiting(tracked)
        if (left or not tracked) and not force:
            what = ", ".join(f"{m.id} ({m.state}{' ' + m.detail if m.detail else ''})"
                             for m in left) or "it tracks no beads"
            raise GastownError(f"convoy {convoy['id']} has {len(left)} beads not closed: "
                               f"{what}; `gt convoy land {convoy['id']} --force` lands it anyway")
        reason = (f"landed by hand with {len(left)} beads open: "
                  + " ".join(m.id for m in left)) if left else _reason(tracked)
        put = _land(town, snap, convoy, tracked, reason, who)
        store.apply(town, snap, store.Change(put=put), _message("land", [convoy["id"]], "", who))
    landed = put.pop(convoy["id"])
    return Landing(landed, tracked, True, list(put.values()))


def _ready(snap: Snapshot, closed: set[str], convoy_ids: set[str]) -> list[tuple[Bead, list[Member]]]:
    found = [c for c in progress.convoys(snap) if c.get("status") != "closed"
             and (c["id"] in convoy_ids or closed & set(c.get("tracks") or ()))
             and progress.all_closed(snap, c)]
    if not found:
        return []
    seen = progress.lookups(snap)
    return [(c, progress.members_in(snap, c, seen)) for c in found]


def land_ready(town: Town, closed: set[str], convoy_ids: set[str],
               actor: str | None = None) -> list[str]:
    """Land every open convoy that tracks one of `closed` (or is one of `convoy_ids`)
    and whose beads are now all closed; one commit. Returns the convoys landed."""
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        if not _ready(snap, closed, convoy_ids):
            return []  # the common case, without the write lock
    who = actor or current_actor()
    with store.transaction(town) as snap:
        put: dict[str, Bead] = {}
        ready = _ready(snap, closed, convoy_ids)
        for convoy, tracked in ready:
            put.update(_land(town, snap, convoy, tracked, _reason(tracked), who))
        landed = [convoy["id"] for convoy, _ in ready]
        if put:
            store.apply(town, snap, store.Change(put=put), _message("land", landed, "", who))
    return landed


def _to_reopen(snap: Snapshot, reopened: set[str]) -> list[Bead]:
    """Landed convoys tracking a bead of `reopened` that is not closed now, and
    convoys of `reopened` that are open again but still carry `landed_at`."""
    out = []
    for convoy in progress.convoys(snap):
        if convoy["id"] in reopened and convoy.get("status") != "closed" \
                and "landed_at" in convoy:
            out.append(convoy)
        elif progress.is_landed(convoy) and any(
                (snap.get(b) or {}).get("status", "open") not in progress.FINISHED_STATUSES
                for b in reopened & set(convoy.get("tracks") or ())):
            out.append(convoy)
    return out


def reopen_tracking(town: Town, reopened: set[str], actor: str | None = None) -> list[str]:
    """Open again the convoys whose beads were reopened; one commit."""
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        if not _to_reopen(snap, reopened):
            return []
    who = actor or current_actor()
    with store.transaction(town) as snap:
        stamp = now()
        put = {c["id"]: _reopened(c, stamp) for c in _to_reopen(snap, reopened)}
        if put:
            store.apply(town, snap, store.Change(put=put),
                        _message("reopen", sorted(put), "a tracked bead was reopened", who))
    for convoy_id in put:
        banner.remove(town, convoy_id)
    return sorted(put)
