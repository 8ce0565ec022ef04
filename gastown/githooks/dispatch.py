"""Entry from the shims: decide what a hook does, importing as little as possible."""
from __future__ import annotations

import os
import sys

from gastown.githooks import HOOKS

TYPE_CHECKING = False  # pathlib and typing cost a commit ~10 ms: kept out of this path
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    if not argv:
        print("usage: python -m gastown.githooks HOOK|react [ARGS]", file=sys.stderr)
        return 2
    hook, args = argv[0], list(argv[1:])
    root = os.getcwd()
    if hook == "react":
        from gastown.githooks.reactor import react
        from gastown.town.paths import find_town

        react(find_town(root))
        return 0
    if hook not in HOOKS:
        print(f"gastown: unknown hook {hook!r}", file=sys.stderr)
        return 2
    stdin = b"" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
    if hook == "pre-commit":
        from gastown import git

        # git answers on the other core while Python imports and loads the index (its
        # diff of a 10k-bead file takes ~19 ms)
        started = git.start_staged(root, git.STAGED_CHANGES, git.STAGED_BLOBS,
                                   git.LEDGER_LINES)
        from gastown.githooks.validate import check_staged

        code = check_staged(root, started)
        if code:
            return code
    from gastown.githooks.chain import chain

    code = chain(root, hook, args, stdin)
    if hook != "pre-commit" and not os.environ.get("GT_WRITER"):
        from pathlib import Path

        from gastown.githooks.reactor import spawn

        spawn(Path(root))
    return code
