"""`python -m gastown.refinery RIG`: the rig's Refinery run, as the background process
`gt refinery start` and the mq_queued reaction start (run in the town root)."""
from __future__ import annotations

import signal
import sys
import time

from gastown.errors import error_handler


def main(argv: list[str]) -> int:
    from gastown.refinery import run
    from gastown.town.paths import find_town

    if len(argv) != 1:
        print("usage: python -m gastown.refinery RIG", file=sys.stderr)
        return 2
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    def log(message: str) -> None:
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}", flush=True)

    with error_handler("gt refinery"):
        try:
            tally = run.run(find_town(), argv[0], log=log, stop=lambda: bool(stopping))
        except run.RunningAlready as e:
            log(f"{e}; it takes this wake-up")  # two wake-ups at once: one run is enough
            return 0
        log(f"done: {len(tally.merged)} merged, {len(tally.rejected)} sent back, "
            f"{tally.batches} batch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
