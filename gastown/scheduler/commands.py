"""`gt scheduler status|run`: the waiting slings, the caps, and starting what fits."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Command
from gastown.town.paths import find_town

H = "gastown.scheduler.commands:"


def state(town: Any) -> dict[str, Any]:
    from gastown.beads import snapshot
    from gastown.rigs import config
    from gastown.scheduler import dispatch, queue

    q = queue.read(town)
    with snapshot.load(town, warn=False) as snap:
        busy = dispatch.busy_polecats(snap)
    rigs = sorted(set(config.names(town)) | busy.keys() | {r.rig for r in q.waiting})
    caps, _ = dispatch.rig_caps(town, set(rigs))
    return {"town_cap": dispatch.town_cap(town), "busy": sum(busy.values()),
            "rigs": [{"rig": rig, "busy": busy.get(rig, 0), "cap": caps.get(rig),
                      "waiting": sum(r.rig == rig for r in q.waiting)} for rig in rigs],
            "waiting": [r.to_json() for r in q.waiting], "failed": list(q.failed)}


def status(*, json: bool) -> int:
    view = state(find_town())
    if json:
        print_json(view)
        return 0
    cap = view["town_cap"]
    echo(f"town: {view['busy']} polecat(s) at work"
         + (f" of at most {cap}" if cap is not None else " (no town cap)"))
    for rig in view["rigs"]:
        echo(f"  {rig['rig']:<16} {rig['busy']}/{rig['cap'] or '?'} at work, "
             f"{rig['waiting']} waiting")
    if not view["waiting"]:
        echo("nothing waiting")
    for at, r in enumerate(view["waiting"], start=1):
        echo(f"{at:>3}. {r['bead']:<14} {r['rig']:<12} since {r['queued_at'][:19]} by {r['by']}")
    for r in view["failed"][-5:]:
        echo(f"  could not start {r['bead']} ({r['rig']}): {r['error']}")
    return 0


def run(*, json: bool) -> int:
    from gastown.scheduler import dispatch

    done = dispatch.run(find_town(), wait=None)
    if json:
        print_json({"started": [s._asdict() for s in done.started],
                    "failed": [{**r.to_json(), "error": why} for r, why in done.failed]})
        return 0
    for s in done.started:
        echo(f"{s.bead} -> {s.agent}  session {s.session}")
    for r, why in done.failed:
        echo(f"could not start {r.bead}: {why}")
    if not done.started and not done.failed:
        echo("nothing to start")
    return 0


COMMANDS: tuple[Command, ...] = (
    Command("status", "Polecats at work against the caps, and the slings waiting in order",
            H + "status", (JSON,)),
    Command("run", "Start the waiting slings that fit under the caps now", H + "run", (JSON,)),
)
