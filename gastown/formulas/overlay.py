"""Town overlays: `<town>/formulas/<name>.toml` adjusts formula `<name>` for one town.

Schema (every key optional)::

    formula = "polecat-work"      # if given, must be the file's name
    skip = ["lint", "docs"]       # remove steps; their dependents inherit their needs

    [vars]                        # patch vars field by field; `x = "v"` sets a default
    base = "develop"
    [vars.reviewer]
    required = true

    [[replace]]                   # change fields of an existing step (found by id);
    id = "test"                   # fields not written here keep their values
    timeout = "30m"

    [[append]]                    # add new steps (full step tables) after all others
    id = "notify"
    needs = ["submit"]
    run = "echo done"

Applied to the composed formula, in this order: vars, replace, append, skip.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gastown.formulas.checks import check_composed
from gastown.formulas.compose import Composed
from gastown.formulas.errors import Problem, problem
from gastown.formulas.model import Loc, Step, Var
from gastown.formulas.parse import FileReader, _steps, formula_name_of, read_toml, unknown_key
from gastown.formulas.splice import splice

OVERLAY_KEYS = ("formula", "skip", "vars", "replace", "append")


@dataclass
class Replace:
    id: str
    fields: dict[str, Any]
    where: dict[str, Loc]


@dataclass
class VarPatch:
    name: str
    fields: dict[str, Any]
    loc: Loc


@dataclass
class Overlay:
    path: Path
    name: str
    vars: list[VarPatch] = field(default_factory=list)
    replace: list[Replace] = field(default_factory=list)
    append: list[Step] = field(default_factory=list)
    skip: list[tuple[str, Loc]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ok: bool = True


def parse_overlay(path: Path) -> Overlay:
    """Read an overlay file, collecting every problem with its line; never raises."""
    overlay = Overlay(path=path, name=formula_name_of(path))
    data, lines, problems = read_toml(path)
    if data is None or lines is None:
        overlay.problems = problems
        overlay.ok = False
        return overlay
    r = FileReader(path, lines)
    for key in data:
        if key not in OVERLAY_KEYS:
            hint = ""
            if key == "steps":
                hint = " (an overlay changes steps with [[replace]], [[append]] and skip; " \
                       f"a whole formula belongs in {overlay.name}.formula.toml)"
            r.add((key,), f"unknown key '{key}' in overlay{hint}" if hint
                  else unknown_key(key, OVERLAY_KEYS, "in overlay"))
    name = data.get("formula")
    if name is not None and name != overlay.name:
        r.add(("formula",), f"overlay names formula {name!r} but its file name says "
                            f"'{overlay.name}'")

    if "skip" in data:
        overlay.skip = r.string_list(data, "skip", (), "overlay")

    for vname, (fields, loc, _) in r.vars_table(data, ("vars",)).items():
        overlay.vars.append(VarPatch(vname, fields, loc))

    raw = data.get("replace")
    if raw is not None:
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            r.add(("replace",), "'replace' must be an array of tables ([[replace]])")
        else:
            seen: set[str] = set()
            for i, table in enumerate(raw):
                fields, where = r.step_fields(table, ("replace", i), what="[[replace]]")
                if "id" not in table:
                    r.add(("replace", i), f"[[replace]] #{i + 1} is missing 'id' "
                                          "(the step to replace)")
                    continue
                if "id" not in fields:
                    continue
                sid = fields.pop("id")
                if sid in seen:
                    r.add(("replace", i, "id"), f"step '{sid}' is replaced twice")
                    continue
                seen.add(sid)
                overlay.replace.append(Replace(sid, fields, where))

    overlay.append = _steps(r, data.get("append"), ("append",), "[[append]]")
    overlay.problems = r.problems
    return overlay


def apply_overlay(base: Composed, overlay: Overlay) -> list[Problem]:
    """Apply `overlay` to `base` in place; return the problems found (with lines)."""
    problems: list[Problem] = []

    def add(loc: Loc, reason: str) -> None:
        problems.append(Problem(loc[0], loc[1], reason))

    for patch in overlay.vars:
        current = base.vars.get(patch.name)
        if current is None:
            base.vars[patch.name] = Var(name=patch.name, loc=patch.loc, **patch.fields)
        else:
            base.vars[patch.name] = dataclasses.replace(current, **patch.fields)

    for rep in overlay.replace:
        index = next((i for i, s in enumerate(base.steps) if s.id == rep.id), None)
        if index is None:
            add(rep.where["id"], f"[[replace]] names no step '{rep.id}'")
            continue
        step = base.steps[index]
        where = {**step.where, **{k: v for k, v in rep.where.items() if k not in ("", "id")}}
        base.steps[index] = dataclasses.replace(step, where=where, **rep.fields)

    existing = {s.id for s in base.steps}
    for step in overlay.append:
        if step.id in existing:
            add(step.loc("id"), f"[[append]] step '{step.id}' already exists "
                                "(use [[replace]] to change it)")
            continue
        existing.add(step.id)
        base.steps.append(step)

    for sid, loc in overlay.skip:
        if sid not in existing:
            add(loc, f"skip names no step '{sid}'")
            continue
        existing.discard(sid)
        base.steps = splice(base.steps, sid, [])

    problems.extend(check_composed(str(overlay.path), base.steps, base.vars))
    if not base.steps:
        problems.append(problem(overlay.path, 1, "overlay leaves the formula with no steps"))
    return problems
