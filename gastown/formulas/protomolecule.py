"""The cooked form of a formula: concrete steps, ready to become beads."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from gastown.formulas.dag import ready_steps
from gastown.formulas.model import Gate


@dataclass(frozen=True)
class CookedStep:
    """One concrete step.

    `title`, `description` and `acceptance` have their `{{var}}`s substituted; `run` and
    `acceptance_run` are exactly as written: whoever runs them must add `env` (the vars
    as `GT_VAR_<NAME>`, and `GT_ITEM` for a for_each copy) to their environment. A run
    step is done when `run` exits 0 and, if given, `acceptance_run` then exits 0.
    """

    id: str
    title: str
    description: str = ""
    needs: tuple[str, ...] = ()
    run: str | None = None
    acceptance: str | None = None
    acceptance_run: str | None = None
    timeout_seconds: int | None = None
    retries: int = 0
    gate: Gate | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", tuple(self.needs))
        object.__setattr__(self, "env", MappingProxyType(dict(self.env)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "needs": list(self.needs),
            "run": self.run,
            "acceptance": self.acceptance,
            "acceptance_run": self.acceptance_run,
            "timeout_seconds": self.timeout_seconds,
            "retries": self.retries,
            "gate": self.gate.to_dict() if self.gate else None,
            "env": dict(self.env),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CookedStep:
        gate = data.get("gate")
        return cls(
            id=data["id"],
            title=data.get("title", data["id"]),
            description=data.get("description", ""),
            needs=tuple(data.get("needs", ())),
            run=data.get("run"),
            acceptance=data.get("acceptance"),
            acceptance_run=data.get("acceptance_run"),
            timeout_seconds=data.get("timeout_seconds"),
            retries=data.get("retries", 0),
            gate=Gate(gate["type"], gate.get("after_seconds"), gate.get("at")) if gate else None,
            env=data.get("env", {}),
        )


@dataclass(frozen=True)
class Protomolecule:
    """A cooked formula: steps in a deterministic topological order, unique ids, a DAG."""

    formula: str
    version: int | str | None
    vars: Mapping[str, str | tuple[str, ...]]
    steps: tuple[CookedStep, ...]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        frozen = {k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in self.vars.items()}
        object.__setattr__(self, "vars", MappingProxyType(frozen))

    def step(self, step_id: str) -> CookedStep:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def ready(self, closed_ids: Iterable[str]) -> list[str]:
        """Ids of steps not yet closed whose needs are all closed."""
        return ready_steps(self.steps, closed_ids)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `from_dict` reverses it."""
        return {
            "formula": self.formula,
            "version": self.version,
            "description": self.description,
            "vars": {k: list(v) if isinstance(v, tuple) else v for k, v in self.vars.items()},
            "steps": [s.to_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Protomolecule:
        return cls(
            formula=data["formula"],
            version=data.get("version"),
            description=data.get("description", ""),
            vars=data.get("vars", {}),
            steps=tuple(CookedStep.from_dict(s) for s in data.get("steps", ())),
        )
