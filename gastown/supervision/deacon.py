"""The Deacon's patrol, and `python -m gastown.supervision.deacon` (its session program).

Each round the Deacon writes the heartbeat Boot watches (.gastown/heartbeat/deacon),
pours a wisp of the deacon-patrol formula and runs it on the shell runtime
(gastown.molecules.runtime), one step at a time:

* check-agents, `gt deacon check-agents`: keep every rig's Witness session alive and
  wake its Refinery when merge requests wait and none runs (restarts with backoff, a
  crash loop escalated once);
* handle-escalations, `gt escalate check`: re-escalate what nobody acknowledged;
* tidy, `gt deacon dogs`: send the Dogs (gastown.supervision.dogs);
* rest, a timer gate the Deacon sets to `deacon_interval` when it pours the wisp, so
  the runtime waiting on it paces the rounds.

A round the Deacon did not finish (it was killed) leaves an open wisp: the next round
burns it before pouring its own. Finished wisps are removed by the wisp_gc Dog.

The Deacon's session always runs this program: supervisors are not started from a
runtime preset (gastown.supervision.roles), so an agent doing the round would be given
the same wisp on its hook and read the steps' descriptions.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from gastown.agents import identity
from gastown.agents.tmux import Tmux
from gastown.molecules import model
from gastown.molecules.model import Molecule
from gastown.rigs import config
from gastown.supervision import dogs, heartbeat, keepalive, refinery_link, report, roles
from gastown.supervision.settings import Settings, load
from gastown.town.paths import Town

FORMULA = "deacon-patrol"
REST_STEP = "rest"
GATE_MARGIN = 5.0  # seconds the runtime waits past the rest gate's time


def keep_witnesses(town: Town, settings: Settings, tmux: Tmux, now: float) -> dict[str, str]:
    running = tmux.running()
    rigs = config.names(town)
    out = {}
    for agent in roles.ensure(town, [(rig, "witness") for rig in rigs]):
        if identity.session_name(agent["rig"], "witness") in running:
            continue
        out[f"{agent['rig']}/witness"] = keepalive.revive(
            town, "deacon", f"{agent['rig']}/witness",
            lambda agent=agent: roles.start(town, agent), settings, now)
    return out


def keep_refineries(town: Town, settings: Settings, now: float) -> dict[str, str]:
    out = {}
    for rig in config.names(town):
        if refinery_link.needs_start(town, rig):
            out[f"{rig}/refinery"] = keepalive.revive(
                town, "deacon", f"{rig}/refinery",
                lambda rig=rig: refinery_link.start(town, rig), settings, now)
    return out


def check_agents(town: Town, settings: Settings | None = None, *, tmux: Tmux | None = None,
                 now: float | None = None) -> dict[str, str]:
    """The check-agents step: each rig's Witness and Refinery kept alive; returns
    what happened to each one that was not running."""
    settings = settings or load(town)
    tmux = tmux or Tmux.for_town(town)
    now = time.time() if now is None else now
    return {**keep_witnesses(town, settings, tmux, now), **keep_refineries(town, settings, now)}


def send_dogs(town: Town, settings: Settings | None = None, *, tmux: Tmux | None = None,
              now: float | None = None) -> list[dogs.Chore]:
    """The tidy step: the Dogs' chores done, each noted in the feed."""
    settings = settings or load(town)
    tmux = tmux or Tmux.for_town(town)
    now = time.time() if now is None else now
    chores = dogs.send(town, settings, tmux, now)
    for chore in chores:
        report.note(town, f"dog_{chore.kind}", chore.target, chore.why)
    return chores


def patrol(town: Town, settings: Settings | None = None, *, tmux: Tmux | None = None,
           now: float | None = None) -> dict[str, Any]:
    """The round's work in this process, without a wisp: heartbeat, check-agents,
    the Dogs; returns what it did."""
    settings = settings or load(town)
    tmux = tmux or Tmux.for_town(town)
    now = time.time() if now is None else now
    heartbeat.beat(town, now)
    revived = check_agents(town, settings, tmux=tmux, now=now)
    chores = send_dogs(town, settings, tmux=tmux, now=now)
    return {"revived": revived, "chores": [c._asdict() for c in chores]}


def unfinished_rounds(wisps: Iterable[Molecule]) -> list[str]:
    """Deacon-patrol wisps neither done nor burned: rounds a killed Deacon left."""
    return [w.id for w in wisps if w.root.get("formula") == FORMULA
            and w.state() not in (model.DONE, model.BURNED)]


def paced(mol: Molecule, seconds: float) -> Molecule:
    """`mol` with its rest step's timer gate set to `seconds`."""
    steps = [{**s, "gate": {**s["gate"], "after_seconds": int(seconds)}}
             if s.get("step_id") == REST_STEP and (s.get("gate") or {}).get("type") == "timer"
             else s for s in mol.steps]
    return Molecule(mol.root, steps, wisp=mol.wisp)


def _wisps(town: Town) -> list[Molecule]:
    from gastown.molecules.storage import WispMolecules, wisp_ids

    store = WispMolecules(town)
    out = []
    for wisp in wisp_ids(town):
        try:
            out.append(store.load(wisp))
        except Exception:  # noqa: BLE001 - a half-written wisp is the wisp_gc Dog's
            continue
    return out


def pour_round(town: Town, settings: Settings) -> Molecule:
    """A new deacon-patrol wisp, its rest gate set to the patrol interval; earlier
    unfinished rounds burned first."""
    from gastown.molecules import ops
    from gastown.molecules.storage import WispMolecules

    for stale in unfinished_rounds(_wisps(town)):
        ops.burn(town, stale, reason="a new round started")
        report.say(f"burned unfinished round {stale}")
    mol = paced(ops.pour(town, FORMULA, wisp=True, work_dir=str(town.root),
                         actor=identity.agent_id(None, "deacon")), settings.deacon_interval)
    WispMolecules(town).write(mol)
    return mol


def run_round(town: Town, settings: Settings | None = None, *, gate_wait: float | None = None,
              say: Callable[[str], None] = report.say) -> Any:
    """One round: heartbeat, then a deacon-patrol wisp poured and run to its end
    (waiting on the rest gate up to `gate_wait`, by default the patrol interval)."""
    from gastown.molecules import runtime

    settings = settings or load(town)
    heartbeat.beat(town, time.time())
    mol = pour_round(town, settings)
    say(f"round {mol.id}")
    wait = settings.deacon_interval + GATE_MARGIN if gate_wait is None else gate_wait
    return runtime.run(town, mol.id, jobs=1, gate_wait=wait, report=say)


def main() -> int:
    from gastown.supervision import loop
    from gastown.town.paths import find_town

    town = find_town()
    bin_dir = os.path.dirname(sys.executable)  # the steps' `gt` is this install's
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    rested: list[bool] = [False]

    def one_pass() -> None:
        result = run_round(town)
        rested[0] = result.state == model.DONE

    # A finished round has waited out its rest gate; one that stopped early has not.
    return loop.forever(town, "deacon",
                        lambda: 0.0 if rested[0] else load(town).deacon_interval, one_pass)


if __name__ == "__main__":
    sys.exit(main())
