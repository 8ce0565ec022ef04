"""`gt mayor attach`: the Mayor's session, with the town's context."""
from __future__ import annotations

from gastown.cli.output import echo
from gastown.cli.spec import Command
from gastown.town.paths import find_town

H = "gastown.agents.mayor_commands:"


def attach() -> int:
    from gastown.agents import identity, runtimes, sessions
    from gastown.beads import snapshot, store
    from gastown.beads.actor import actor, now

    town = find_town()
    mayor_id = identity.agent_id(None, "mayor")
    with snapshot.load(town, warn=False) as snap:
        mayor = snap.get(mayor_id)
    runtime = runtimes.choose(town)
    if mayor is None:
        with store.transaction(town) as snap:
            mayor = snap.get(mayor_id) or identity.new_agent(None, "mayor", "mayor", runtime.name,
                                                             now(), actor())
            store.apply(town, snap, store.Change(put={mayor_id: mayor}),
                        f"gt mayor attach: {mayor_id}\n\nActor: {actor()}\n")
    session = sessions.start(town, mayor, runtime)
    note = sessions.attach_or_explain(town, session)
    if note:
        echo(note)
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("attach", "Start the Mayor's session if needed and attach to it", H + "attach"),
)
