"""`gt witness start|stop|status --rig R`: a rig's Witness session."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.supervision.witness_commands:"


def _witness(rig: str) -> tuple[Any, dict[str, Any]]:
    from gastown.rigs import config
    from gastown.supervision import roles

    town = find_town()
    config.load(town, rig)
    (agent,) = roles.ensure(town, [(rig, "witness")])
    return town, agent


def start(*, rig: str, json: bool) -> int:
    from gastown.supervision import roles

    town, agent = _witness(rig)
    session = roles.start(town, agent)
    if json:
        print_json({"rig": rig, "session": session, "running": True})
    else:
        echo(f"Witness of {rig} runs in session {session}")
    return 0


def stop(*, rig: str, json: bool) -> int:
    from gastown.agents import sessions

    town, agent = _witness(rig)
    was = sessions.stop(town, agent)
    if json:
        print_json({"rig": rig, "stopped": was})
    else:
        echo(f"Stopped the witness of {rig}" if was else f"The witness of {rig} was not running")
    return 0


def status(*, rig: str, json: bool) -> int:
    from gastown.agents import sessions
    from gastown.supervision import state, witness

    town, agent = _witness(rig)
    seen = state.read(witness.state_path(town, rig))
    info = {"rig": rig, "running": sessions.session_of(agent) in sessions.running(town),
            "cycle_at": seen.get("cycle_at"), "cycle_ms": seen.get("cycle_ms"),
            "polecats": {name: {k: entry.get(k) for k in
                                ("health", "strikes", "escalated", "progress_at")}
                         for name, entry in (seen.get("polecats") or {}).items()}}
    if json:
        print_json(info)
        return 0
    echo(f"witness of {rig}: {'running' if info['running'] else 'stopped'}"
         + (f"; last cycle {info['cycle_ms']} ms" if info["cycle_ms"] is not None else ""))
    for name, entry in info["polecats"].items():
        echo(f"  {name:<12} {entry['health'] or '-':<12} strikes {entry['strikes'] or 0}"
             + ("  escalated" if entry["escalated"] else ""))
    return 0


RIG = Arg("rig", ("--rig",), "the rig")
COMMANDS: tuple[Command, ...] = (
    Command("start", "Start the rig's Witness session", H + "start", (RIG, JSON)),
    Command("stop", "Stop the rig's Witness session", H + "stop", (RIG, JSON)),
    Command("status", "Whether the rig's Witness runs, and each polecat's health",
            H + "status", (RIG, JSON)),
)
