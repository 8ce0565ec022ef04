"""Keeping a supervised session (or process) up: restart with backoff, and escalate a
crash loop once. The restart history of each thing lives in one JSON file per keeper
(`.gastown/<keeper>/restarts.json`)."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from gastown.supervision import decide, report, state
from gastown.supervision.settings import Settings
from gastown.town.paths import Town


def history_path(town: Town, keeper: str) -> Path:
    return town.state / keeper / "restarts.json"


def policy(settings: Settings) -> decide.Backoff:
    return decide.Backoff(settings.backoff_base, settings.backoff_max,
                          settings.crash_loop_restarts, settings.crash_loop_window)


def revive(town: Town, keeper: str, what: str, restart: Callable[[], object],
           settings: Settings, now: float | None = None) -> str:
    """Restart `what` if the backoff allows: 'restarted', 'waiting' or 'gave_up'
    (escalated the first time)."""
    now = time.time() if now is None else now
    path = history_path(town, keeper)
    data = state.read(path)
    entry = data.get(what) or {}
    history = decide.recent(entry.get("restarts") or [], now, policy(settings))
    verdict = decide.next_restart(history, now, policy(settings))
    if verdict.verdict == "wait":
        outcome = "waiting"
    elif verdict.verdict == "give_up":
        if not entry.get("escalated"):
            report.escalate(town, "critical", f"{what} keeps dying: restarted {len(history)} "
                            f"times in {int(settings.crash_loop_window)}s (crash loop); "
                            "no more restarts until it settles", keeper)
            report.note(town, f"{keeper}_gave_up", what, "crash loop")
        entry["escalated"] = True
        outcome = "gave_up"
    else:
        restart()
        history.append(now)
        entry["escalated"] = False
        report.note(town, f"{keeper}_restarted", what, f"restart {len(history)} in the window")
        outcome = "restarted"
    entry["restarts"] = history
    data[what] = entry
    state.write(path, data)
    return outcome
