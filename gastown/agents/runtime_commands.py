"""`gt config runtime ...`: the runtime presets."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.agents.runtime_commands:"


def runtime_list(*, json: bool) -> int:
    from gastown.agents import runtimes

    town = _maybe_town()
    found = [runtimes.load(town, n) for n in runtimes.names(town)]
    if json:
        print_json([r._asdict() for r in found])
    else:
        for r in found:
            mark = (f"verified with {r.verified}" if r.verified else
                    "gastown's own program" if r.command[0] == "{python}" else "not verified")
            echo(f"{r.name:<10} {r.description}  ({r.source}; {mark})")
    return 0


def runtime_show(*, name: str, json: bool) -> int:
    from gastown.agents import runtimes

    r = runtimes.load(_maybe_town(), name)
    if json:
        print_json(r._asdict())
    else:
        for key, value in r._asdict().items():
            echo(f"{key:<15} {value}")
    return 0


def _maybe_town() -> Any:
    """The town here, if any: its runtimes/ add to the built-ins."""
    from gastown.errors import GastownError

    try:
        return find_town()
    except GastownError:
        return None



COMMANDS: tuple[Command, ...] = (
    Command("runtime.list", "Runtime presets: built-in and the town's runtimes/*.toml",
            H + "runtime_list", (JSON,)),
    Command("runtime.show", "One runtime preset, as it will be used", H + "runtime_show",
            (Arg("name", (), "the runtime", "pos"), JSON)),
)
