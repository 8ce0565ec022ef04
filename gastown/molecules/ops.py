"""Molecule operations: pour, wisp, squash, burn, step done / retry, status.

Each write is one edit of the molecule's storage: one commit for a ledger molecule,
one atomic rewrite of the wisp file for a wisp.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gastown.beads import ids, store
from gastown.beads.actor import actor as current_actor
from gastown.beads.actor import now
from gastown.errors import GastownError, NotFound, UsageError
from gastown.molecules import model
from gastown.molecules.model import Bead, Molecule
from gastown.molecules.storage import (
    LedgerMolecules,
    WispMolecules,
    message,
    open_molecules,
    runner_lock,
    transaction,
    wisp_ids,
)
from gastown.town.paths import Town


def parse_vars(pairs: Sequence[str]) -> dict[str, str | list[str]]:
    """`["k=v", "names=a", "names=b"]` -> {"k": "v", "names": ["a", "b"]}.

    A value is taken exactly as given (a list var also splits it on commas when cooked).
    """
    out: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--var wants NAME=VALUE, got {pair!r}")
        if key in out:
            old = out[key]
            out[key] = [*(old if isinstance(old, list) else [old]), value]
        else:
            out[key] = value
    return out


def rig_dir(town: Town | None, rig: str | None) -> Path | None:
    if not rig:
        return None
    if town is None:
        raise UsageError("--rig needs a town")
    path = town.root / "rigs" / rig
    if not path.is_dir():
        raise NotFound(f"no rig {rig!r} (no {path})")
    return path


def cook(town: Town | None, name: str, pairs: Sequence[str], rig: str | None = None) -> Any:
    from gastown.formulas import cook as cook_formula
    from gastown.formulas import load

    formula = load(name, town=town.root if town else None, rig_dir=rig_dir(town, rig))
    values: dict[str, Any] = parse_vars(pairs)
    return cook_formula(formula, values)


def pour(town: Town, formula: str, *, var: Sequence[str] = (), on: str | None = None,
         work_dir: str | None = None, rig: str | None = None, wisp: bool = False,
         actor: str | None = None) -> Molecule:
    """Cook `formula` and store it as a molecule (one commit) or a wisp (a file)."""
    proto = cook(town, formula, var, rig)
    if not proto.steps:
        raise GastownError(f"formula {formula!r} cooks to no steps; nothing to pour")
    who = actor or current_actor()
    directory = str(Path(work_dir or os.getcwd()).expanduser().absolute())
    if wisp:
        return _pour_wisp(town, proto, who, directory, on)
    with transaction(town) as snap:
        target = None
        if on:
            target = snap.get(on)
            if target is None:
                raise NotFound(f"--on {on}: no such bead")
            current = target.get("molecule")
            if current and current in snap:
                from gastown.molecules.storage import molecule_from_snapshot

                old = molecule_from_snapshot(snap, current)
                if old.state() not in (model.DONE, model.BURNED):
                    raise GastownError(
                        f"{on} already has molecule {current} ({old.state()}); finish it or "
                        f"`gt mol burn {current}` first")
        stamp = now()
        mol_id = ids.mint(town.prefix(), f"{formula}\0{who}\0{stamp}", snap.where, len(snap))
        root, steps = model.build(proto, mol_id=mol_id, who=who, stamp=stamp,
                                  work_dir=directory, on=target)
        put = {b["id"]: b for b in (root, *steps)}
        if target is not None:
            target = dict(target)
            target["molecule"] = mol_id
            target["updated_at"] = stamp
            put[target["id"]] = target
        store.apply(town, snap, store.Change(put=put),
                    message("pour", [mol_id], f"{formula} ({len(steps)} steps)"
                            + (f" on {on}" if on else ""), who))
    return Molecule(root, steps)


def _pour_wisp(town: Town, proto: Any, who: str, directory: str, on: str | None) -> Molecule:
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        target = snap.get(on) if on else None
        if on and target is None:
            raise NotFound(f"--on {on}: no such bead")
        taken = set(snap.where) | set(wisp_ids(town))
        stamp = now()
        mol_id = ids.mint(f"{town.prefix()}-wisp", f"{proto.formula}\0{who}\0{stamp}",
                          taken, len(snap))
    root, steps = model.build(proto, mol_id=mol_id, who=who, stamp=stamp, work_dir=directory,
                              on=target, wisp=True)
    mol = Molecule(root, steps, wisp=True)
    WispMolecules(town).write(mol)
    return mol


def resolve(town: Town, name: str) -> tuple[Any, str]:
    """Storage and molecule id for a molecule id, a step id, or a work bead with a
    `molecule` field."""
    backend, mol_id = open_molecules(town, name)
    if isinstance(backend, LedgerMolecules):
        from gastown.beads import snapshot

        with snapshot.load(town, warn=False) as snap:
            bead = snap.get(mol_id)
            if bead is None:
                raise NotFound(f"no molecule {name!r} (no such bead or wisp)")
            if bead.get("issue_type") != "molecule" and bead.get("molecule"):
                return open_molecules(town, str(bead["molecule"]))
    return backend, mol_id


def load(town: Town, name: str) -> Molecule:
    backend, mol_id = resolve(town, name)
    return backend.load(mol_id)  # type: ignore[no-any-return]


def find_step(mol: Molecule, name: str) -> Bead:
    """A step by bead id (`gt-ab12.3`) or as `<molecule>:<step_id>`."""
    _, colon, step_id = name.partition(":")
    for s in mol.steps:
        if (colon and s["step_id"] == step_id) or s["id"] == name:
            return dict(s)
    raise NotFound(f"molecule {mol.id} has no step {name!r}")


def _step_target(town: Town, name: str) -> tuple[Any, str]:
    """Storage and molecule id for `<step bead id>` or `<molecule>:<step_id>`."""
    return resolve(town, name.partition(":")[0])


def close_step(step: Bead, reason: str) -> Bead:
    step["status"] = "closed"
    step["closed_at"] = now()
    step["close_reason"] = reason
    step.pop("failure", None)
    return step


def close_root_if_done(ed: Any) -> None:
    mol = ed.mol
    if all(s.get("status") == "closed" for s in mol.steps) and mol.root.get("status") != "closed":
        root = dict(mol.root)
        root["status"] = "closed"
        root["closed_at"] = now()
        root["close_reason"] = "all steps done"
        ed.put(root)


def step_done(town: Town, name: str, *, note: str | None = None, force: bool = False
              ) -> tuple[Molecule, Bead]:
    """Close a step by hand: agent steps, human gates, due timer gates (or any, forced)."""
    backend, mol_id = _step_target(town, name)
    with backend.edit(mol_id) as ed:
        mol = ed.mol
        step = find_step(mol, name)
        state = mol.step_state(step)
        if state == model.DONE:
            raise GastownError(f"step {step['id']} ({step['step_id']}) is already closed")
        if state == model.BURNED:
            raise GastownError(f"molecule {mol.id} was burned")
        if state == model.PENDING and not force:
            closed = mol.closed_ids()
            waiting = [n for n in step.get("needs") or () if n not in closed]
            raise GastownError(f"step {step['step_id']} still needs {', '.join(waiting)} "
                               "(use --force to close it anyway)")
        if state == model.TIMER_GATE and not force:
            due = mol.timer_due(step)
            if due and due > model.utcnow():
                raise GastownError(f"timer gate {step['step_id']} opens at "
                                   f"{due.isoformat().replace('+00:00', 'Z')}; not yet")
        if note:
            step["note"] = note
        close_step(step, note or ("approved" if state == model.HUMAN_GATE else "done"))
        step["closed_by"] = current_actor()
        ed.put(step)
        close_root_if_done(ed)
        ed.describe("step done", f"{step['step_id']}")
    return ed.mol, step


def step_retry(town: Town, name: str) -> tuple[Molecule, Bead]:
    """Reopen a failed step so the runtime runs it again."""
    backend, mol_id = _step_target(town, name)
    with backend.edit(mol_id) as ed:
        mol = ed.mol
        step = find_step(mol, name)
        state = mol.step_state(step)
        if state != model.FAILED:
            raise GastownError(f"step {step['id']} ({step['step_id']}) is {state}, not failed; "
                               "only a failed step can be retried")
        failure = step.pop("failure")
        step["status"] = "open"
        step.pop("started_at", None)
        history = list(step.get("failures") or [])
        history.append(failure)
        step["failures"] = history[-10:]
        ed.put(step)
        ed.describe("step retry", step["step_id"])
    return ed.mol, step


def burn(town: Town, name: str, *, reason: str | None = None) -> Molecule:
    """Abandon a molecule: root and every unclosed step closed as burned, one commit.
    A wisp is simply deleted."""
    backend, mol_id = resolve(town, name)
    if isinstance(backend, WispMolecules):
        with backend.lock(mol_id):
            mol = backend.load(mol_id)
            backend.remove(mol_id)
        return mol
    with backend.edit(mol_id) as ed:
        mol = ed.mol
        if mol.burned:
            raise GastownError(f"molecule {mol_id} is already burned")
        stamp = now()
        why = "burned" + (f": {reason}" if reason else "")
        for s in mol.steps:
            if s.get("status") != "closed":
                s = dict(s)
                s["status"] = "closed"
                s["closed_at"] = stamp
                s["close_reason"] = why
                ed.put(s)
        root = dict(mol.root)
        root["status"] = "closed"
        root["closed_at"] = stamp
        root["close_reason"] = why
        root["burned_at"] = stamp
        ed.put(root)
        target = ed.snap.get(root["on"]) if root.get("on") and ed.snap else None
        if target and target.get("molecule") == mol_id:
            target.pop("molecule")
            ed.put(target)
        ed.describe("burn", reason or "")
    return ed.mol


def squash(town: Town, name: str, *, force: bool = False) -> Bead:
    """Turn a finished wisp into one committed digest bead; remove the wisp."""
    backend, mol_id = resolve(town, name)
    if not isinstance(backend, WispMolecules):
        raise GastownError(f"{mol_id} is a ledger molecule, not a wisp; only wisps squash")
    with runner_lock(town, mol_id), backend.lock(mol_id):
        mol = backend.load(mol_id)
        state = mol.state()
        if state not in (model.DONE, model.FAILED) and not force:
            raise GastownError(f"wisp {mol_id} is {state}; squash a finished wisp "
                               "(done or failed), or use --force")
        digest = digest_bead(mol)
        with transaction(town) as snap:
            if mol_id not in snap:  # else: an earlier squash committed it, then died
                store.apply(town, snap, store.Change(put={mol_id: digest}),
                            message("squash", [mol_id],
                                    f"{mol.root.get('formula')} ({state})"))
        backend.remove(mol_id)
    return digest


def digest_bead(mol: Molecule) -> Bead:
    stamp = now()
    states = mol.states()
    rows = []
    for s in mol.steps:
        row: dict[str, Any] = {"step_id": s["step_id"], "title": s.get("title", ""),
                               "status": states[s["id"]]}
        for key in ("exit_code", "duration_ms", "attempts"):
            if key in s:
                row[key] = s[key]
        reason = (s.get("failure") or {}).get("reason") or s.get("close_reason")
        if reason:
            row["reason"] = reason
        rows.append(row)
    starts = [s["started_at"] for s in mol.steps if s.get("started_at")]
    ends = [s["closed_at"] for s in mol.steps if s.get("closed_at")]
    summary: dict[str, Any] = {"state": mol.state(), "steps": rows,
                               "duration_ms": sum(s.get("duration_ms") or 0 for s in mol.steps)}
    if starts:
        summary["started_at"] = min(starts)
    if ends:
        summary["finished_at"] = max(ends)
    root = mol.root
    bead: Bead = {
        "id": mol.id, "title": f"digest: {root.get('title', root.get('formula', mol.id))}"[:200],
        "status": "closed", "priority": root.get("priority", 2), "issue_type": "molecule",
        "labels": ["digest", "wisp"], "created_at": root.get("created_at", stamp),
        "created_by": root.get("created_by", current_actor()), "updated_at": stamp,
        "closed_at": stamp, "close_reason": f"squashed ({summary['state']})",
        "formula": root.get("formula"), "vars": root.get("vars", {}), "digest": summary,
    }
    for key in ("description", "dir", "on", "formula_version"):
        if key in root:
            bead[key] = root[key]
    return bead


def status(mol: Molecule) -> dict[str, Any]:
    """Everything `gt mol status --json` prints."""
    states = mol.states()
    steps = []
    for s in mol.steps:
        row: dict[str, Any] = {"id": s["id"], "step_id": s["step_id"],
                               "title": s.get("title", ""), "status": s.get("status", "open"),
                               "state": states[s["id"]], "needs": s.get("needs", [])}
        kind = "gate" if s.get("gate") else ("run" if s.get("run") else "agent")
        row["kind"] = kind
        if s.get("gate"):
            row["gate"] = s["gate"]
        for key in ("started_at", "closed_at", "close_reason", "exit_code", "duration_ms",
                    "attempts", "log", "failure", "note"):
            if key in s:
                row[key] = s[key]
        if states[s["id"]] == model.TIMER_GATE:
            due = mol.timer_due(s)
            if due:
                row["due"] = due.isoformat().replace("+00:00", "Z")
        steps.append(row)

    def having(*names: str) -> list[str]:
        return [r["id"] for r in steps if r["state"] in names]

    root = mol.root
    out: dict[str, Any] = {
        "id": mol.id, "title": root.get("title", ""), "formula": root.get("formula"),
        "state": mol.state(), "status": root.get("status", "open"), "wisp": mol.wisp,
        "dir": root.get("dir"), "on": root.get("on"), "vars": root.get("vars", {}),
        "steps": steps, "ready": having(model.READY), "running": having(model.RUNNING),
        "done": having(model.DONE), "failed": having(model.FAILED),
        "waiting": [{"id": r["id"], "step_id": r["step_id"], "on": r["state"],
                     **({"due": r["due"]} if "due" in r else {})}
                    for r in steps if r["state"] in model.WAITING_STATES],
    }
    return out


def list_molecules(town: Town, *, include_closed: bool = False) -> list[dict[str, Any]]:
    from gastown.beads import snapshot
    from gastown.molecules.storage import molecule_from_snapshot

    out = []
    with snapshot.load(town, warn=False) as snap:
        for bead in snap.all_beads():
            if bead.get("issue_type") != "molecule":
                continue
            if bead.get("status") == "closed" and not include_closed:
                continue
            if bead.get("digest"):
                state = str(bead["digest"].get("state", "done"))
                mol = None
            else:
                mol = molecule_from_snapshot(snap, bead["id"])
                state = mol.state()
            out.append({"id": bead["id"], "formula": bead.get("formula"), "state": state,
                        "wisp": False, "digest": bool(bead.get("digest")),
                        "on": bead.get("on"), "title": bead.get("title", ""),
                        "steps": len(mol.steps) if mol else len(bead["digest"].get("steps", []))})
    wisps = WispMolecules(town)
    for wid in wisp_ids(town):
        try:
            mol = wisps.load(wid)
        except (GastownError, ValueError):
            continue
        out.append({"id": wid, "formula": mol.root.get("formula"), "state": mol.state(),
                    "wisp": True, "digest": False, "on": mol.root.get("on"),
                    "title": mol.root.get("title", ""), "steps": len(mol.steps)})
    return out
