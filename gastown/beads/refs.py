"""Where one bead names another: dependencies and the kinds' id-valued fields.

A reference is `(field, target)`: `("dependencies", id)` for a dependency's
`depends_on_id`, `("tracks", id)` for a convoy member, else the field's name.
`retarget` rewrites chosen references and nothing else (a dependency's `issue_id`,
the bead's own id, follows a renamed bead).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Bead = dict[str, Any]
Ref = tuple[str, str]

# molecule root -> its work bead, work bead -> its molecule, merge request -> its work
# bead, agent -> the bead on its hook
SCALAR_FIELDS = ("on", "molecule", "source_issue", "hook")
LIST_FIELDS = ("tracks",)


def references(bead: Bead) -> set[Ref]:
    """Every id this bead points at."""
    out: set[Ref] = set()
    for key in SCALAR_FIELDS:
        if isinstance(bead.get(key), str):
            out.add((key, bead[key]))
    for key in LIST_FIELDS:
        if isinstance(bead.get(key), list):
            out.update((key, v) for v in bead[key] if isinstance(v, str))
    deps = bead.get("dependencies")
    if isinstance(deps, list):
        out.update(("dependencies", d["depends_on_id"]) for d in deps
                   if isinstance(d, dict) and isinstance(d.get("depends_on_id"), str))
    return out


def retarget(bead: Bead, mapping: Mapping[str, str],
             chosen: Callable[[Ref], bool] = lambda ref: True) -> Bead | None:
    """The bead with each chosen reference to a key of `mapping` moved to its value;
    None if nothing moved."""
    def move(key: str, value: Any) -> Any:
        if isinstance(value, str) and value in mapping and chosen((key, value)):
            return mapping[value]
        return value

    out = dict(bead)
    for key in SCALAR_FIELDS:
        if key in out:
            out[key] = move(key, out[key])
    for key in LIST_FIELDS:
        if isinstance(out.get(key), list):
            out[key] = [move(key, v) for v in out[key]]
    deps = out.get("dependencies")
    if isinstance(deps, list):
        out["dependencies"] = [_move_dep(d, move, mapping) for d in deps]
    return None if out == bead else out


def _move_dep(dep: Any, move: Callable[[str, Any], Any], mapping: Mapping[str, str]) -> Any:
    if not isinstance(dep, dict):
        return dep
    out = dict(dep)
    if "depends_on_id" in out:
        out["depends_on_id"] = move("dependencies", out["depends_on_id"])
    # issue_id is the bead's own id: it follows a bead that was itself renamed
    if isinstance(out.get("issue_id"), str) and out["issue_id"] in mapping:
        out["issue_id"] = mapping[out["issue_id"]]
    return out
