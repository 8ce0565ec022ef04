"""`gt agents ...`: list, attach, peek, start, stop, restart."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.agents.commands:"


def rows(town: Any) -> list[dict[str, Any]]:
    """Every agent with whether its session runs (read from tmux now, never stored)."""
    from gastown.agents import identity, roster, sessions, tmux
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        agents = roster.agents(snap)
    running = sessions.running(town)
    socket = tmux.socket_name(town)
    return [{"name": identity.address_of(a), "id": a["id"], "role": a.get("role"),
             "rig": a.get("rig"), "runtime": a.get("runtime"), "hook": a.get("hook"),
             "agent_state": a.get("agent_state"),
             "running": sessions.session_of(a) in running, "session": sessions.session_of(a),
             "socket": socket, "last_activity": a.get("last_activity")}
            for a in agents if a.get("status") != "closed"]


def list_(*, rig: str | None, json: bool) -> int:
    out = [r for r in rows(find_town()) if rig is None or r["rig"] == rig]
    if json:
        print_json(out)
    elif not out:
        echo("no agents yet (`gt sling BEAD --rig RIG` makes polecats)")
    else:
        for r in out:
            echo(f"{r['name']:<20} {r['role']:<9} {r['runtime'] or '-':<8} "
                 f"{'running' if r['running'] else 'stopped':<8} {r['agent_state'] or '-':<8} "
                 f"{r['hook'] or '-'}")
    return 0


def _agent(town: Any, name: str) -> dict[str, Any]:
    from gastown.agents import roster
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        return roster.find(snap, name)


def _runtime(town: Any, agent: dict[str, Any]) -> Any:
    from gastown.agents.targets import runtime_of

    return runtime_of(town, agent)


def start(*, name: str, json: bool) -> int:
    from gastown.agents import sessions

    town = find_town()
    agent = _agent(town, name)
    session = sessions.start(town, agent, _runtime(town, agent))
    if json:
        print_json({"agent": name, "session": session, "running": True})
    else:
        echo(f"{name} runs in session {session}")
    return 0


def stop(*, name: str, json: bool) -> int:
    from gastown.agents import sessions

    town = find_town()
    was = sessions.stop(town, _agent(town, name))
    if json:
        print_json({"agent": name, "stopped": was})
    else:
        echo(f"Stopped {name}" if was else f"{name} was not running")
    return 0


def restart(*, name: str, json: bool) -> int:
    from gastown.agents import sessions

    town = find_town()
    agent = _agent(town, name)
    sessions.stop(town, agent)
    session = sessions.start(town, agent, _runtime(town, agent))
    if json:
        print_json({"agent": name, "session": session, "running": True})
    else:
        echo(f"Restarted {name} in session {session}; it resumes from its hook")
    return 0


def _session(town: Any, name: str) -> str:
    from gastown.agents import sessions, tmux
    from gastown.errors import GastownError

    session = sessions.session_of(_agent(town, name))
    if not tmux.Tmux.for_town(town).has(session):
        raise GastownError(f"{name} is not running (`gt agents start {name}`)")
    return session


def attach(*, name: str) -> int:
    from gastown.agents import tmux

    town = find_town()
    tmux.Tmux.for_town(town).attach(_session(town, name))
    return 0


def peek(*, name: str, lines: int, json: bool) -> int:
    from gastown.agents import tmux

    town = find_town()
    text = tmux.Tmux.for_town(town).capture(_session(town, name), lines)
    if json:
        print_json({"agent": name, "lines": text})
    else:
        from gastown.cli.output import printable

        for row in text:
            echo(printable(row))
    return 0


NAME = Arg("name", (), "RIG/NAME, mayor or deacon", "pos")
COMMANDS: tuple[Command, ...] = (
    Command("list", "Every agent: role, rig, runtime, hook, state, and whether it runs",
            H + "list_", (Arg("rig", ("--rig",), "only this rig's agents"), JSON)),
    Command("start", "Start an agent's session (it resumes from its hook)", H + "start",
            (NAME, JSON)),
    Command("stop", "Stop an agent's session (its identity and hook stay)", H + "stop",
            (NAME, JSON)),
    Command("restart", "Stop and start an agent's session", H + "restart", (NAME, JSON)),
    Command("attach", "Attach this terminal to an agent's session", H + "attach", (NAME,)),
    Command("peek", "Print the last lines of an agent's pane", H + "peek", (
        NAME, Arg("lines", ("-n", "--lines"), "how many lines", "int", 30), JSON)),
)

