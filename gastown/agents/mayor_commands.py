"""`gt mayor attach`: the Mayor's session, with the town's context."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gastown.cli.output import echo
from gastown.cli.spec import Command
from gastown.town.paths import find_town

if TYPE_CHECKING:
    from gastown.agents.runtimes import Runtime
    from gastown.town.paths import Town

H = "gastown.agents.mayor_commands:"


def ensure_mayor(town: Town, runtime: Runtime) -> dict[str, Any]:
    """The Mayor's agent bead, committed first if the town has none."""
    from gastown.agents import identity
    from gastown.beads import snapshot, store
    from gastown.beads.actor import actor, now

    mayor_id = identity.agent_id(None, "mayor")
    with snapshot.load(town, warn=False) as snap:
        mayor = snap.get(mayor_id)
    if mayor is None:
        with store.transaction(town) as snap:
            mayor = snap.get(mayor_id) or identity.new_agent(None, "mayor", "mayor", runtime.name,
                                                             now(), actor())
            store.apply(town, snap, store.Change(put={mayor_id: mayor}),
                        f"gt mayor attach: {mayor_id}\n\nActor: {actor()}\n")
    return mayor


def attach() -> int:
    from gastown.agents import runtimes, sessions

    town = find_town()
    runtime = runtimes.choose(town)
    session = sessions.start(town, ensure_mayor(town, runtime), runtime)
    note = sessions.attach_or_explain(town, session)
    if note:
        echo(note)
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("attach", "Start the Mayor's session if needed and attach to it", H + "attach"),
)
