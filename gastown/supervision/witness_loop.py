"""`python -m gastown.supervision.witness_loop RIG`: a rig's Witness session program."""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from gastown.supervision import loop, report, witness
    from gastown.supervision.settings import load
    from gastown.town.paths import find_town

    if len(argv) != 1:
        print("usage: python -m gastown.supervision.witness_loop RIG", file=sys.stderr)
        return 2
    town, rig = find_town(), argv[0]

    def one_pass() -> None:
        done = witness.cycle(town, rig)
        if done["actions"]:
            report.say(f"cycle: {len(done['polecats'])} polecat(s), "
                       f"{len(done['actions'])} action(s), {done['cycle_ms']} ms")

    return loop.forever(town, f"witness-{rig}", lambda: load(town).witness_interval, one_pass)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
