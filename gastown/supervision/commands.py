"""`gt up`, `gt down`, `gt status`: the town's supervision as a whole."""
from __future__ import annotations

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Command
from gastown.errors import GastownError
from gastown.town.paths import find_town

H = "gastown.supervision.commands:"


def up(*, json: bool) -> int:
    from gastown.supervision import updown

    result = updown.up(find_town())
    if json:
        print_json(result._asdict())
    else:
        echo(f"daemon runs (pid {result.daemon_pid}); supervisors: "
             f"{', '.join(result.supervisors) or 'none'}")
        if result.resumed:
            echo(f"resumed from their hooks: {', '.join(result.resumed)}")
    if result.failed:
        raise GastownError("did not start: " + "; ".join(result.failed))
    return 0


def down(*, json: bool) -> int:
    from gastown.supervision import updown

    result = updown.down(find_town())
    if json:
        print_json(result)
        return 0
    daemon = f"daemon (pid {result['daemon']})" if result["daemon"] else "no daemon was running"
    echo(f"Stopped {daemon} and {len(result['stopped'])} session(s); hooked work resumes "
         "at the next `gt up`")
    return 0


def status(*, json: bool) -> int:
    from gastown.supervision.status import collect

    info = collect(find_town())
    if json:
        print_json(info)
        return 0
    town = info["town"]
    daemon = f"daemon pid {town['daemon']['pid']}" if town["daemon"]["running"] else "daemon down"
    echo(f"town {town['name']} ({town['root']}): {daemon}")
    for rig in info["rigs"]:
        echo(f"  rig {rig['name']}: {rig['queue_depth']} MR(s) queued, "
             f"{len(rig['polecats'])} polecat(s)")
    for a in info["agents"]:
        echo(f"  {a['name']:<20} {a['role']:<9} {'running' if a['running'] else 'stopped':<8} "
             f"{a['agent_state'] or '-':<8} {a['hook'] or '-'}")
    if info["convoys"]:
        echo(f"  {len(info['convoys'])} open convoy(s)")
    for e in info["escalations"]:
        echo(f"  escalation {e['id']}: {e['title']}")
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("up", "Start the daemon, Deacon, Boot and every Witness; resume hooked polecats",
            H + "up", (JSON,)),
    Command("down", "Stop every session of the town and the daemon (hooks stay)",
            H + "down", (JSON,)),
    Command("status", "The town: rigs, agents, open convoys and escalations", H + "status",
            (JSON,)),
)
