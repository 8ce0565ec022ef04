"""`bd`: the beads-compatible command line. argparse only, so it starts in milliseconds.

Only the parser of the verb being run is built; `bd --help` builds them all.
"""
from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from gastown import __version__
from gastown.cli.spec import Arg, Command
from gastown.errors import UsageError, check_argv, error_handler


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _escape(text: str) -> str:
    return text.replace("%", "%%")  # argparse %-formats help texts


def _add(parser: argparse.ArgumentParser, arg: Arg) -> None:
    arg = arg._replace(help=_escape(arg.help))
    if arg.positional:
        nargs = {"pos": None, "pos?": "?", "pos*": "*", "pos+": "+"}[arg.kind]
        parser.add_argument(arg.name, nargs=nargs, help=arg.help, default=arg.default)
    elif arg.kind == "flag":
        parser.add_argument(*arg.flags, dest=arg.name, action="store_true", help=arg.help)
    elif arg.kind == "list":
        parser.add_argument(*arg.flags, dest=arg.name, action="append", default=[],
                            help=arg.help)
    else:
        parser.add_argument(*arg.flags, dest=arg.name, default=arg.default, help=arg.help,
                            type=_count if arg.kind == "int" else str)


def _count(text: str) -> int:
    """Every int option of the ledger commands is a count or a limit: never negative."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def build(commands: Sequence[Command], prog: str, only: str | None = None) -> _Parser:
    parser = _Parser(prog=prog, description="beads: the ledger of a gastown town")
    parser.add_argument("--version", action="version",
                        version=f"{prog} version {__version__} (gastown)")
    subs = parser.add_subparsers(dest="verb", metavar="VERB")
    groups: dict[str, argparse._SubParsersAction] = {}  # type: ignore[type-arg]
    for cmd in commands:
        head, _, tail = cmd.name.partition(".")
        if only is not None and head != only:
            continue
        if tail:
            if head not in groups:
                group = subs.add_parser(head, help=f"{head} commands")
                groups[head] = group.add_subparsers(dest="subverb", metavar="SUBVERB")
            target = groups[head].add_parser(tail, help=_escape(cmd.help),
                                             description=cmd.help)
        else:
            target = subs.add_parser(head, help=_escape(cmd.help),
                                     description=cmd.help)
        target.set_defaults(_command=cmd)
        for arg in cmd.args:
            _add(target, arg)
    return parser


def run(argv: Sequence[str], commands: Sequence[Command], prog: str) -> int:
    first = next((a for a in argv if not a.startswith("-")), None)
    known = {c.name.partition(".")[0] for c in commands}
    parser = build(commands, prog, only=first if first in known else None)
    ns = parser.parse_args(list(argv))
    cmd: Command | None = getattr(ns, "_command", None)
    if cmd is None:
        parser.print_help(sys.stderr)
        return 2
    kwargs = {a.name: getattr(ns, a.name) for a in cmd.args}
    return cmd.resolve()(**kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    # A bd process lives for one command and makes no reference cycles worth
    # collecting; the collector's passes over the index rows cost a write ~9 ms.
    gc.disable()
    from gastown.beads.commands import COMMANDS

    with error_handler("bd"):
        args = list(sys.argv[1:] if argv is None else argv)
        check_argv(args)
        if args[:1] in (["--complete"], ["--print-completion-script"]):
            from gastown.cli.complete import handle, tree

            return handle(args, "bd", tree([(None, COMMANDS)]), ("--help", "--version")) or 0
        return run(args, COMMANDS, "bd")
    return 3  # pragma: no cover - error_handler always raises or returns


if __name__ == "__main__":
    sys.exit(main())
