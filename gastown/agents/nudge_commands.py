"""`gt nudge` and `gt dnd`: type a message into an agent's pane, or hold nudges back."""
from __future__ import annotations

from gastown.cli.output import print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.errors import UsageError

H = "gastown.agents.nudge_commands:"


def _seconds(value: str, flag: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise UsageError(f"{flag} wants a number of seconds, got {value!r}") from None
    if seconds < 0:
        raise UsageError(f"{flag} wants a number of seconds, got {value!r}")
    return seconds


def nudge(*, target: str, message: list[str], wait: str, ttl: str, json: bool) -> int:
    from gastown.agents import nudge as nudging
    from gastown.agents.targets import resolve
    from gastown.town.paths import find_town

    town = find_town()
    session, patterns = resolve(town, target)
    outcome = nudging.nudge(town, session, " ".join(message), patterns,
                            wait=_seconds(wait, "--wait"), ttl=_seconds(ttl, "--ttl"))
    if json:
        print_json({"session": session, "outcome": outcome})
    else:
        print(f"Nudged {session}" if outcome == "delivered"
              else f"Queued a nudge for {session} (delivered when it is idle)")
    return 0


def broadcast(*, message: list[str], rig: str | None, json: bool) -> int:
    """Nudge every running agent (of one rig); each one typed now or queued."""
    from gastown.agents import nudge as nudging
    from gastown.agents import targets
    from gastown.town.paths import find_town

    town = find_town()
    text = " ".join(message)
    outcomes = {}
    for agent in targets.running_agents(town, rig):
        session, patterns = targets.resolve(town, agent["id"])
        try:
            outcomes[session] = nudging.nudge(town, session, text, patterns)
        except nudging.NudgeStuck as e:
            outcomes[session] = f"stuck: {e}"
    if json:
        print_json(outcomes)
    elif not outcomes:
        print("no agent is running" + (f" in {rig}" if rig else ""))
    else:
        for session, outcome in sorted(outcomes.items()):
            print(f"{session}: {outcome}")
    return 0


def dnd(*, state: str, agent: str | None, json: bool) -> int:
    from gastown.agents import nudge as nudging
    from gastown.town.paths import find_town

    if state not in ("on", "off"):
        raise UsageError(f"gt dnd wants on or off, got {state!r}")
    from gastown.agents.targets import resolve

    town = find_town()
    session, patterns = resolve(town, agent)
    waiting = len(nudging.pending(town, session))
    nudging.set_dnd(town, session, state == "on", patterns)
    if json:
        print_json({"session": session, "dnd": state == "on", "queued": waiting})
    elif state == "on":
        print(f"Do not disturb {session}: nudges are queued until `gt dnd off`")
    else:
        print(f"{session} takes nudges again ({waiting} queued)")
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("nudge", "Type MESSAGE into an agent's pane when it is idle, else queue it",
            H + "nudge", (
                Arg("target", (), "the agent (mayor, rig/name) or tmux session (gt-…)", "pos"),
                Arg("message", (), "the words of the message", "pos+"),
                Arg("wait", ("--wait",), "seconds to wait for the pane to be idle", "str", "0"),
                Arg("ttl", ("--ttl",), "seconds a queued nudge may wait before it is dropped",
                    "str", "3600"),
                JSON)),
    Command("broadcast", "Nudge every running agent (of --rig) with MESSAGE", H + "broadcast", (
        Arg("message", (), "the words of the message", "pos+"),
        Arg("rig", ("--rig",), "only this rig's agents"), JSON)),
    Command("dnd", "Do not disturb: queue nudges for AGENT (default: GT_AGENT) until off",
            H + "dnd", (
                Arg("state", (), "on or off", "pos"),
                Arg("agent", (), "the agent or tmux session", "pos?"),
                JSON)),
)
