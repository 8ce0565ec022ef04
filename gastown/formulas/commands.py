"""`gt formula ...`: list, show, cook, validate."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from gastown.cli.output import echo
from gastown.cli.spec import JSON, Arg, Command

H = "gastown.formulas.commands:"


def _json(value: Any) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()
                     + "\n")


def _out(text: str) -> None:
    echo(text)


def _maybe_town() -> Any:
    """The town we are in, or None: formulas work outside towns too (built-ins only)."""
    from gastown.errors import GastownError
    from gastown.town.paths import find_town

    try:
        return find_town()
    except GastownError:
        return None


def _rig_dir(town: Any, rig: str | None) -> Path | None:
    from gastown.molecules.ops import rig_dir

    return rig_dir(town, rig)


def list_(*, rig: str | None, json: bool) -> int:
    from gastown.formulas import list_formulas

    town = _maybe_town()
    infos = list_formulas(town.root if town else None, _rig_dir(town, rig))
    if json:
        _json([{"name": i.name, "description": i.description, "type": i.type,
                "origin": i.origin, "path": str(i.path),
                "overlay": str(i.overlay) if i.overlay else None,
                "shadows": [str(p) for p in i.shadows]} for i in infos])
        return 0
    if not infos:
        _out("no formulas found")
    width = max([len(i.name) for i in infos] + [4])
    for i in infos:
        first = i.description.strip().splitlines()[0] if i.description.strip() else ""
        tags = [i.origin] + (["expansion"] if i.type == "expansion" else []) \
            + (["overlaid"] if i.overlay else [])
        _out(f"{i.name:<{width}}  {'/'.join(tags):<18} {first}")
    return 0


def formula_dict(formula: Any) -> dict[str, Any]:
    """A loaded Formula as plain data (what `gt formula show --json` prints)."""

    def var(v: Any) -> dict[str, Any]:
        default = list(v.default) if isinstance(v.default, tuple) else v.default
        return {"description": v.description, "required": v.required, "default": default,
                "list": v.is_list}

    def step(s: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"id": s.id, "title": s.title or s.id}
        for key in ("description", "run", "acceptance", "acceptance_run", "for_each"):
            value = getattr(s, key)
            if value:
                out[key] = value
        if s.needs:
            out["needs"] = list(s.needs)
        if s.timeout_seconds is not None:
            out["timeout_seconds"] = s.timeout_seconds
        if s.retries:
            out["retries"] = s.retries
        if s.gate is not None:
            out["gate"] = s.gate.to_dict()
        return out

    return {"name": formula.name, "description": formula.description,
            "version": formula.version, "type": formula.type, "origin": formula.origin,
            "path": str(formula.path),
            "overlay": str(formula.overlay) if formula.overlay else None,
            "vars": {name: var(v) for name, v in formula.vars.items()},
            "steps": [step(s) for s in formula.steps]}


def show(*, name: str, rig: str | None, json: bool) -> int:
    from gastown.formulas import load

    town = _maybe_town()
    formula = load(name, town=town.root if town else None, rig_dir=_rig_dir(town, rig))
    data = formula_dict(formula)
    if json:
        _json(data)
        return 0
    _out(f"{data['name']} (v{data['version']}, {data['type']}, {data['origin']}: {data['path']})")
    if data["overlay"]:
        _out(f"overlay: {data['overlay']}")
    if data["description"].strip():
        _out("\n" + data["description"].strip())
    if data["vars"]:
        _out("\nvars:")
        for vname, v in data["vars"].items():
            default = "required" if v["required"] else f"default {v['default']!r}"
            _out(f"  {vname:<12} {default}  {v['description']}")
    _out("\nsteps:")
    for s in data["steps"]:
        kind = ("gate " + s["gate"]["type"]) if "gate" in s else ("run" if "run" in s
                                                                 else "agent")
        needs = f"  needs {', '.join(s['needs'])}" if s.get("needs") else ""
        each = f"  for each {s['for_each']}" if s.get("for_each") else ""
        _out(f"  {s['id']:<16} {kind:<11} {s['title']}{needs}{each}")
    return 0


def cook(*, name: str, var: list[str], rig: str | None, json: bool) -> int:
    from gastown.molecules.ops import cook as cook_formula

    proto = cook_formula(_maybe_town(), name, var, rig)
    _json(proto.to_dict())  # the protomolecule is JSON either way
    return 0


def validate(*, files: list[str], json: bool) -> int:
    from gastown.errors import UsageError
    from gastown.formulas import validate_file

    if not files:
        raise UsageError("name at least one formula file")
    report = []
    for name in files:
        path = Path(name)
        if not path.is_file():
            problems = [{"path": name, "line": None, "reason": "no such file"}]
        else:
            problems = [{"path": p.path, "line": p.line, "reason": p.reason}
                        for p in validate_file(path)]
        report.append({"file": name, "ok": not problems, "problems": problems})
    if json:
        _json(report)
    else:
        for entry in report:
            if entry["ok"]:
                _out(f"{entry['file']}: ok")
            for p in entry["problems"]:
                where = f"{p['path']}:{p['line']}" if p["line"] else p["path"]
                _out(f"{where}: {p['reason']}")
    return 0 if all(e["ok"] for e in report) else 1


RIG = Arg("rig", ("--rig",), "also look in rigs/RIG/formulas")

COMMANDS: tuple[Command, ...] = (
    Command("list", "Formulas by name, with where each comes from (town, rig, builtin)",
            H + "list_", (RIG, JSON)),
    Command("show", "A formula as resolved: vars and steps", H + "show", (
        Arg("name", (), "formula name or path", "pos"), RIG, JSON)),
    Command("cook", "Print the protomolecule JSON a formula cooks to", H + "cook", (
        Arg("name", (), "formula name or path", "pos"),
        Arg("var", ("--var",), "NAME=VALUE (repeat for more)", "list"), RIG, JSON)),
    Command("validate", "Check formula files: one `file:line: reason` per problem, exit 1 "
                        "if any", H + "validate", (
                            Arg("files", (), "formula or overlay files", "pos+"),
                            JSON)),
)
