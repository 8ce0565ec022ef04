"""Where formulas live and which file a name resolves to.

A name is looked up, in order, in `<town>/formulas/`, `<rig_dir>/formulas/` and the
built-in folder; the first `<name>.formula.toml` found wins, so a town formula shadows
a built-in one of the same name. `<town>/formulas/<name>.toml` (no `.formula`) is an
overlay applied on top of whichever `<name>` was found.
"""
from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import gastown
from gastown.formulas.model import FormulaInfo, Origin
from gastown.formulas.parse import FORMULA_SUFFIX, formula_name_of

FORMULAS_DIRNAME = "formulas"


def builtin_dir() -> Path:
    """The folder of built-in formulas, in a source checkout or an installed wheel.

    Looked for, in order: `gastown/data/formulas` inside the package (where a wheel
    build can put them), the repository's top-level `formulas/` next to the package
    (a checkout or editable install: recognised by its pyproject.toml), and
    `<sys.prefix>/share/gastown/formulas` (a wheel's data-files). When none exists the
    checkout path is returned, so messages name a sensible place.
    """
    package = Path(gastown.__file__).resolve().parent
    checkout = package.parent / FORMULAS_DIRNAME
    candidates = [package / "data" / FORMULAS_DIRNAME]
    if (package.parent / "pyproject.toml").is_file():
        candidates.append(checkout)
    candidates.append(Path(sys.prefix) / "share" / "gastown" / FORMULAS_DIRNAME)
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*" + FORMULA_SUFFIX)):
            return candidate
    return checkout


def town_root(town: object) -> Path:
    """A town's folder, given as a path or as anything with a `root` (a `Town`)."""
    if isinstance(town, (str, os.PathLike)):
        return Path(town)
    return Path(town.root)  # type: ignore[attr-defined]


def search_dirs(town: Path | None = None, rig_dir: Path | None = None
                ) -> list[tuple[Path, Origin]]:
    """The folders a name is looked up in, first match wins.

    `town` is the town's root (a `Town` works too); `rig_dir` is the rig's root. Their
    formulas live in `<town>/formulas` and `<rig_dir>/formulas`.
    """
    dirs: list[tuple[Path, Origin]] = []
    if town is not None:
        dirs.append((town_root(town) / FORMULAS_DIRNAME, "town"))
    if rig_dir is not None:
        dirs.append((Path(rig_dir) / FORMULAS_DIRNAME, "rig"))
    dirs.append((builtin_dir(), "builtin"))
    return dirs


def find_formula(name: str, dirs: list[tuple[Path, Origin]]) -> tuple[Path, Origin] | None:
    """The first `<dir>/<name>.formula.toml` that exists, with the origin of its folder."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    for directory, origin in dirs:
        candidate = directory / f"{name}{FORMULA_SUFFIX}"
        if candidate.is_file():
            return candidate, origin
    return None


def overlay_path(name: str, town: Path | None) -> Path | None:
    """The town's overlay for formula `name`, if it has one."""
    if town is None:
        return None
    candidate = town_root(town) / FORMULAS_DIRNAME / f"{name}.toml"
    return candidate if candidate.is_file() else None


def list_formulas(town: Path | None = None, rig_dir: Path | None = None) -> list[FormulaInfo]:
    """Every formula name that resolves, with the file it resolves to, sorted by name.

    Cheap: reads only `description` and `type` from each file (no validation; a file
    that does not parse is still listed, with an empty description).
    """
    found: dict[str, FormulaInfo] = {}
    shadowed: dict[str, list[Path]] = {}
    for directory, origin in search_dirs(town, rig_dir):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*" + FORMULA_SUFFIX)):
            name = formula_name_of(path)
            if name in found:
                shadowed.setdefault(name, []).append(path)
                continue
            description, ftype = _summary(path)
            found[name] = FormulaInfo(name=name, description=description, path=path,
                                      origin=origin, type=ftype,
                                      overlay=overlay_path(name, town))
    out = []
    for name in sorted(found):
        info = found[name]
        if name in shadowed:
            info = FormulaInfo(**{**info.__dict__, "shadows": tuple(shadowed[name])})
        out.append(info)
    return out


def _summary(path: Path) -> tuple[str, str]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return "", "workflow"
    description = data.get("description")
    ftype = data.get("type")
    text = description.strip() if isinstance(description, str) else ""
    return text, ftype if isinstance(ftype, str) else "workflow"
