"""`gt mol ...`: pour, wisp, squash, status, list, step done / retry, burn, run."""
from __future__ import annotations

import sys
from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.molecules.commands:"


def _out(text: str) -> None:
    echo(text)
    sys.stdout.flush()


def _molecule_json(mol: Any) -> dict[str, Any]:
    return {**mol.root, "steps": mol.steps}


def _poured(mol: Any, json: bool) -> int:
    if json:
        print_json(_molecule_json(mol))
        return 0
    kind = "wisp" if mol.wisp else "molecule"
    on = f" on {mol.root['on']}" if mol.root.get("on") else ""
    _out(f"Poured {kind} {mol.id} ({mol.root['formula']}, {len(mol.steps)} steps){on}")
    _out(f"  dir: {mol.root['dir']}")
    _out(f"  run it: gt mol run {mol.id}    status: gt mol status {mol.id}")
    return 0


def pour(*, formula: str, var: list[str], on: str | None, directory: str | None,
         rig: str | None, json: bool) -> int:
    from gastown.molecules import ops

    mol = ops.pour(find_town(), formula, var=var, on=on, work_dir=directory, rig=rig)
    return _poured(mol, json)


def wisp(*, formula: str, var: list[str], on: str | None, directory: str | None,
         rig: str | None, json: bool) -> int:
    from gastown.molecules import ops

    mol = ops.pour(find_town(), formula, var=var, on=on, work_dir=directory, rig=rig, wisp=True)
    return _poured(mol, json)


def squash(*, wisp: str, force: bool, json: bool) -> int:
    from gastown.molecules import ops

    digest = ops.squash(find_town(), wisp, force=force)
    if json:
        print_json(digest)
    else:
        d = digest["digest"]
        _out(f"Squashed wisp {digest['id']} into digest bead {digest['id']} ({d['state']}, "
             f"{len(d['steps'])} steps, {d['duration_ms'] / 1000:.2f}s of step time)")
    return 0


def format_status(info: dict[str, Any]) -> str:
    kind = "wisp" if info["wisp"] else "molecule"
    head = f"{kind} {info['id']}  {info['formula']}  state: {info['state']}"
    if info.get("on"):
        head += f"  on: {info['on']}"
    rows = [head, f"  dir: {info['dir']}"]
    width = max([len(s["step_id"]) for s in info["steps"]] + [4])
    for s in info["steps"]:
        extra = []
        if s.get("exit_code") is not None:
            extra.append(f"exit {s['exit_code']}")
        if s.get("duration_ms") is not None:
            extra.append(f"{s['duration_ms'] / 1000:.2f}s")
        if (s.get("attempts") or 1) > 1:
            extra.append(f"{s['attempts']} attempts")
        if s.get("failure"):
            extra.append(s["failure"].get("reason", "failed"))
            extra.append(f"log {s['failure'].get('log')}")
        if s.get("due"):
            extra.append(f"opens {s['due']}")
        if s.get("note"):
            extra.append(f"note: {s['note']}")
        rows.append(f"  {s['id']:<{len(info['id']) + 4}} {s['step_id']:<{width}}  "
                    f"{s['state']:<10} {s['kind']:<5} {', '.join(extra)}")
    return "\n".join(rows)


def status(*, molecule: str, json: bool) -> int:
    from gastown.molecules import ops

    info = ops.status(ops.load(find_town(), molecule))
    if json:
        print_json(info)
    else:
        _out(format_status(info))
    return 0


def list_(*, all: bool, json: bool) -> int:
    from gastown.molecules import ops

    rows = ops.list_molecules(find_town(), include_closed=all)
    if json:
        print_json(rows)
    elif not rows:
        _out("no molecules" + ("" if all else " in progress (--all shows finished ones)"))
    else:
        for r in rows:
            kind = "wisp" if r["wisp"] else ("digest" if r["digest"] else "mol")
            on = f"  on {r['on']}" if r.get("on") else ""
            _out(f"{r['id']:<16} {kind:<6} {r['formula'] or '?':<16} {r['state']:<8} "
                 f"{r['steps']:>3} steps{on}")
    return 0


def step_done(*, step: str, note: str | None, force: bool, json: bool) -> int:
    from gastown.molecules import ops

    town = find_town()
    mol, bead = ops.step_done(town, _on_my_hook(town, step), note=note, force=force)
    if json:
        print_json({"step": bead, "molecule": ops.status(mol)})
    else:
        _out(f"Closed {bead['id']} ({bead['step_id']}); molecule {mol.id} is {mol.state()}")
    return 0


def _hooked_molecule(town: Any) -> str:
    """The molecule on your hook (this session's agent's)."""
    from gastown.agents import work
    from gastown.errors import UsageError

    info = work.hook(town)
    if not info["molecule"]:
        raise UsageError(f"{info['agent']} has no molecule on its hook; name one: "
                         "gt mol run MOLECULE")
    return str(info["molecule"])


def _on_my_hook(town: Any, step: str) -> str:
    """A bare STEP_ID (`implement`) names that step of the molecule on your hook."""
    from gastown.errors import GastownError
    from gastown.molecules import ops

    if ":" in step or "." in step:
        return step
    try:
        molecule = _hooked_molecule(town)
        steps = ops.load(town, molecule).steps
    except GastownError:  # no agent here, or nothing hooked: the name stays as given
        return step
    return f"{molecule}:{step}" if any(s["step_id"] == step for s in steps) else step


def step_retry(*, step: str, json: bool) -> int:
    from gastown.molecules import ops

    mol, bead = ops.step_retry(find_town(), step)
    if json:
        print_json({"step": bead, "molecule": ops.status(mol)})
    else:
        _out(f"Reopened {bead['id']} ({bead['step_id']}); resume with: gt mol run {mol.id}")
    return 0


def burn(*, molecule: str, reason: str | None, json: bool) -> int:
    from gastown.molecules import ops

    mol = ops.burn(find_town(), molecule, reason=reason)
    if json:
        print_json(_molecule_json(mol))
    else:
        _out(f"Burned {'wisp' if mol.wisp else 'molecule'} {mol.id}")
    return 0


def run(*, molecule: str | None, jobs: str, gate_wait: str, quiet: bool, json: bool) -> int:
    from dataclasses import asdict

    from gastown.cli.numbers import seconds, whole
    from gastown.molecules import runtime

    n, wait = whole(jobs, "--jobs", least=1), seconds(gate_wait, "--gate-wait")
    report = None if (quiet or json) else _out
    town = find_town()
    result = runtime.run(town, molecule or _hooked_molecule(town), jobs=n, gate_wait=wait,
                         report=report)
    if json:
        print_json(asdict(result))
    return result.exit_code


VARS = Arg("var", ("--var",), "NAME=VALUE for a formula var (repeat for more)", "list")
RIG = Arg("rig", ("--rig",), "also look for formulas in rigs/RIG/formulas")
POUR_ARGS = (
    Arg("formula", (), "formula name (or path to a .formula.toml)", "pos"),
    VARS,
    Arg("on", ("--on",), "the work bead this molecule works through (recorded on both)"),
    Arg("directory", ("--dir",), "working directory of run steps (default: here)"),
    RIG, JSON)

COMMANDS: tuple[Command, ...] = (
    Command("pour", "Cook a formula into a molecule in the ledger (one commit)",
            H + "pour", POUR_ARGS),
    Command("wisp", "Cook a formula into an ephemeral wisp (.gastown/wisps, never committed)",
            H + "wisp", POUR_ARGS),
    Command("squash", "Turn a finished wisp into one committed digest bead; remove the wisp",
            H + "squash", (
                Arg("wisp", (), "the wisp id", "pos"),
                Arg("force", ("--force",), "squash even if it is not finished", "flag", False),
                JSON)),
    Command("status", "A molecule's steps and state (ready, running, done, failed, waiting)",
            H + "status", (Arg("molecule", (), "molecule, wisp, step, or a bead it is on",
                               "pos"), JSON)),
    Command("list", "Molecules and wisps in progress (--all: finished ones and digests too)",
            H + "list_", (Arg("all", ("--all",), "include closed molecules and digests",
                              "flag", False), JSON)),
    Command("step.done", "Close a step: agent steps, human gates, timer gates that are due",
            H + "step_done", (
                Arg("step", (), "step bead id, MOLECULE:STEP_ID, or a STEP_ID of the molecule on "
                    "your hook", "pos"),
                Arg("note", ("--note",), "what was done / who approved"),
                Arg("force", ("--force",), "close even if its needs or timer are not done",
                    "flag", False),
                JSON)),
    Command("step.retry", "Reopen a failed step so `gt mol run` runs it again",
            H + "step_retry", (Arg("step", (), "step bead id (or MOLECULE:STEP_ID)", "pos"),
                               JSON)),
    Command("burn", "Abandon a molecule: close its root and open steps (one commit); "
                    "a wisp is deleted",
            H + "burn", (Arg("molecule", (), "molecule or wisp id", "pos"),
                         Arg("reason", ("--reason",), "why"), JSON)),
    Command("run", "Run a molecule's shell steps in the foreground (exit 0 done, 1 failed, "
                   "4 waiting on a gate or agent)",
            H + "run", (
                Arg("molecule", (), "molecule or wisp id (default: the one on your hook)",
                    "pos?"),
                Arg("jobs", ("-j", "--jobs"), "independent steps run in parallel, at most N",
                    "str", "2"),
                Arg("gate_wait", ("--gate-wait",),
                    "wait for a timer gate opening within this many seconds", "str", "60"),
                Arg("quiet", ("-q", "--quiet"), "print nothing but errors", "flag", False),
                JSON)),
)
