"""The parsed shape of a formula: vars, steps, gates, and where each came from."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

# A place in a file: (path, 1-based line or None).
Loc = tuple[str, int | None]

VarValue = str | tuple[str, ...]
Origin = Literal["town", "rig", "builtin", "path"]

GATE_TYPES = ("human", "timer")
FORMULA_TYPES = ("workflow", "expansion")


@dataclass(frozen=True)
class Var:
    """A declared variable. A var whose default is a list (tuple) is a list var."""

    name: str
    description: str = ""
    required: bool = False
    default: VarValue | None = None
    loc: Loc = ("", None)

    @property
    def is_list(self) -> bool:
        return isinstance(self.default, tuple)

    def env_name(self) -> str:
        """The environment variable a run command reads this var from."""
        return env_name(self.name)


def env_name(var: str) -> str:
    return "GT_VAR_" + var.upper().replace("-", "_")


@dataclass(frozen=True)
class Gate:
    """What a step waits for. `human`: a person approves. `timer`: a moment passes.

    A timer gives exactly one of `after_seconds` (counted from when the step becomes
    ready) or `at` (an RFC 3339 / ISO 8601 timestamp string).
    """

    type: str
    after_seconds: int | None = None
    at: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"type": self.type}
        if self.after_seconds is not None:
            out["after_seconds"] = self.after_seconds
        if self.at is not None:
            out["at"] = self.at
        return out


STEP_FIELDS = (
    "id", "title", "description", "needs", "run", "acceptance", "acceptance_run",
    "timeout", "retries", "gate", "for_each",
)


@dataclass(frozen=True)
class Step:
    """One step of a formula, before cooking (placeholders and for_each still in place).

    `where` maps a field name (as written in TOML, e.g. "timeout") to the file and line
    it came from; the key "" is the step's own `[[steps]]` header. Composition keeps
    these, so a problem found later still points at the file that has the mistake.
    """

    id: str
    title: str = ""  # empty: cooking uses the (copy's) id
    description: str = ""
    needs: tuple[str, ...] = ()
    run: str | None = None
    acceptance: str | None = None
    acceptance_run: str | None = None
    timeout_seconds: int | None = None
    retries: int = 0
    gate: Gate | None = None
    for_each: str | None = None
    where: Mapping[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    def loc(self, field_name: str = "") -> Loc:
        """Where `field_name` was written, else where the step was declared."""
        return self.where.get(field_name) or self.where.get("") or ("", None)


@dataclass(frozen=True)
class Formula:
    """A resolved, composed, overlaid and validated formula, ready for `cook`."""

    name: str
    description: str
    version: int | str | None
    type: str
    vars: Mapping[str, Var]
    steps: tuple[Step, ...]
    path: Path
    origin: Origin = "path"
    overlay: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "vars", MappingProxyType(dict(self.vars)))

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


@dataclass(frozen=True)
class FormulaInfo:
    """One entry of `list_formulas`: the formula a name resolves to."""

    name: str
    description: str
    path: Path
    origin: Origin
    type: str = "workflow"
    overlay: Path | None = None
    shadows: tuple[Path, ...] = ()
