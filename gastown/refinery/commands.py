"""`gt refinery start|stop|status --rig R`: the rig's Refinery in the background."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command

H = "gastown.refinery.commands:"


def _town_and_rig(rig: str | None) -> tuple[Any, str]:
    """The town, and `--rig` checked to name one of its rigs."""
    from gastown.errors import UsageError
    from gastown.rigs import config
    from gastown.town.paths import find_town

    if not rig:
        raise UsageError("which rig? --rig RIG")
    town = find_town()
    config.load(town, rig)
    return town, rig


def start(*, rig: str | None, json: bool) -> int:
    from gastown.refinery import process

    town, rig = _town_and_rig(rig)
    started, pid = process.start(town, rig)
    if json:
        print_json({"rig": rig, "started": started, "pid": pid})
    elif started:
        echo(f"Refinery of {rig} started (pid {pid}); it merges the queue and is woken by "
             f"each new merge request")
    else:
        echo(f"Refinery of {rig} runs already (pid {pid})")
    return 0


def stop(*, rig: str | None, json: bool) -> int:
    from gastown.refinery import process

    town, rig = _town_and_rig(rig)
    pid = process.stop(town, rig)
    if json:
        print_json({"rig": rig, "stopped": pid})
    else:
        echo((f"Stopped the refinery of {rig} (pid {pid})" if pid else
              f"The refinery of {rig} was not running") + "; new merge requests will not "
             "wake it until `gt refinery start`")
    return 0


def status(*, rig: str | None, json: bool) -> int:
    from gastown.refinery import status as info

    town, rig = _town_and_rig(rig)
    s = info.refinery(town, rig)
    if json:
        print_json(s)
    else:
        state = f"running (pid {s['pid']})" if s["running"] else (
            "stopped" if s["stopped"] else "idle (woken by new merge requests)")
        echo(f"refinery of {rig}: {state}; {s['queued']} queued, {s['blocked']} blocked, "
             f"{s['merged']} merged; log {s['log']}")
    return 0


RIG = Arg("rig", ("--rig",), "the rig")
COMMANDS: tuple[Command, ...] = (
    Command("start", "Run the rig's Refinery in the background (and let new MRs wake it)",
            H + "start", (RIG, JSON)),
    Command("stop", "Stop the rig's Refinery and keep new MRs from waking it", H + "stop",
            (RIG, JSON)),
    Command("status", "Whether the rig's Refinery runs, and its queue", H + "status",
            (RIG, JSON)),
)
