"""Checks of command-line values shared by the readers and the writers (no heavy imports)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gastown.beads import schema
from gastown.errors import GastownError, UsageError


def check_priority(value: Any) -> int:
    """0-4, also written P0-P4 as beads allows."""
    text = str(value).strip()
    if text[:1] in ("p", "P"):
        text = text[1:]
    if isinstance(value, bool) or not text.isdigit() or int(text) not in schema.PRIORITIES:
        raise UsageError(f"priority must be 0-4, got {value!r}")
    return int(text)


def check_status(value: str) -> str:
    if value not in schema.STATUSES:
        raise UsageError(f"unknown status {value!r}; one of: {', '.join(schema.STATUSES)}")
    return value


def check_date(value: str, flag: str) -> str:
    if not schema.is_date(value):
        raise UsageError(f"{flag} wants a date ({schema.DATE_HINT}), got {value!r}")
    return value


def parse_deps(spec: str | Sequence[str] | None) -> list[tuple[str, str]]:
    """`blocks:gt-1,related:gt-2` (a bare id means blocks) -> [(type, id), ...]."""
    if not spec:
        return []
    items = spec.split(",") if isinstance(spec, str) else [p for s in spec for p in s.split(",")]
    out = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        kind, sep, target = item.rpartition(":")
        if not sep:
            kind, target = "blocks", item
        if not kind or not target:
            raise UsageError(f"bad dependency {item!r}; want TYPE:ID (e.g. blocks:gt-1)")
        out.append((kind, target))
    return out


def custom_types(config: dict[str, Any]) -> tuple[str, ...]:
    """The extra work types a town declares: `[beads] types = [...]` in town.toml."""
    declared = config.get("beads", {}).get("types", [])
    if not isinstance(declared, list) or not all(isinstance(t, str) and t for t in declared):
        raise GastownError("town.toml: [beads] types must be a list of type names")
    return tuple(declared)


def type_problem(value: Any, custom: Sequence[str], *, all_kinds: bool = False) -> str | None:
    """Why `value` is not a type a person may give a bead, or None.

    Allowed: a work kind or one the town declares; with `all_kinds` also the Gas Town
    kinds (agent, molecule, ...), which only their own commands create but which an
    imported ledger may hold.
    """
    known = [*schema.WORK_KINDS, *custom]
    if all_kinds:
        known += [k for k in schema.KIND_FILES if k not in known]
    if value in known:
        return None
    return (f"unknown type {value!r}; known types: {', '.join(known)} "
            f"(declare more in town.toml: [beads] types = [...])")


def check_type(value: str, custom: Sequence[str]) -> str:
    problem = type_problem(value, custom)
    if problem:
        raise UsageError(problem)
    return value
