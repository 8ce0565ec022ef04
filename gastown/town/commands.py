"""Town-level commands: install, doctor."""
from __future__ import annotations

import sys
from typing import Any

from gastown.cli.output import echo, json_line, print_json
from gastown.cli.spec import JSON, Arg, Command

H = "gastown.town.commands:"


def install(*, directory: str, name: str | None, prefix: str, json: bool) -> int:
    from gastown.town.install import install as do_install

    result = do_install(directory, name=name, prefix=prefix)
    if json:
        print_json({"town": str(result.town.root), "created": result.created,
                    "changed": result.changed, "commit": result.commit,
                    "configured": result.configured})
    elif result.created:
        echo(f"Created town at {result.town.root}")
    elif result.changed:
        echo(f"Completed town at {result.town.root}: {', '.join(result.changed)}")
    elif result.configured:
        echo(f"Set up this clone of the town at {result.town.root}: "
              f"{', '.join(result.configured)}")
    else:
        echo(f"{result.town.root} is already a complete town")
    return 0


def doctor(*, fix: bool, json: bool) -> int:
    from dataclasses import asdict

    from gastown.town.doctor import run
    from gastown.town.paths import find_town

    checks = run(find_town(), fix=fix)
    if json:
        print_json([asdict(c) for c in checks])
    else:
        for c in checks:
            mark = "ok " if c.ok else ("fixed" if c.fixed else "FAIL")
            echo(f"[{mark:^5}] {c.name}: {c.detail}")
    return 0 if all(c.ok or c.fixed for c in checks) else 1


def _show_event(event: dict[str, Any], as_json: bool) -> None:
    from gastown.town import feed as town_feed

    if as_json:
        print(json_line(event), flush=True)
    else:
        echo(town_feed.describe(event))
        sys.stdout.flush()


def feed(*, follow: bool, limit: str, event_type: str | None, json: bool,
         seconds: str | None) -> int:
    from gastown.cli.numbers import seconds as to_seconds
    from gastown.cli.numbers import whole
    from gastown.town import feed as town_feed
    from gastown.town.paths import find_town

    count = whole(limit, "--limit")
    stop = to_seconds(seconds, "--seconds") if seconds else None
    if event_type:
        town_feed.check_type(event_type)
    town = find_town()
    events = [e for e in town_feed.read(town) if not event_type or e["type"] == event_type]
    shown = events if count <= 0 else events[-count:]
    for event in shown:
        _show_event(event, json)
    if follow:
        for event in town_feed.follow(town, stop=stop):
            if not event_type or event["type"] == event_type:
                _show_event(event, json)
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("install", "Create a town (a git repository for the ledger) in DIRECTORY",
            H + "install", (
                Arg("directory", (), "where (created if missing; must be empty or a town)",
                    "pos"),
                Arg("name", ("--name",), "the town's name (default: the folder name)"),
                Arg("prefix", ("--prefix",), "id prefix for new beads", "str", "gt"),
                JSON)),
    Command("doctor", "Check the town: hooks, merge driver, ledger, reactor cursor",
            H + "doctor", (
                Arg("fix", ("--fix",), "mend what can be mended", "flag", False), JSON)),
    Command("feed", "The town's events (newest last); --follow to keep watching",
            H + "feed", (
                Arg("follow", ("-f", "--follow"), "keep printing new events", "flag", False),
                Arg("limit", ("-n", "--limit"), "show the last N (0: all)", "str", "50"),
                Arg("event_type", ("--type",), "only events of this type"),
                Arg("seconds", ("--seconds",), "with --follow: stop after this long"),
                Arg("json", ("--json",), "one JSON object per line", "flag", False))),
)
