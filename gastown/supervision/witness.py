"""One Witness cycle for one rig: look at every polecat, decide, act.

A cycle reads the ledger once, asks tmux once which sessions run, captures each live
pane, reads each worktree's HEAD from git's files, and compares all that with the
last cycle's look (`.gastown/witness/<rig>.json`). The decisions are
gastown.supervision.decide's; this module gathers and carries them out.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any, NamedTuple

from gastown import locks
from gastown.agents import identity, nudge, roster, sessions, targets
from gastown.agents.idle import PanePatterns, pane_state
from gastown.agents.tmux import Tmux
from gastown.beads import snapshot
from gastown.errors import GastownError, NotFound
from gastown.rigs import config, repo
from gastown.supervision import decide, heads, keepalive, report, state
from gastown.supervision.settings import Settings
from gastown.supervision.settings import load as load_settings
from gastown.town.paths import Town

Bead = dict[str, Any]


class Polecat(NamedTuple):
    agent: Bead
    session: str
    worktree: Path
    closed_steps: int
    mrs: list[Bead]  # the merge requests it filed

    @property
    def name(self) -> str:
        return str(self.agent["name"])

    @property
    def hook(self) -> str | None:
        return self.agent.get("hook") or None


def rig_lock(town: Town, rig: str) -> Path:
    """The lock `gt sling` holds while it picks polecats and makes their worktrees."""
    return town.state / "locks" / f"rig-{rig}.lock"


def state_path(town: Town, rig: str) -> Path:
    return town.state / "witness" / f"{rig}.json"


# Gathering -----------------------------------------------------------------------

def _closed_steps(snap: snapshot.Snapshot, bead: Bead | None) -> int:
    mol_id = (bead or {}).get("molecule")
    if not mol_id:
        return 0
    from gastown.molecules.storage import molecule_from_snapshot

    try:
        mol = molecule_from_snapshot(snap, mol_id)
    except GastownError:
        return 0
    return sum(s.get("status") == "closed" for s in mol.steps)


def polecats(town: Town, rig: str) -> list[Polecat]:
    """The rig's polecats as the ledger has them now (one snapshot)."""
    with snapshot.load(town, warn=False) as snap:
        agents = [a for a in roster.agents(snap, rig, "polecat") if a.get("status") != "closed"]
        mq = snap.files.get("mq")
        mrs = [mq.bead(r) for r in mq.rows] if mq else []
        out = []
        for agent in agents:
            address = identity.address_of(agent)
            hooked = snap.get(agent["hook"]) if agent.get("hook") else None
            out.append(Polecat(agent, sessions.session_of(agent), sessions.workdir(town, agent),
                               _closed_steps(snap, hooked),
                               [m for m in mrs if m.get("worker") == address]))
    return out


class Runtime(NamedTuple):
    patterns: PanePatterns
    reads_pane: bool  # False for the shell runtime: its program never reads typed text


class Runtimes:
    """Each polecat's runtime as the witness needs it (read once per runtime per cycle)."""

    def __init__(self, town: Town) -> None:
        self.town = town
        self.cache: dict[str, Runtime] = {}

    def of(self, agent: Bead) -> Runtime:
        key = str(agent.get("runtime") or "")
        if key not in self.cache:
            try:
                runtime = targets.runtime_of(self.town, agent)
            except GastownError:
                self.cache[key] = Runtime(nudge.DEFAULT_PATTERNS, True)
            else:
                self.cache[key] = Runtime(targets.patterns_of(runtime), runtime.prime != "self")
        return self.cache[key]


def observe(tmux: Tmux, p: Polecat, running: set[str], patterns: PanePatterns,
            now: float) -> decide.Observation:
    alive = p.session in running
    pane, shown = None, "unknown"
    if alive:
        try:
            lines = tmux.capture(p.session)
        except NotFound:
            alive = False
        except GastownError:
            pass  # tmux could not say this time; judged on commits and steps alone
        else:
            pane = hashlib.blake2b("\n".join(lines).encode(), digest_size=8).hexdigest()
            shown = pane_state(lines, patterns)
    return decide.Observation(at=now, alive=alive, pane=pane, head=heads.head(p.worktree).sha,
                              closed_steps=p.closed_steps, pane_state=shown)


# Judging -------------------------------------------------------------------------

def judge(entry: dict[str, Any], obs: decide.Observation, stuck_after: float
          ) -> tuple[dict[str, Any], decide.Health]:
    """The polecat's record updated with this look, and its health.

    The first look after a nudge or a restart is a new baseline: the pane changed
    because of what the witness did, which is not the polecat's progress."""
    before = decide.Observation.from_json(entry["obs"]) if entry.get("obs") else None
    entry = {"strikes": 0, "escalated": False, "restarts": [], **entry, "obs": obs._asdict()}
    if entry.pop("settle", False) and before is not None:
        before = before._replace(pane=obs.pane)
    if decide.progressed(before, obs):
        entry.update(progress_at=obs.at, strikes=0, escalated=False)
    verdict = decide.health(obs, float(entry.get("progress_at", obs.at)), stuck_after, before)
    entry["health"] = verdict
    return entry, verdict


# Acting --------------------------------------------------------------------------

class Cycle:
    """Carries out one cycle's decisions for one rig."""

    def __init__(self, town: Town, rig: str, settings: Settings, tmux: Tmux) -> None:
        self.town, self.rig, self.settings, self.tmux = town, rig, settings, tmux
        self.source = f"{rig}/witness"
        self.done: list[dict[str, str]] = []

    def log(self, p: Polecat, action: str, detail: str) -> None:
        self.done.append({"polecat": p.name, "action": action, "detail": detail})
        report.note(self.town, f"witness_{action}", identity.address_of(p.agent), detail)
        report.say(f"{p.name}: {action}: {detail}")

    def act(self, p: Polecat, action: decide.Action, entry: dict[str, Any],
            runtime: Runtime, now: float) -> dict[str, Any]:
        address = identity.address_of(p.agent)
        waited = int(now - float(entry.get("progress_at", now)))
        if action == "nudge":
            self._nudge(p, runtime, waited)
        elif action == "restart":
            if not self._restart(p, entry, now):
                return entry
        elif action == "escalate":
            why = ("is waiting at a permission prompt" if entry["health"] == "needs_input"
                   else f"made no progress for {waited}s after a nudge and a restart")
            report.escalate(self.town, "high", f"{address} on {p.hook}: {why}", self.source)
            self.log(p, "escalated", why)
            entry["escalated"] = True
        elif action == "release":
            from gastown.agents import work

            work.release(self.town, str(p.hook), force=True)
            self.log(p, "released", f"{p.hook}: rig {self.rig} is gone")
        if action in ("nudge", "restart"):
            entry["settle"] = True
        if entry["health"] == "stuck" and action != "none":
            entry["strikes"] = int(entry["strikes"]) + 1
            entry["progress_at"] = now  # the next rung waits a whole stuck_after again
        return entry

    def _nudge(self, p: Polecat, runtime: Runtime, waited: int) -> None:
        if not runtime.reads_pane:
            # Typing into a pane whose program reads nothing would only queue text for
            # an hour; the restart that follows is what can help.
            self.log(p, "nudged", f"no progress for {waited}s (its runtime reads no "
                     "typed text: noted only)")
            return
        text = (f"Witness: no progress on {p.hook} for {waited}s. Carry on with your "
                "current step (`gt prime` shows it), or `gt done` if you are finished.")
        try:
            how = nudge.nudge(self.town, p.session, text, runtime.patterns,
                              ttl=self.settings.stuck_after, tmux=self.tmux)
        except GastownError as e:
            how = f"failed: {e}"
        self.log(p, "nudged", f"no progress for {waited}s ({how})")

    def _restart(self, p: Polecat, entry: dict[str, Any], now: float) -> bool:
        """Restart from the hook, within the backoff; False when it must wait."""
        history = decide.recent(entry.get("restarts") or [], now, keepalive.policy(self.settings))
        verdict = decide.next_restart(history, now, keepalive.policy(self.settings))
        entry["restarts"] = history
        if verdict.verdict == "wait":
            return False
        if verdict.verdict == "give_up":
            if not entry.get("escalated"):
                why = (f"restarted {len(history)} times in "
                       f"{int(self.settings.crash_loop_window)}s and still failing (crash loop)")
                report.escalate(self.town, "high", f"{identity.address_of(p.agent)} on "
                                f"{p.hook}: {why}", self.source)
                self.log(p, "escalated", why)
                entry["escalated"] = True
            return False
        try:
            sessions.respawn(self.town, p.agent, targets.runtime_of(self.town, p.agent))
        except GastownError as e:
            self.log(p, "restart_failed", str(e))
        else:
            self.log(p, "restarted", f"{entry['health']}; resumes {p.hook} from its hook")
        entry["restarts"] = [*history, now]
        return True

    def clean(self, p: Polecat, running: set[str]) -> bool:
        """End a finished polecat's session and remove its worktree, once merged."""
        if not decide.cleanup_due(p.agent, p.mrs, heads.head(p.worktree).branch):
            return False
        # Under `gt sling`'s rig lock, and looked at again: a sling may have given
        # this polecat new work (and a new branch) since the cycle read the ledger.
        with locks.held(rig_lock(self.town, self.rig), wait=10) as taken:
            return taken and self._clean_now(p, running)

    def _clean_now(self, p: Polecat, running: set[str]) -> bool:
        with snapshot.load(self.town, warn=False) as snap:
            agent = snap.get(p.agent["id"]) or {"hook": "?"}
        branch = heads.head(p.worktree).branch
        if not decide.cleanup_due(agent, p.mrs, branch):
            return False
        if p.session in running:
            self.tmux.stop(p.session)
        repo.remove_worktree(repo.bare_path(self.town, self.rig), p.worktree)
        self.log(p, "cleaned", f"{branch} merged; worktree {self.town.rel(p.worktree)} removed")
        return True


def cycle(town: Town, rig: str, settings: Settings | None = None, *,
          tmux: Tmux | None = None, now: float | None = None) -> dict[str, Any]:
    """One pass over the rig's polecats (one at a time per rig); returns what was seen
    and done."""
    with locks.held(town.state / "locks" / f"witness-cycle-{rig}.lock", wait=60) as taken:
        if not taken:
            raise GastownError(f"another witness cycle of {rig} has run for a minute; "
                               f"it holds .gastown/locks/witness-cycle-{rig}.lock")
        return _cycle(town, rig, settings, tmux, now)


def _cycle(town: Town, rig: str, settings: Settings | None, tmux: Tmux | None,
           now: float | None) -> dict[str, Any]:
    started = time.perf_counter()
    settings = settings or load_settings(town)
    tmux = tmux or Tmux.for_town(town)
    now = time.time() if now is None else now
    seen = polecats(town, rig)
    running = tmux.running()
    rig_exists = rig in config.names(town)
    saved = state.read(state_path(town, rig)).get("polecats", {})
    runtimes = Runtimes(town)
    work = Cycle(town, rig, settings, tmux)
    kept: dict[str, Any] = {}
    for p in seen:
        runtime = runtimes.of(p.agent)
        entry, verdict = judge(saved.get(p.name, {}),
                               observe(tmux, p, running, runtime.patterns, now),
                               settings.stuck_after)
        if p.hook:
            action = decide.witness_action(verdict, hooked=True, rig_exists=rig_exists,
                                           strikes=int(entry["strikes"]),
                                           escalated=bool(entry["escalated"]))
            entry = work.act(p, action, entry, runtime, now)
        else:
            entry["health"] = "idle"  # nothing hooked: nothing to be stuck on
            if p.worktree.exists() and rig_exists:
                work.clean(p, running)
        kept[p.name] = entry
    elapsed = time.perf_counter() - started
    summary = {"rig": rig, "cycle_at": now, "cycle_ms": round(elapsed * 1000, 1),
               "polecats": kept}
    state.write(state_path(town, rig), summary)
    return {**summary, "actions": work.done}
