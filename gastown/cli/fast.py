"""`gt`'s fast path: resolve argv against the declared Commands and run one with argparse.

No invoke import: only the command module of the group being run is loaded, and the
parser is the one `bd` builds from the same declarations. Whatever this cannot take
as it stands (core options, --help, a group listing, an unknown word, a parse it
refuses) is left to the invoke Program, which accepts the same syntax and gives the
messages; so a None from `parse` never means an error.
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from gastown.cli.modules import GROUPS, commands_of, top_level
from gastown.cli.spec import Command


def _bare_words(argv: Sequence[str]) -> list[str]:
    words: list[str] = []
    for tok in argv:
        if tok.startswith("-"):
            break
        words.extend(tok.split("."))
    return words


def resolve(argv: Sequence[str]) -> tuple[Command, list[str]] | None:
    """The command named by the leading words (`bead dep add` or `bead.dep.add`) and the rest."""
    if not argv or argv[0].startswith("-"):
        return None
    words = _bare_words(argv)
    groups = {group: module for group, module in GROUPS if group is not None}
    grouped = words[0] in groups
    modules = (groups[words[0]],) if grouped else top_level()
    names = words[1:] if grouped else words
    by_name = {c.name: c for module in modules for c in commands_of(module)}
    for n in range(len(names), 0, -1):
        cmd = by_name.get(".".join(names[:n]))
        if cmd is None:
            continue
        used = n + (1 if grouped else 0)
        # how many argv tokens the `used` words came from (`bead.ready` is one token)
        taken, count = 0, 0
        while count < used:
            count += len(argv[taken].split("."))
            taken += 1
        if count != used:
            return None  # `bead.ready.x` split mid-token: leave it to invoke
        return cmd, list(argv[taken:])
    return None


class _Refused(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Refused(message)


def parse(argv: Sequence[str]) -> tuple[Command, dict[str, Any]] | None:
    """(command, handler keyword arguments), or None when invoke should take argv."""
    hit = resolve(argv)
    if hit is None:
        return None
    cmd, rest = hit
    if any(t in ("-h", "--help") for t in rest) or "--" in rest:
        return None
    from gastown.beads.cli import _add

    parser = _Parser(prog="gt", add_help=False, allow_abbrev=False)
    for arg in cmd.args:
        _add(parser, arg)
    try:
        ns = parser.parse_intermixed_args(rest)
    except (_Refused, TypeError):
        return None
    values = cmd.defaults()
    values.update({a.name: getattr(ns, a.name) for a in cmd.args})
    for a in cmd.args:
        if a.kind in ("pos*", "pos+") and values[a.name] is None:
            values[a.name] = []
    return cmd, values


def run(argv: Sequence[str]) -> int | None:
    """Run the command argv names; None if invoke must handle argv."""
    parsed = parse(argv)
    if parsed is None:
        return None
    cmd, values = parsed
    code = cmd.resolve()(**values)
    return int(code or 0)

