"""`gt top`: the live view in the terminal, refreshed from the ledger and tmux."""
from __future__ import annotations

import time
from typing import Any

from gastown.cli.numbers import seconds
from gastown.cli.output import print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.liveview.commands:"
LEAST_INTERVAL_S = 0.1


def top(*, interval: str, once: bool, json: bool) -> int:
    from gastown.liveview.gather import Watcher

    every = max(seconds(interval, "--interval"), LEAST_INTERVAL_S)
    watcher = Watcher(find_town())
    if json:
        print_json(watcher.view())
        return 0
    from rich.console import Console

    console = Console(highlight=False)
    if once:
        console.print(_frame(watcher.view()))
        return 0
    return _live(console, watcher, every)


def _frame(view: dict[str, Any]) -> Any:
    from gastown.liveview.render import frame

    return frame(view)


def _live(console: Any, watcher: Any, every: float) -> int:
    from rich.live import Live

    with Live(_frame(watcher.view()), console=console, auto_refresh=False,
              screen=console.is_terminal, redirect_stdout=False) as live:
        try:
            while True:
                time.sleep(every)
                live.update(_frame(watcher.view()), refresh=True)
        except KeyboardInterrupt:
            return 0  # the way to leave


COMMANDS: tuple[Command, ...] = (
    Command("top", "A live view of the town: agents and their state, convoys, merge queue, "
            "escalations, feed", H + "top", (
                Arg("interval", ("--interval",), "seconds between refreshes (default 2)", "str", "2"),
                Arg("once", ("--once",), "print one frame and exit", "flag", False),
                JSON)),
)
