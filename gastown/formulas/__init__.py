"""Formulas: TOML workflow templates, and cooking them into protomolecules.

    load(name_or_path, town=..., rig_dir=...) -> Formula    resolve, compose, overlay, check
    validate_file(path, search=...) -> list[Problem]       every mistake, with its line
    list_formulas(town, rig_dir) -> list[FormulaInfo]      what names resolve to
    cook(formula, vars) -> Protomolecule                   concrete steps in DAG order
    ready_steps(steps, closed_ids) -> list[str]            which steps can start

The file format is described in `formulas/README.md` at the top of the repository.
"""
from __future__ import annotations

from gastown.formulas.cook import cook, copy_ids, resolve_vars
from gastown.formulas.dag import find_cycles, ready_steps, topo_order
from gastown.formulas.errors import FormulaError, Problem
from gastown.formulas.loader import load, validate_file
from gastown.formulas.model import Formula, FormulaInfo, Gate, Step, Var
from gastown.formulas.protomolecule import CookedStep, Protomolecule
from gastown.formulas.resolve import builtin_dir, list_formulas, search_dirs

__all__ = [
    "CookedStep", "Formula", "FormulaError", "FormulaInfo", "Gate", "Problem", "Protomolecule",
    "Step", "Var", "builtin_dir", "cook", "copy_ids", "find_cycles", "list_formulas", "load",
    "ready_steps", "resolve_vars", "search_dirs", "topo_order", "validate_file",
]
