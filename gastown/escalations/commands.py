"""`gt escalate`: raise an escalation; `gt escalate list|ack ID|check`.

Without -s, a first word `list`, `ack` or `check` names the subcommand; with -s the
words are the message.
"""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json, printable
from gastown.cli.spec import JSON, Arg, Command
from gastown.errors import UsageError
from gastown.town.paths import find_town

H = "gastown.escalations.commands:"
Bead = dict[str, Any]
SUBCOMMANDS = ("list", "ack", "check")


def _line(bead: Bead) -> str:
    state = "acked" if bead.get("acked") else f"-> {bead.get('routed_to')}"
    return printable(f"{bead['id']:<12} {bead.get('severity', ''):<8} {state:<12} "
                     f"{bead.get('created_at', '')[:19]}  {bead.get('message', '')}"
                     + (f"  (source {bead['source']})" if bead.get("source") else ""))


def escalate(*, words: list[str], severity: str | None, source: str | None, all: bool,
             json: bool) -> int:
    if severity is None and words[:1] and words[0] in SUBCOMMANDS:
        return _subcommand(words[0], words[1:], all=all, json=json)
    if severity is None:
        raise UsageError("how severe? `gt escalate -s CRITICAL|HIGH|MEDIUM MESSAGE`")
    from gastown.escalations import ops

    bead = ops.escalate(find_town(), severity, " ".join(words), source=source)
    if json:
        print_json(bead)
    else:
        echo(f"Escalated {bead['id']} ({bead['severity']}) to the {bead['routed_to']}")
    return 0


def _subcommand(name: str, rest: list[str], *, all: bool, json: bool) -> int:
    from gastown.escalations import ops

    town = find_town()
    if name == "list":
        if rest:
            raise UsageError(f"`gt escalate list` takes no words (got {' '.join(rest)!r})")
        found = ops.escalations(town, include_acked=all)
        if json:
            print_json(found)
        elif not found:
            echo("no escalations" if all else "no pending escalations (--all lists acked ones)")
        for bead in [] if json else found:
            echo(_line(bead))
        return 0
    if name == "ack":
        if len(rest) != 1:
            raise UsageError("acknowledge which? `gt escalate ack ID`")
        bead = ops.ack(town, rest[0])
        if json:
            print_json(bead)
        else:
            echo(f"Acknowledged {bead['id']}")
        return 0
    moved = ops.reescalate(town)
    if json:
        print_json(moved)
    elif not moved:
        echo("nothing to re-escalate")
    for bead in [] if json else moved:
        echo(f"Re-escalated {bead['id']} to the {bead['routed_to']}")
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("escalate", "Raise an escalation (-s CRITICAL|HIGH|MEDIUM MESSAGE), or "
            "`escalate list [--all]`, `escalate ack ID`, `escalate check`", H + "escalate", (
                Arg("words", (), "the message (or list, ack ID, check)", "pos*"),
                Arg("severity", ("-s", "--severity"), "CRITICAL (the Overseer), HIGH (the "
                    "Mayor) or MEDIUM (the Deacon)"),
                Arg("source", ("--source",), "the bead this is about"),
                Arg("all", ("--all",), "list: acknowledged ones too", "flag", False),
                JSON)),
)
