"""Cooking: a validated Formula plus var values becomes a Protomolecule.

- Vars: the caller's values, else defaults; a required var without either, or a name
  the formula does not declare, is an error. A list var (one whose default is a list)
  takes a list, or a string of comma-separated items.
- for_each: a step with `for_each = "files"` is copied once per item of `files`. Copy ids
  are `<id>-<item-slug>` (slug: lowercase, runs of other characters as "-"), or
  `<id>-<n>` (1-based) for every copy when any slug would be empty, repeated, or longer
  than 40 characters. Each copy needs what the step needed; steps that needed the step
  need all copies (with no items, they need what it needed).
- `{{var}}` (and `{{item}}` in copies) is substituted in title, description and
  acceptance; a list var reads as its items joined by ", ". `run` and `acceptance_run`
  are never substituted: their steps carry `env` with `GT_VAR_<NAME>` (upper-cased, "-"
  as "_"; a list var is its items joined by newlines) and `GT_ITEM` for copies.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from gastown.formulas.checks import ITEM, PLACEHOLDER
from gastown.formulas.dag import find_cycles, topo_order
from gastown.formulas.errors import FormulaError, Problem
from gastown.formulas.model import Formula, Step, VarValue, env_name
from gastown.formulas.protomolecule import CookedStep, Protomolecule
from gastown.formulas.splice import splice

MAX_SLUG = 40
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

VarsIn = Mapping[str, "str | Sequence[str]"]


def resolve_vars(formula: Formula, given: VarsIn | None) -> dict[str, VarValue]:
    """Every declared var's value. Raises FormulaError listing every problem."""
    given = dict(given or {})
    path = str(formula.path)
    problems: list[Problem] = []
    for name in given:
        if name not in formula.vars:
            declared = ", ".join(sorted(formula.vars)) or "none"
            problems.append(Problem(path, None, f"unknown var '{name}' for formula "
                                                f"'{formula.name}' (declared: {declared})"))
    values: dict[str, VarValue] = {}
    for name, var in formula.vars.items():
        if name in given:
            value = given[name]
            if var.is_list:
                if isinstance(value, str):
                    values[name] = tuple(p.strip() for p in value.split(",") if p.strip())
                elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
                    values[name] = tuple(value)
                else:
                    problems.append(Problem(*var.loc, f"var '{name}' takes a list of strings, "
                                                      f"got {value!r}"))
            elif isinstance(value, str):
                values[name] = value
            else:
                problems.append(Problem(*var.loc, f"var '{name}' takes a single string, "
                                                  f"got {value!r}"))
        elif var.default is not None:
            values[name] = var.default
        elif var.required:
            problems.append(Problem(*var.loc, f"required var '{name}' was not given"))
        else:
            values[name] = ""
    if problems:
        raise FormulaError.of(problems)
    return values


def cook(formula: Formula, vars: VarsIn | None = None) -> Protomolecule:
    """Turn `formula` and var values into a Protomolecule (see the module docstring).

    Raises FormulaError for bad vars, and for a graph that is not a DAG (which only a
    Formula built by hand, not one from `load`, can have).
    """
    values = resolve_vars(formula, vars)
    steps, items = _expand_for_each(formula, list(formula.steps), values)

    cycles = find_cycles([s.id for s in steps], {s.id: s.needs for s in steps})
    if cycles:
        raise FormulaError.of(Problem(str(formula.path), None, "needs form a cycle: "
                                      + " -> ".join(c)) for c in cycles)
    known = {s.id for s in steps}
    dangling = [Problem(*s.loc("needs"), f"step '{s.id}' needs '{n}', which names no step")
                for s in steps for n in s.needs if n not in known]
    if dangling:
        raise FormulaError.of(dangling)

    base_env = {env_name(k): "\n".join(v) if isinstance(v, tuple) else v
                for k, v in values.items()}
    text = {k: ", ".join(v) if isinstance(v, tuple) else v for k, v in values.items()}
    by_id = {s.id: s for s in steps}
    order = topo_order([s.id for s in steps], {s.id: s.needs for s in steps})
    cooked = []
    for sid in order:
        s = by_id[sid]
        scope = dict(text)
        env = dict(base_env)
        if sid in items:
            scope[ITEM] = items[sid]
            env["GT_ITEM"] = items[sid]
        cooked.append(CookedStep(
            id=s.id,
            title=_substitute(s.title or s.id, scope),
            description=_substitute(s.description, scope),
            needs=s.needs,
            run=s.run,
            acceptance=_substitute(s.acceptance, scope) if s.acceptance is not None else None,
            acceptance_run=s.acceptance_run,
            timeout_seconds=s.timeout_seconds,
            retries=s.retries,
            gate=s.gate,
            env=env,
        ))
    return Protomolecule(formula=formula.name, version=formula.version, vars=values,
                         steps=tuple(cooked), description=formula.description)


def _substitute(text: str, scope: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: scope.get(m.group(1), m.group(0)), text)


def copy_ids(step_id: str, items: Sequence[str]) -> list[str]:
    """The ids of a for_each step's copies (see the module docstring)."""
    slugs = [_NOT_SLUG.sub("-", item.lower()).strip("-") for item in items]
    if all(slugs) and len(set(slugs)) == len(slugs) and all(len(s) <= MAX_SLUG for s in slugs):
        return [f"{step_id}-{slug}" for slug in slugs]
    return [f"{step_id}-{n}" for n in range(1, len(items) + 1)]


def _expand_for_each(formula: Formula, steps: list[Step], values: Mapping[str, VarValue]
                     ) -> tuple[list[Step], dict[str, str]]:
    """Steps with every for_each step replaced by its copies; and copy id -> item."""
    items: dict[str, str] = {}
    problems: list[Problem] = []
    for step in [s for s in steps if s.for_each]:
        value = values.get(step.for_each or "")
        if not isinstance(value, tuple):
            problems.append(Problem(*step.loc("for_each"), f"step '{step.id}' for_each var "
                                    f"'{step.for_each}' is not a list var"))
            continue
        ids = copy_ids(step.id, list(value))
        taken = {s.id for s in steps if s.id != step.id}
        clash = [i for i in ids if i in taken]
        if clash:
            problems.append(Problem(*step.loc("for_each"), f"step '{step.id}' for_each copies "
                                    f"would reuse existing step ids: {', '.join(clash)}"))
            continue
        copies = [dataclasses.replace(step, id=cid, needs=(), for_each=None) for cid in ids]
        items.update(zip(ids, value))
        steps = splice(steps, step.id, copies)
    if problems:
        raise FormulaError.of(problems)
    return steps, items
