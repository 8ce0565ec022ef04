"""Boot watches the Deacon: `python -m gastown.supervision.boot` (its session program).

Each check reads the Deacon's heartbeat (.gastown/heartbeat/deacon, written every
patrol). Missing, older than deacon_stale seconds, or no Deacon session: Boot starts
the Deacon's session afresh (with backoff; a crash loop is escalated once).
"""
from __future__ import annotations

import sys
import time

from gastown.agents import identity
from gastown.agents.tmux import Tmux
from gastown.supervision import heartbeat, keepalive, report, roles
from gastown.supervision.settings import Settings, load
from gastown.town.paths import Town


def stale(age: float | None, alive: bool, settings: Settings) -> bool:
    return not alive or age is None or age > settings.deacon_stale


def check(town: Town, settings: Settings | None = None, *, tmux: Tmux | None = None,
          now: float | None = None) -> str:
    """'fresh', or what reviving the Deacon came to (restarted, waiting, gave_up)."""
    settings = settings or load(town)
    tmux = tmux or Tmux.for_town(town)
    now = time.time() if now is None else now
    age = heartbeat.age(town, now)
    if not stale(age, tmux.has(identity.session_name(None, "deacon")), settings):
        return "fresh"
    (agent,) = roles.ensure(town, [(None, "deacon")])
    return keepalive.revive(town, "boot", "deacon", lambda: roles.restart(town, agent),
                            settings, now)


def main() -> int:
    from gastown.supervision import loop
    from gastown.town.paths import find_town

    town = find_town()

    def one_pass() -> None:
        outcome = check(town)
        if outcome != "fresh":
            report.say(f"deacon heartbeat stale: {outcome}")

    return loop.forever(town, "boot", lambda: load(town).boot_interval, one_pass)


if __name__ == "__main__":
    sys.exit(main())
