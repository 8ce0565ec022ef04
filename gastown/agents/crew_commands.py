"""`gt crew ...` (add, list, at, remove) and `gt mayor attach`."""
from __future__ import annotations

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.agents.crew_commands:"


def add(*, name: str, rig: str, json: bool) -> int:
    from gastown.agents import crew, sessions

    town = find_town()
    bead = crew.add(town, name, rig)
    if json:
        print_json(bead)
    else:
        echo(f"Added crew {rig}/{name}: a clone in {sessions.workdir(town, bead)}; "
             f"`gt crew at {name} --rig {rig}` opens its session")
    return 0


def list_(*, rig: str | None, json: bool) -> int:
    from gastown.agents import crew

    found = crew.members(find_town(), rig)
    if json:
        print_json(found)
    elif not found:
        echo("no crew (`gt crew add NAME --rig RIG`)")
    else:
        for c in found:
            echo(f"{c['name']:<20} {'running' if c['running'] else 'stopped':<8} {c['path']}")
    return 0


def at(*, name: str, rig: str | None) -> int:
    from gastown.agents import crew, sessions

    town = find_town()
    agent = crew.find(town, name, rig)
    session = sessions.start(town, agent, None)
    note = sessions.attach_or_explain(town, session)
    if note:
        echo(note)
    return 0


def remove(*, name: str, rig: str | None, force: bool, json: bool) -> int:
    from gastown.agents import crew, identity

    agent = crew.remove(find_town(), name, rig, force=force)
    if json:
        print_json(agent)
    else:
        echo(f"Removed crew {identity.address_of(agent)}")
    return 0


NAME = Arg("name", (), "the crew member (NAME, or RIG/NAME)", "pos")
RIG = Arg("rig", ("--rig",), "the rig")
COMMANDS: tuple[Command, ...] = (
    Command("add", "Add a crew member: a full clone of the rig for a person's own work",
            H + "add", (Arg("name", (), "the crew member's name", "pos"),
                        Arg("rig", ("--rig",), "the rig to clone", "str"), JSON)),
    Command("list", "Crew members, their clones and whether their sessions run", H + "list_",
            (Arg("rig", ("--rig",), "only this rig's crew"), JSON)),
    Command("at", "Attach to a crew member's session (started if needed)", H + "at", (NAME, RIG)),
    Command("remove", "Remove a crew member's clone (refuses with unpushed work)", H + "remove",
            (NAME, RIG, Arg("force", ("--force",), "remove even with unpushed work", "flag",
                            False), JSON)),
)
