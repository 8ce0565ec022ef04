"""`gt rig ...`: add, list, status, remove."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.rigs.commands:"


def add(*, name: str, url: str, branch: str | None, prefix: str | None, runtime: str | None,
        setup: str | None, json: bool) -> int:
    from gastown.rigs import ops

    cfg = ops.add(find_town(), name, url, branch=branch, prefix=prefix, runtime=runtime,
                  setup=setup)
    if json:
        print_json(ops.status(find_town(), name))
    else:
        echo(f"Added rig {cfg.name}: {cfg.url} ({cfg.branch}), prefix {cfg.prefix}; "
             f"edit rigs/{cfg.name}/rig.toml for gates, max_polecats, runtime, setup")
    return 0


def _describe(s: dict[str, Any]) -> str:
    clone = (f"tip {s['tip'][:10]}" if s["tip"] else "no branch") if s["cloned"] else "not cloned"
    return (f"{s['name']:<12} {s['url']}  {s['branch']}  prefix {s['prefix']}  "
            f"runtime {s['runtime'] or '(town default)'}  {clone}")


def list_(*, json: bool) -> int:
    from gastown.rigs import ops

    rigs = ops.list_rigs(find_town())
    if json:
        print_json(rigs)
    elif not rigs:
        echo("no rigs (add one with `gt rig add NAME URL`)")
    else:
        for s in rigs:
            echo(_describe(s))
    return 0


def status(*, name: str, json: bool) -> int:
    from gastown.rigs import ops

    s = ops.status(find_town(), name)
    if json:
        print_json(s)
    else:
        echo(_describe(s))
        gates = ", ".join(f"{g['name']} ({g['run']})" for g in s["gates"]) or "none"
        echo(f"  gates: {gates}   max_polecats: {s['max_polecats']}"
             f"   formula: {s['formula']}   setup: {s['setup'] or 'none'}")
    return 0


def remove(*, name: str, force: bool, json: bool) -> int:
    from gastown.rigs import ops

    ops.remove(find_town(), name, force=force)
    if json:
        print_json({"removed": name})
    else:
        echo(f"Removed rig {name}")
    return 0


NAME = Arg("name", (), "the rig's name", "pos")
COMMANDS: tuple[Command, ...] = (
    Command("add", "Add a rig: bare-clone URL_OR_PATH under rigs/NAME and commit its rig.toml",
            H + "add", (
                NAME, Arg("url", (), "the repository (URL or local path)", "pos"),
                Arg("branch", ("--branch",), "default branch (default: the remote's HEAD)"),
                Arg("prefix", ("--prefix",), "id prefix for the rig's beads (default: NAME)"),
                Arg("runtime", ("--runtime",), "runtime for its agents (default: the town's)"),
                Arg("setup", ("--setup",), "command run in each new worktree"),
                JSON)),
    Command("list", "Every rig with its repository, branch and clone state", H + "list_",
            (JSON,)),
    Command("status", "One rig's configuration and clone state", H + "status", (NAME, JSON)),
    Command("remove", "Remove a rig (refuses while worktrees hold unpushed work)",
            H + "remove", (NAME, Arg("force", ("--force",), "remove even with unpushed work",
                                     "flag", False), JSON)),
)
