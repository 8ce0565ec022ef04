"""Reactions for agents: delivered mail nudges its recipient's session.

The nudge is typed when the pane is idle, else queued (and held back under
do-not-disturb). Shell-runtime sessions do not read their pane and are not nudged.
Replays after a crash do not nudge twice: nudged event ids are kept in
`.gastown/mail-nudged`.
"""
from __future__ import annotations

from gastown.githooks.reactions import Event, reaction
from gastown.town.paths import Town

SEEN = "mail-nudged"
KEEP = 2000  # event ids remembered


def _seen(town: Town) -> list[str]:
    try:
        return (town.state / SEEN).read_text().split()
    except FileNotFoundError:
        return []


def _remember(town: Town, seen: list[str], new: list[str]) -> None:
    from gastown.beads.store import atomic_write

    atomic_write(str(town.state / SEEN), ("\n".join((seen + new)[-KEEP:]) + "\n").encode())


def notice(event: Event) -> str:
    return (f"You have mail: {event.get('title', '')} "
            f"(`gt mail read {event['bead']}`)")


@reaction("mail-nudge")
def nudge_recipients(town: Town, events: list[Event]) -> None:
    mail = [e for e in events if e["type"] == "mail_delivered" and e.get("to")]
    if not mail:
        return
    from gastown.agents import nudge, targets
    from gastown.errors import GastownError

    seen = _seen(town)
    done: list[str] = []
    for event in mail:
        if event["id"] in seen:
            continue
        target = targets.reader_at(town, str(event["to"]))
        if target is not None:
            session, patterns = target
            try:
                nudge.nudge(town, session, notice(event), patterns)
            except GastownError as e:
                nudge.note(town, session, "nudge_failed", str(e))
        done.append(event["id"])
    if done:
        _remember(town, seen, done)
