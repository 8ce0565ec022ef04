"""Replacing one step of a DAG by a group of steps, keeping the graph's meaning.

Used by compose.expand (a step becomes a sub-workflow), overlay skip (a step becomes
nothing) and for_each (a step becomes its copies).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from gastown.formulas.model import Step


def splice(steps: Sequence[Step], target_id: str, group: Sequence[Step]) -> list[Step]:
    """`steps` with `target_id` replaced, in place, by `group`.

    The group's roots (steps needing nothing inside the group) also need what the target
    needed; steps that needed the target need the group's leaves (steps nothing in the
    group needs) instead, or, for an empty group, what the target needed.
    """
    target = next(s for s in steps if s.id == target_id)
    inside = {s.id for s in group}
    needed_inside = {n for s in group for n in s.needs if n in inside}
    leaves = tuple(s.id for s in group if s.id not in needed_inside)
    instead = leaves if group else target.needs

    placed: list[Step] = []
    for s in group:
        if not any(n in inside for n in s.needs) and target.needs:
            where = dict(s.where)
            if "needs" in target.where:
                where["needs"] = target.where["needs"]
            s = dataclasses.replace(s, needs=_unique(target.needs + s.needs), where=where)
        placed.append(s)

    out: list[Step] = []
    for s in steps:
        if s.id == target_id:
            out.extend(placed)
            continue
        if target_id in s.needs:
            needs: list[str] = []
            for n in s.needs:
                needs.extend(instead if n == target_id else (n,))
            s = dataclasses.replace(s, needs=_unique(tuple(needs)))
        out.append(s)
    return out


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
