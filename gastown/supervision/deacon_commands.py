"""`gt deacon start|stop|status`: the Deacon's session and its heartbeat;
`gt deacon check-agents|dogs`: the steps of its patrol round (the deacon-patrol formula)."""
from __future__ import annotations

import time
from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Command
from gastown.town.paths import find_town

H = "gastown.supervision.deacon_commands:"


def _deacon() -> tuple[Any, dict[str, Any]]:
    from gastown.supervision import roles

    town = find_town()
    (agent,) = roles.ensure(town, [(None, "deacon")])
    return town, agent


def start(*, json: bool) -> int:
    from gastown.supervision import roles

    town, agent = _deacon()
    session = roles.start(town, agent)
    if json:
        print_json({"session": session, "running": True})
    else:
        echo(f"The Deacon runs in session {session}")
    return 0


def stop(*, json: bool) -> int:
    from gastown.agents import sessions

    town, agent = _deacon()
    was = sessions.stop(town, agent)
    if json:
        print_json({"stopped": was})
    else:
        echo("Stopped the Deacon (Boot starts it again while the daemon runs)" if was
             else "The Deacon was not running")
    return 0


def status(*, json: bool) -> int:
    from gastown.agents import sessions
    from gastown.supervision import heartbeat, keepalive, state

    town, agent = _deacon()
    age = heartbeat.age(town, time.time())
    info = {"running": sessions.session_of(agent) in sessions.running(town),
            "heartbeat_age": None if age is None else round(age, 1),
            "restarts": state.read(keepalive.history_path(town, "deacon"))}
    if json:
        print_json(info)
        return 0
    beat = "no heartbeat yet" if age is None else f"last heartbeat {age:.0f}s ago"
    echo(f"deacon: {'running' if info['running'] else 'stopped'}; {beat}")
    for what, entry in info["restarts"].items():
        echo(f"  {what}: {len(entry.get('restarts') or [])} recent restart(s)"
             + ("  (crash loop, escalated)" if entry.get("escalated") else ""))
    return 0


def check_agents(*, json: bool) -> int:
    from gastown.supervision import deacon

    revived = deacon.check_agents(find_town())
    if json:
        print_json(revived)
        return 0
    if not revived:
        echo("every witness and refinery is running")
    for what, outcome in revived.items():
        echo(f"{what}: {outcome}")
    return 0


def dogs(*, json: bool) -> int:
    from gastown.supervision import deacon

    chores = deacon.send_dogs(find_town())
    if json:
        print_json([c._asdict() for c in chores])
        return 0
    if not chores:
        echo("nothing to tidy")
    for chore in chores:
        echo(f"dog: {chore.kind} {chore.target} ({chore.why})")
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("start", "Start the Deacon's session", H + "start", (JSON,)),
    Command("stop", "Stop the Deacon's session", H + "stop", (JSON,)),
    Command("status", "Whether the Deacon runs, its heartbeat and the restarts it made",
            H + "status", (JSON,)),
    Command("check-agents", "Restart each rig's dead Witness and wake its Refinery (with "
            "backoff; a crash loop escalated once)", H + "check_agents", (JSON,)),
    Command("dogs", "Send the Dogs: orphaned worktrees, sessions and processes, stale locks, "
            "old wisps, a big event log", H + "dogs", (JSON,)),
)
