"""Town-level commands: install, doctor."""
from __future__ import annotations

import sys

from gastown.cli.spec import JSON, Arg, Command

H = "gastown.town.commands:"


def install(*, directory: str, name: str | None, prefix: str, json: bool) -> int:
    from gastown.town.install import install as do_install

    result = do_install(directory, name=name, prefix=prefix)
    if json:
        import orjson

        sys.stdout.buffer.write(orjson.dumps({
            "town": str(result.town.root), "created": result.created,
            "changed": result.changed, "commit": result.commit}) + b"\n")
    elif result.created:
        print(f"Created town at {result.town.root}")
    elif result.changed:
        print(f"Completed town at {result.town.root}: {', '.join(result.changed)}")
    else:
        print(f"{result.town.root} is already a complete town")
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("install", "Create a town (a git repository for the ledger) in DIRECTORY",
            H + "install", (
                Arg("directory", (), "where (created if missing; must be empty or a town)",
                    "pos"),
                Arg("name", ("--name",), "the town's name (default: the folder name)"),
                Arg("prefix", ("--prefix",), "id prefix for new beads", "str", "gt"),
                JSON)),
)
