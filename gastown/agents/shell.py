"""The shell runtime's session program: run the hooked molecule, then `gt done`.

Started in a polecat's tmux session (`python -m gastown.agents.shell`); everything it
knows comes from the ledger, so a session killed at any moment and started again
continues the same molecule (closed steps are never run again) and ends the same way.
Exit codes: 0 done (or nothing hooked), 1 a step failed or `gt done` refused, 4
waiting on someone else (an agent step or a human gate).
"""
from __future__ import annotations

import os
import sys

from gastown.errors import GastownError

_LOG: list[object] = []
RESTART_WAIT = 15.0  # seconds


def _say(text: str) -> None:
    """To the pane, and to .gastown/logs/<session>.log (the pane goes when the session ends)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    for log in _LOG:
        log.write(text + "\n")  # type: ignore[attr-defined]
        log.flush()  # type: ignore[attr-defined]


def _open_log(town: object, who: str | None) -> None:
    from gastown.agents import identity

    if not who:
        return
    address = identity.parse_address(who)
    path = town.state / "logs" / f"{identity.session_name(address.rig, address.name)}.log"  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    _LOG.append(open(path, "a", encoding="utf-8"))  # noqa: SIM115


def main() -> int:
    from gastown.agents import work
    from gastown.molecules import model, runtime
    from gastown.town.paths import find_town

    town = find_town()
    who = os.environ.get("GT_AGENT")
    _open_log(town, who)
    info = work.hook(town, who)
    if not info["hook"]:
        _say(f"{info['agent']}: nothing on my hook")
        return 0
    _say(f"{info['agent']}: working on {info['hook']}: {info['bead'].get('title', '')}")
    if info["molecule"]:
        # A session replaced by a restart may still be ending its runtime: wait for it.
        result = runtime.run(town, info["molecule"], report=_say, lock_wait=RESTART_WAIT)
        if result.state != model.DONE:
            _say(f"molecule {result.mol_id} is {result.state}; stopping here")
            return result.exit_code or 1
    mr = work.done(town, who)
    _say(f"gt done: {mr['branch']} at {mr['commit_sha'][:10]} queued as {mr['id']}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GastownError as e:
        _say(f"error: {e}")
        sys.exit(e.exit_code)
