"""Composition: `extends` (inherit steps and vars) and `[[compose.expand]]` (a step
becomes another formula's steps).

Order for one file: its parents, left to right (a later parent's step replaces an
earlier one of the same id, in place), then its own vars and steps (a step with a
parent's id replaces it in place; new ones are appended), then its expansions in
the order written. Each formula used is composed (and checked) on its own first, so
every problem points at the file that has it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from gastown.formulas.checks import check_composed
from gastown.formulas.errors import Problem
from gastown.formulas.model import Loc, Origin, Step, Var
from gastown.formulas.parse import parse_formula
from gastown.formulas.resolve import find_formula
from gastown.formulas.splice import splice


@dataclass
class Composed:
    """A formula with its extends and expansions applied (overlays not yet)."""

    name: str
    description: str
    version: int | str | None
    type: str
    path: Path
    vars: dict[str, Var] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)


class Composer:
    """Composes formulas found in `dirs`, collecting every problem in `problems`.

    `pinned` maps names to files that take precedence over `dirs` (the file being
    validated resolves to itself, wherever it is).
    """

    def __init__(self, dirs: list[tuple[Path, Origin]],
                 pinned: dict[str, Path] | None = None) -> None:
        self.dirs = dirs
        self.pinned = dict(pinned or {})
        self.problems: list[Problem] = []
        self._done: dict[Path, Composed | None] = {}

    def resolve(self, name: str) -> Path | None:
        if name in self.pinned:
            return self.pinned[name]
        found = find_formula(name, self.dirs)
        return found[0] if found else None

    def compose(self, path: Path, chain: tuple[tuple[str, Path], ...] = ()) -> Composed | None:
        """The composed formula in `path`, or None if it cannot even be parsed."""
        path = Path(path)
        key = path.resolve()
        if key in self._done:
            return self._done[key]
        parsed = parse_formula(path)
        self.problems.extend(parsed.problems)
        if not parsed.ok:
            self._done[key] = None
            return None
        name = parsed.name or path.name
        chain = chain + ((name, key),)
        result = Composed(name=name, description=parsed.description, version=parsed.version,
                          type=parsed.type, path=path)

        for parent_name, loc in parsed.extends:
            parent = self._component(parent_name, loc, chain, "extends")
            if parent is None:
                continue
            _merge_vars(result.vars, parent.vars)
            result.steps = _overlay_steps(result.steps, parent.steps)
        _merge_vars(result.vars, parsed.vars)
        result.steps = _overlay_steps(result.steps, parsed.steps)

        expanded: set[str] = set()
        for ex in parsed.expands:
            target = next((s for s in result.steps if s.id == ex.target), None)
            if target is None:
                self._add(ex.target_loc, f"expand target '{ex.target}' names no step"
                          + (" (it was already expanded)" if ex.target in expanded else ""))
                continue
            if target.for_each:
                self._add(ex.target_loc, f"expand target '{ex.target}' is a for_each step, "
                                         "which cannot be expanded")
                continue
            sub = self._component(ex.with_, ex.with_loc, chain, "expand")
            if sub is None:
                continue
            group = [_prefixed(s, ex.target) for s in sub.steps]
            clash = {s.id for s in group} & {s.id for s in result.steps if s.id != ex.target}
            if clash:
                self._add(ex.target_loc, f"expanding '{ex.target}' with '{ex.with_}' makes step "
                                         f"ids that already exist: {', '.join(sorted(clash))}")
                continue
            result.steps = splice(result.steps, ex.target, group)
            expanded.add(ex.target)
            for vname, var in sub.vars.items():
                result.vars.setdefault(vname, var)

        self.problems.extend(check_composed(str(path), result.steps, result.vars))
        if not result.steps and parsed.type == "workflow":
            self._add((str(path), 1), "formula has no steps")
        self._done[key] = result
        return result

    def _component(self, name: str, loc: Loc, chain: tuple[tuple[str, Path], ...],
                   how: str) -> Composed | None:
        """Another formula this one uses (as a parent or an expansion)."""
        path = self.resolve(name)
        if path is None:
            self._add(loc, f"{how} names unknown formula '{name}'")
            return None
        key = path.resolve()
        if any(k == key for _, k in chain):
            start = next(i for i, (_, k) in enumerate(chain) if k == key)
            names = [n for n, _ in chain[start:]] + [name]
            self._add(loc, f"{how} cycle: {' -> '.join(names)}")
            return None
        return self.compose(path, chain)

    def _add(self, loc: Loc, reason: str) -> None:
        self.problems.append(Problem(loc[0], loc[1], reason))


def _merge_vars(into: dict[str, Var], new: dict[str, Var]) -> None:
    into.update(new)


def _overlay_steps(base: list[Step], new: list[Step]) -> list[Step]:
    """`base` with each step of `new` replacing the one of the same id, else appended."""
    out = list(base)
    position = {s.id: i for i, s in enumerate(out)}
    for s in new:
        if s.id in position:
            out[position[s.id]] = s
        else:
            position[s.id] = len(out)
            out.append(s)
    return out


def _prefixed(step: Step, prefix: str) -> Step:
    return dataclasses.replace(step, id=f"{prefix}.{step.id}",
                               needs=tuple(f"{prefix}.{n}" for n in step.needs))
