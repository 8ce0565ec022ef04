"""Loading and validating: resolve a name, parse, compose, overlay, check.

`load` raises one FormulaError listing every problem; `validate_file` returns them.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from gastown.formulas.compose import Composed, Composer
from gastown.formulas.errors import FormulaError, Problem, problem, tidy
from gastown.formulas.model import Formula, Origin
from gastown.formulas.overlay import apply_overlay, parse_overlay
from gastown.formulas.parse import FORMULA_SUFFIX, formula_name_of
from gastown.formulas.resolve import builtin_dir, find_formula, overlay_path, search_dirs


def is_overlay_file(path: Path) -> bool:
    """`x.toml` is an overlay; `x.formula.toml` is a formula."""
    return path.name.endswith(".toml") and not path.name.endswith(FORMULA_SUFFIX)


def _looks_like_path(name_or_path: str | os.PathLike[str]) -> bool:
    if isinstance(name_or_path, os.PathLike):
        return True
    return "/" in name_or_path or os.sep in name_or_path or name_or_path.endswith(".toml")


def load(name_or_path: str | os.PathLike[str], *, town: Path | None = None,
         rig_dir: Path | None = None) -> Formula:
    """The formula named (or the file given), composed, overlaid and validated.

    A name is resolved in `<town>/formulas`, then `<rig_dir>/formulas`, then the
    built-ins, and the town's overlay `<town>/formulas/<name>.toml` is applied if there
    is one. A path loads that file (its folder is searched first for the formulas it
    uses); a path to an overlay file loads the formula it overlays, with it applied.
    Raises FormulaError (carrying every problem) if anything is wrong.
    """
    dirs = search_dirs(town, rig_dir)
    overlay: Path | None
    if _looks_like_path(name_or_path):
        path = Path(name_or_path)
        if not path.is_file():
            raise FormulaError(path, None, "no such file")
        if is_overlay_file(path):
            overlay = path
            name = formula_name_of(path)
            found = find_formula(name, [(path.parent, "path"), *dirs])
            if found is None:
                raise FormulaError(path, 1, f"overlay for unknown formula '{name}'")
            path, origin = found
        else:
            name, origin, overlay = formula_name_of(path), "path", None
        dirs = [(path.parent, "path"), *dirs]
    else:
        name = str(name_or_path)
        found = find_formula(name, dirs)
        if found is None:
            looked = ", ".join(str(d) for d, _ in dirs)
            raise FormulaError(name, None, f"no formula named '{name}' (looked in: {looked})")
        path, origin = found
        overlay = overlay_path(name, town)

    composer = Composer(dirs, pinned={name: path})
    composed = composer.compose(path)
    problems = list(composer.problems)
    if composed is not None and overlay is not None:
        problems.extend(_apply_overlay_file(composed, overlay))
    if problems or composed is None:
        raise FormulaError.of(problems or [problem(path, None, "could not be loaded")])
    return Formula(name=composed.name, description=composed.description,
                   version=composed.version, type=composed.type, vars=composed.vars,
                   steps=tuple(composed.steps), path=path, origin=origin, overlay=overlay)


def _apply_overlay_file(composed: Composed, path: Path) -> list[Problem]:
    parsed = parse_overlay(path)
    if not parsed.ok:
        return parsed.problems
    return parsed.problems + apply_overlay(composed, parsed)


def validate_file(path: Path, *, search: list[Path] | None = None) -> list[Problem]:
    """Every problem in one formula or overlay file, sorted by file and line.

    Formulas it uses are looked up in `search` (default: the file's own folder, then
    the built-ins); problems found in them are included too, naming their files. An
    overlay (`x.toml`) is checked by applying it to formula `x` from those folders.
    Never raises for a bad file.
    """
    path = Path(path)
    dirs: list[tuple[Path, Origin]] = (
        [(Path(d), "path") for d in search] if search is not None
        else [(path.parent, "path"), (builtin_dir(), "builtin")]
    )
    name = formula_name_of(path)
    if not is_overlay_file(path):
        composer = Composer(dirs, pinned={name: path})
        composer.compose(path)
        return tidy(composer.problems)
    parsed = parse_overlay(path)
    problems = list(parsed.problems)
    if parsed.ok:
        found = find_formula(name, dirs)
        if found is None:
            problems.append(problem(path, 1, f"overlay for unknown formula '{name}'"))
        else:
            composer = Composer(dirs)
            composed = composer.compose(found[0])
            problems.extend(composer.problems)
            if composed is not None:
                copy = dataclasses.replace(composed, vars=dict(composed.vars),
                                           steps=list(composed.steps))
                problems.extend(apply_overlay(copy, parsed))
    return tidy(problems)
