"""Checks that need a whole composed formula: needs, cycles, placeholders, for_each.

Each check looks only at fields written in `path` (a step's `where` says where each
field came from), so a problem is reported once, against the file that has it, even
when that file is later composed into others.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from gastown.formulas.dag import find_cycles
from gastown.formulas.errors import Problem
from gastown.formulas.model import Step, Var

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
ITEM = "item"
TEXT_FIELDS = ("title", "description", "acceptance")
COMMAND_FIELDS = ("run", "acceptance_run")


def placeholders(text: str | None) -> list[str]:
    """Names used as `{{name}}` in `text`, in order of appearance, without repeats."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def check_composed(path: str, steps: Sequence[Step], vars: Mapping[str, Var]) -> list[Problem]:
    """Problems in fields written in `path`, judged against the composed steps and vars."""
    problems: list[Problem] = []
    ids = {s.id for s in steps}

    def mine(step: Step, field: str) -> bool:
        return field in step.where and step.where[field][0] == path

    def add(step: Step, field: str, reason: str) -> None:
        p, line = step.loc(field)
        problems.append(Problem(p, line, reason))

    for step in steps:
        if mine(step, "needs"):
            for need in step.needs:
                if need not in ids:
                    add(step, "needs", f"step '{step.id}' needs '{need}', which names no step")
        for field in TEXT_FIELDS:
            if not mine(step, field):
                continue
            for name in placeholders(getattr(step, field)):
                if name == ITEM:
                    if not step.for_each:
                        add(step, field, f"step '{step.id}' {field} uses {{{{item}}}}, which "
                                         "only for_each steps have")
                elif name not in vars:
                    add(step, field, f"step '{step.id}' {field} uses {{{{{name}}}}}, which is "
                                     "not a declared var")
        for field in COMMAND_FIELDS:
            if not mine(step, field):
                continue
            for name in placeholders(getattr(step, field)):
                env = "GT_ITEM" if name == ITEM else "GT_VAR_" + name.upper().replace("-", "_")
                add(step, field, f"step '{step.id}' {field} uses {{{{{name}}}}}, but commands "
                                 f"are never substituted: read ${env} instead")
        if step.for_each is not None and mine(step, "for_each"):
            var = vars.get(step.for_each)
            if var is None:
                add(step, "for_each", f"step '{step.id}' for_each names '{step.for_each}', "
                                      "which is not a declared var")
            elif not var.is_list:
                add(step, "for_each", f"step '{step.id}' for_each var '{step.for_each}' needs a "
                                      "list default, e.g. default = [\"a\", \"b\"]")

    by_id = {s.id: s for s in steps}
    order = [s.id for s in steps]
    for cycle in find_cycles(order, {s.id: s.needs for s in steps}):
        members = cycle[:-1]
        culprit = next((by_id[m] for m in members if mine(by_id[m], "needs")), None)
        if culprit is not None:
            add(culprit, "needs", "needs form a cycle: " + " -> ".join(cycle)
                + " (each needs the next)")
    return problems
