"""`gt`: run a declared command directly (fast path), else through the invoke Program.

`gt a b` means `gt a.b`; `gt a b --help` and `gt help a b` print that command's help;
words after a command's last positional fill its list argument (`gt bead close gt-1
gt-2`). invoke is imported only when the fast path hands argv over.
"""
from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gastown.errors import check_argv, error_handler

if TYPE_CHECKING:
    from gastown.cli.program import GtProgram


def program() -> GtProgram:
    from gastown import __version__
    from gastown.cli.program import GtProgram
    from gastown.cli.tasks import namespace

    return GtProgram(name="gt", binary="gt", version=__version__, namespace=namespace)


def run(argv: Sequence[str]) -> None:
    """Run `gt ARGV` (without the program name); exits through SystemExit."""
    from gastown.cli import fast

    with error_handler("gt"):
        check_argv(list(argv))
        code = _complete(argv) if argv[:1] in (["--complete"], ["--print-completion-script"]) \
            else fast.run(argv)
    if code is not None:
        raise SystemExit(code)
    program().run(list(argv))


def _complete(argv: Sequence[str]) -> int | None:
    from gastown.cli.complete import handle, tree
    from gastown.cli.modules import GROUPS, commands_of

    return handle(argv, "gt", tree([(g, commands_of(m)) for g, m in GROUPS]))


def main() -> None:
    # As in bd: the collector's passes over a loaded ledger's rows cost more than the
    # few reference cycles a command makes are worth.
    gc.disable()
    run(sys.argv[1:])


if __name__ == "__main__":
    main()
