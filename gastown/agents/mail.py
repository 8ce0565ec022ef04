"""Mail: message beads in beads/mail.jsonl (sender, to, thread, read).

A message to a group (`@rig/<r>`) becomes one message per member, in one thread.
Delivery is a reaction on the commit (gastown.agents.reactions): the recipient's
session is nudged unless it is muted.
"""
from __future__ import annotations

import os
from typing import Any

from gastown.agents import identity, roster
from gastown.beads import ids, snapshot, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.errors import GastownError, NotFound, UsageError
from gastown.rigs import config
from gastown.town.paths import Town

Bead = dict[str, Any]


def me() -> str:
    """Whose mailbox: this session's agent, else BD_ACTOR, else the login name."""
    return os.environ.get("GT_AGENT") or current_actor()


def recipients(town: Town, snap: snapshot.Snapshot, address: str) -> list[str]:
    """The addresses `address` reaches; refuses an agent or rig that does not exist."""
    addr = identity.parse_address(address)
    if addr.rig is None:
        return [addr.name]
    if addr.rig not in config.names(town):
        raise NotFound(f"no rig {addr.rig!r} for address {address!r}")
    members = [identity.address_of(a) for a in roster.agents(snap, addr.rig)
               if a.get("status") != "closed"]
    if addr.group:
        if not members:
            raise NotFound(f"rig {addr.rig} has no agents yet to mail")
        return sorted(members)
    if str(addr) not in members and addr.name not in ("witness", "refinery"):
        raise NotFound(f"no agent {address!r} (agents of {addr.rig}: "
                       f"{', '.join(sorted(members)) or 'none'})")
    return [str(addr)]


def _messages(snap: snapshot.Snapshot) -> list[Bead]:
    lf = snap.files["mail"]
    return [m for m in (lf.bead(r) for r in lf.rows) if m.get("issue_type") == "message"]


def compose(town: Town, snap: snapshot.Snapshot, targets: list[str], subject: str, body: str,
            *, sender: str, thread: str | None = None) -> dict[str, Bead]:
    """One message bead per target, all in one thread, with ids free in `snap`;
    for a caller that commits them together with other changes."""
    stamp = now()
    put: dict[str, Bead] = {}
    taken = set(snap.where)
    for target in targets:
        mid = ids.mint(town.prefix(), f"mail\0{sender}\0{target}\0{subject}\0{stamp}",
                       taken, len(snap) + len(put))
        taken.add(mid)
        thread = thread or mid  # a group message is one thread
        put[mid] = {"id": mid, "title": subject.strip(), "description": body,
                    "status": "open", "issue_type": "message", "created_at": stamp,
                    "created_by": sender, "updated_at": stamp, "sender": sender, "to": target,
                    "thread": thread, "read": False}
    return put


def send(town: Town, to: str, subject: str, body: str, *, thread: str | None = None,
         sender: str | None = None, known: bool = False) -> list[Bead]:
    """Commit one message per recipient. `known`: `to` is a mailbox that already sent
    mail (a reply to a person), taken as it is."""
    if not subject.strip():
        raise UsageError("a message needs a subject (-s)")
    who = sender or me()
    with store.transaction(town) as snap:
        targets = [to] if known else recipients(town, snap, to)
        put = compose(town, snap, targets, subject, body, sender=who, thread=thread)
        store.apply(town, snap, store.Change(put=put),
                    f"gt mail send: {to} {subject.strip()}"[:200] + f"\n\nActor: {who}\n")
    return list(put.values())


def mailbox(snap: snapshot.Snapshot, who: str, *, unread_only: bool = True) -> list[Bead]:
    """`who`'s messages in `snap`, oldest first (unread ones only, by default)."""
    out = [m for m in _messages(snap) if m.get("to") == who
           and m.get("status") != "closed" and not (unread_only and m.get("read"))]
    return sorted(out, key=lambda m: m.get("created_at", ""))


def inbox(town: Town, address: str | None = None, *, unread_only: bool = True) -> list[Bead]:
    with snapshot.load(town, warn=False) as snap:
        return mailbox(snap, address or me(), unread_only=unread_only)


def _need(snap: snapshot.Snapshot, mid: str) -> Bead:
    m = snap.get(mid)
    if m is None or m.get("issue_type") != "message":
        raise NotFound(f"no message {mid!r}")
    return m


def read(town: Town, mid: str) -> Bead:
    """The message, marked read (one commit the first time)."""
    with store.transaction(town) as snap:
        m = dict(_need(snap, mid))
        if not m.get("read"):
            m.update(read=True, updated_at=now())
            store.apply(town, snap, store.Change(put={mid: m}),
                        f"gt mail read: {mid}\n\nActor: {me()}\n")
    return m


def reply(town: Town, mid: str, body: str) -> list[Bead]:
    with snapshot.load(town, warn=False) as snap:
        original = _need(snap, mid)
    subject = str(original.get("title", ""))
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    sender = original.get("sender")
    if not sender:
        raise GastownError(f"message {mid} names no sender to reply to")
    return send(town, sender, subject, body, thread=original.get("thread") or mid, known=True)


def thread(town: Town, mid: str) -> list[Bead]:
    with snapshot.load(town, warn=False) as snap:
        root = _need(snap, mid).get("thread") or mid
        out = [m for m in _messages(snap) if (m.get("thread") or m["id"]) == root]
    return sorted(out, key=lambda m: (m.get("created_at", ""), m["id"]))
