"""The bead shapes of molecules and steps, and what state each is in.

Root bead (issue_type `molecule`):
    id, title, description, status (open -> in_progress -> closed), priority,
    issue_type, created_*, updated_at, closed_at, close_reason,
    formula, formula_version, vars (the cooked values; list vars as lists),
    dir (absolute working directory of run steps), step_count (steps are
    `<id>.1` .. `<id>.<step_count>`), on (the work bead, if any),
    wisp (true for wisps), burned_at (set by `gt mol burn`).

Step bead (issue_type `step`, id `<root>.<n>`):
    id, title, description, status, priority, issue_type, dependencies (parent-child
    on the root, blocks on the step beads it needs), created_*, updated_at,
    step_id, needs (step ids), run, acceptance, acceptance_run, timeout_seconds,
    retries, gate ({type, after_seconds|at}), item (a for_each copy's item),
    and as it runs: started_at (when marked in_progress), closed_at, close_reason,
    exit_code, duration_ms, attempts, log (town-relative path), finished_at,
    note (from `gt mol step done --note`), failure ({reason, exit_code, timed_out,
    attempts, duration_ms, log, at}: present while the step is failed; its status is
    then `blocked`).

Digest bead (issue_type `molecule`, status closed, labels [digest, wisp]): a squashed
wisp's root fields plus `digest` = {state, started_at, finished_at, duration_ms,
steps: [{step_id, title, status, exit_code, duration_ms, attempts, reason}]}.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from gastown.beads import schema
from gastown.beads.actor import parse_time
from gastown.formulas.model import env_name
from gastown.formulas.protomolecule import Protomolecule

Bead = dict[str, Any]

# Step states (derived, never stored).
DONE, FAILED, RUNNING, READY, PENDING = "done", "failed", "running", "ready", "pending"
HUMAN_GATE, TIMER_GATE, AGENT, BURNED = "human-gate", "timer-gate", "agent", "burned"
WAITING_STATES = (HUMAN_GATE, TIMER_GATE, AGENT)


def step_bead_id(mol_id: str, n: int) -> str:
    return f"{mol_id}.{n}"


def root_of(bead_id: str) -> str:
    """The molecule id of a step id (`gt-ab12.3` -> `gt-ab12`), or the id itself."""
    head, dot, tail = bead_id.rpartition(".")
    return head if dot and tail.isdigit() else bead_id


def step_number(bead_id: str) -> int:
    return int(bead_id.rpartition(".")[2])


def build(proto: Protomolecule, *, mol_id: str, who: str, stamp: str, work_dir: str,
          on: Bead | None = None, wisp: bool = False) -> tuple[Bead, list[Bead]]:
    """The root bead and step beads of a freshly poured molecule."""
    priority = on.get("priority", 2) if on else 2
    if not isinstance(priority, int) or priority not in schema.PRIORITIES:
        priority = 2
    title = proto.formula + (f" on {on['id']}: {on.get('title', '')}" if on else "")
    root: Bead = {
        "id": mol_id, "title": title[:200], "status": "open", "priority": priority,
        "issue_type": "molecule", "created_at": stamp, "created_by": who,
        "updated_at": stamp, "formula": proto.formula,
        "vars": {k: list(v) if isinstance(v, tuple) else v for k, v in proto.vars.items()},
        "dir": work_dir, "step_count": len(proto.steps),
    }
    if proto.description.strip():
        root["description"] = proto.description.strip()
    if proto.version is not None:
        root["formula_version"] = proto.version
    if on:
        root["on"] = on["id"]
    if wisp:
        root["wisp"] = True
    number = {s.id: n for n, s in enumerate(proto.steps, start=1)}
    steps = []
    for s in proto.steps:
        sid = step_bead_id(mol_id, number[s.id])
        deps = [{"issue_id": sid, "depends_on_id": mol_id, "type": schema.PARENT_DEP_TYPE,
                 "created_at": stamp, "created_by": who}]
        deps += [{"issue_id": sid, "depends_on_id": step_bead_id(mol_id, number[n]),
                  "type": "blocks", "created_at": stamp, "created_by": who} for n in s.needs]
        bead: Bead = {
            "id": sid, "title": s.title or s.id, "status": "open", "priority": priority,
            "issue_type": "step", "dependencies": deps, "created_at": stamp,
            "created_by": who, "updated_at": stamp, "step_id": s.id, "needs": list(s.needs),
        }
        if s.description.strip():
            bead["description"] = s.description.strip()
        for key in ("run", "acceptance", "acceptance_run", "timeout_seconds"):
            value = getattr(s, key)
            if value is not None:
                bead[key] = value
        if s.retries:
            bead["retries"] = s.retries
        if s.gate is not None:
            bead["gate"] = s.gate.to_dict()
        if "GT_ITEM" in s.env:
            bead["item"] = s.env["GT_ITEM"]
        if dict(s.env) != step_env(root, bead):
            bead["env"] = dict(s.env)  # never expected; keeps the cooked env exact
        steps.append(bead)
    return root, steps


def step_env(root: Bead, step: Bead) -> dict[str, str]:
    """The variables a step's commands get: GT_VAR_<NAME> for each var, GT_ITEM."""
    if isinstance(step.get("env"), dict):
        return {str(k): str(v) for k, v in step["env"].items()}
    env = {env_name(k): "\n".join(v) if isinstance(v, list) else str(v)
           for k, v in (root.get("vars") or {}).items()}
    if "item" in step:
        env["GT_ITEM"] = str(step["item"])
    return env


@dataclass
class Molecule:
    """A root bead and its step beads (ordered by step number)."""

    root: Bead
    steps: list[Bead]
    wisp: bool = False

    @property
    def id(self) -> str:
        return str(self.root["id"])

    def step(self, bead_id: str) -> Bead:
        for s in self.steps:
            if s["id"] == bead_id:
                return s
        raise KeyError(bead_id)

    def by_step_id(self) -> dict[str, Bead]:
        return {s["step_id"]: s for s in self.steps}

    @property
    def burned(self) -> bool:
        return bool(self.root.get("burned_at"))

    def closed_ids(self) -> set[str]:
        return {s["step_id"] for s in self.steps if s.get("status") == "closed"}

    def step_state(self, step: Bead, closed: set[str] | None = None) -> str:
        if closed is None:
            closed = self.closed_ids()
        status = step.get("status", "open")
        if self.burned and status != "closed":
            return BURNED
        if status == "closed":
            return DONE
        if status == "tombstone":
            return BURNED
        if step.get("failure"):
            return FAILED
        if status == "in_progress":
            return RUNNING
        if any(n not in closed for n in step.get("needs") or ()):
            return PENDING
        gate = step.get("gate")
        if gate:
            return TIMER_GATE if gate.get("type") == "timer" else HUMAN_GATE
        if not step.get("run"):
            return AGENT
        return READY

    def states(self) -> dict[str, str]:
        closed = self.closed_ids()
        return {s["id"]: self.step_state(s, closed) for s in self.steps}

    def state(self) -> str:
        """burned, done, failed, running, ready, waiting (gates/agents), or pending."""
        if self.burned:
            return BURNED
        states = set(self.states().values())
        if not states or states == {DONE}:
            return DONE
        for name in (FAILED, RUNNING, READY):
            if name in states:
                return name
        if states & set(WAITING_STATES):
            return "waiting"
        return PENDING

    def timer_due(self, step: Bead) -> datetime | None:
        """When a timer gate opens: `at`, or `after_seconds` past the moment the step
        became ready (its last need's close, else the molecule's creation)."""
        gate = step.get("gate") or {}
        if gate.get("type") != "timer":
            return None
        if gate.get("at"):
            return parse_time(str(gate["at"]))
        by_id = self.by_step_id()
        stamps = [by_id[n].get("closed_at") for n in step.get("needs") or () if n in by_id]
        base = max((parse_time(t) for t in stamps if t), default=None)
        if base is None:
            base = parse_time(str(self.root.get("created_at")))
        return base + timedelta(seconds=int(gate.get("after_seconds") or 0))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
