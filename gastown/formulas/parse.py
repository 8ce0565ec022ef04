"""Reading one formula file into vars and steps, collecting every problem with its line.

This checks what one file can show on its own (syntax, keys, types, ids, durations,
gates, duplicates). Checks that need the composed formula (needs, cycles, placeholders,
for_each vars) live in `checks.py`.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from gastown.formulas.durations import parse_duration
from gastown.formulas.errors import Problem, problem
from gastown.formulas.lines import LineMap, toml_error_line
from gastown.formulas.model import FORMULA_TYPES, GATE_TYPES, Gate, Loc, Step, Var, VarValue

FORMULA_SUFFIX = ".formula.toml"
STEP_ID = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
FORMULA_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
RESERVED_VARS = ("item",)

TOP_KEYS = ("formula", "description", "version", "type", "vars", "steps", "extends", "compose")
COMPOSE_KEYS = ("expand",)
EXPAND_KEYS = ("target", "with")
VAR_KEYS = ("description", "required", "default")
STEP_KEYS = ("id", "title", "description", "needs", "run", "acceptance", "acceptance_run",
             "timeout", "retries", "gate", "for_each")
GATE_KEYS = ("type", "after", "at")


@dataclass
class Expand:
    """A `[[compose.expand]]` entry: replace step `target` by formula `with_`'s steps."""

    target: str
    with_: str
    target_loc: Loc
    with_loc: Loc


@dataclass
class Parsed:
    """One formula file as written (not yet composed)."""

    path: Path
    name: str | None = None
    description: str = ""
    version: int | str | None = None
    type: str = "workflow"
    vars: dict[str, Var] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    extends: list[tuple[str, Loc]] = field(default_factory=list)
    expands: list[Expand] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ok: bool = True  # False when the file could not be read or is not TOML at all


def formula_name_of(path: Path) -> str:
    """The formula name a file name implies: `x.formula.toml` -> `x`, `x.toml` -> `x`."""
    name = path.name
    if name.endswith(FORMULA_SUFFIX):
        return name[: -len(FORMULA_SUFFIX)]
    return name[:-5] if name.endswith(".toml") else name


def read_toml(path: Path) -> tuple[dict[str, Any] | None, LineMap | None, list[Problem]]:
    """Parse a TOML file. On failure returns (None, None, [the problem])."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None, [problem(path, None, "no such file")]
    except (OSError, UnicodeDecodeError) as e:
        return None, None, [problem(path, None, f"cannot read: {e}")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line, message = toml_error_line(e, text)
        return None, None, [problem(path, line, f"TOML syntax error: {message}")]
    return data, LineMap(text), []


def kind(value: object) -> str:
    """A TOML-ish name for a value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, (datetime, date, time)):
        return "date/time"
    return type(value).__name__


def unknown_key(key: str, allowed: tuple[str, ...], where: str) -> str:
    hint = difflib.get_close_matches(key, allowed, n=1)
    suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
    return f"unknown key '{key}' {where}{suggestion}"


class FileReader:
    """Helpers bound to one file and its line map."""

    def __init__(self, path: Path, lines: LineMap) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def loc(self, *keys: str | int) -> Loc:
        return (str(self.path), self.lines.line(*keys))

    def add(self, keys: tuple[str | int, ...], reason: str) -> None:
        self.problems.append(problem(self.path, self.lines.line(*keys), reason))

    def check_keys(self, table: dict[str, Any], allowed: tuple[str, ...],
                   prefix: tuple[str | int, ...], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.add(prefix + (key,), unknown_key(key, allowed, where))

    def string(self, table: dict[str, Any], key: str, prefix: tuple[str | int, ...],
               what: str) -> str | None:
        """table[key] if it is a string; a problem (and None) if it is anything else."""
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(prefix + (key,), f"{what}: '{key}' must be a string, got {kind(value)}")
            return None
        return value

    def string_list(self, table: dict[str, Any], key: str, prefix: tuple[str | int, ...],
                    what: str) -> list[tuple[str, Loc]]:
        """table[key] as a list of (string, loc); problems for anything else."""
        value = table.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(prefix + (key,),
                     f"{what}: '{key}' must be an array of strings, got {kind(value)}")
            return []
        out: list[tuple[str, Loc]] = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.add(prefix + (key, i), f"{what}: '{key}' must hold strings, got {kind(item)}")
            else:
                out.append((item, self.loc(*prefix, key, i)))
        return out

    # -- vars ------------------------------------------------------------------------

    def vars_table(self, data: dict[str, Any], prefix: tuple[str | int, ...]
                   ) -> dict[str, tuple[dict[str, Any], Loc, dict[str, Loc]]]:
        """`[vars]`: name -> (given fields, loc of the var, loc of each field).

        Only fields actually written are returned, so overlays can patch field by field.
        `name = "x"` (or a list) under `[vars]` is shorthand for `[vars.name] default = "x"`.
        """
        raw = data.get("vars")
        out: dict[str, tuple[dict[str, Any], Loc, dict[str, Loc]]] = {}
        if raw is None:
            return out
        if not isinstance(raw, dict):
            self.add(prefix, f"'vars' must be a table, got {kind(raw)}")
            return out
        env_names: dict[str, str] = {}
        for name, spec in raw.items():
            keys = prefix + (name,)
            what = f"var '{name}'"
            if not VAR_NAME.match(name):
                self.add(keys, f"bad var name '{name}': use letters, digits, '_' and '-', "
                               "starting with a letter or '_'")
                continue
            if name in RESERVED_VARS:
                self.add(keys, f"var name '{name}' is reserved (it is the for_each item)")
                continue
            env = name.upper().replace("-", "_")
            if env in env_names:
                self.add(keys, f"var '{name}' and var '{env_names[env]}' would both be "
                               f"passed to commands as GT_VAR_{env}")
                continue
            env_names[env] = name
            fields: dict[str, Any] = {}
            field_locs: dict[str, Loc] = {}
            if isinstance(spec, dict):
                self.check_keys(spec, VAR_KEYS, keys, f"in {what}")
                if "description" in spec:
                    d = self.string(spec, "description", keys, what)
                    if d is not None:
                        fields["description"] = d
                if "required" in spec:
                    if isinstance(spec["required"], bool):
                        fields["required"] = spec["required"]
                    else:
                        got = kind(spec["required"])
                        self.add(keys + ("required",),
                                 f"{what}: 'required' must be true or false, got {got}")
                if "default" in spec:
                    default = self.default(spec["default"], keys + ("default",), what)
                    if default is not None:
                        fields["default"] = default
                field_locs = {k: self.loc(*keys, k) for k in spec}
            else:
                default = self.default(spec, keys, what)
                if default is None:
                    continue
                fields["default"] = default
                field_locs = {"default": self.loc(*keys)}
            out[name] = (fields, self.loc(*keys), field_locs)
        return out

    def default(self, value: object, keys: tuple[str | int, ...], what: str) -> VarValue | None:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            bad = [i for i, v in enumerate(value) if not isinstance(v, str)]
            if bad:
                self.add(keys + (bad[0],), f"{what}: list default must hold strings, "
                                           f"got {kind(value[bad[0]])}")
                return None
            return tuple(value)
        self.add(keys, f"{what}: default must be a string or an array of strings, "
                       f"got {kind(value)}")
        return None

    # -- steps -----------------------------------------------------------------------

    def step_fields(self, table: dict[str, Any], prefix: tuple[str | int, ...], *,
                    allowed: tuple[str, ...] = STEP_KEYS, what: str = "step"
                    ) -> tuple[dict[str, Any], dict[str, Loc]]:
        """The fields written in one step table, normalised to `Step` attribute names.

        Returns (fields, where); bad fields are reported and left out.
        """
        sid = table.get("id")
        label = f"step '{sid}'" if isinstance(sid, str) else what
        self.check_keys(table, allowed, prefix, f"in {label}")
        fields: dict[str, Any] = {}
        where: dict[str, Loc] = {"": self.loc(*prefix)}
        for key in table:
            if key in allowed:
                where[key] = self.loc(*prefix, key)

        if "id" in table:
            value = self.string(table, "id", prefix, what)
            if value is not None:
                if STEP_ID.match(value):
                    fields["id"] = value
                else:
                    self.add(prefix + ("id",),
                             f"bad step id '{value}': use lowercase letters, digits, '_' and '-', "
                             "starting with a letter or digit")
        for key in ("title", "description", "acceptance", "for_each"):
            if key in table:
                value = self.string(table, key, prefix, label)
                if value is not None:
                    fields[key] = value
        for key in ("run", "acceptance_run"):
            if key in table:
                value = self.string(table, key, prefix, label)
                if value is not None:
                    if value.strip():
                        fields[key] = value
                    else:
                        self.add(prefix + (key,), f"{label}: '{key}' is empty")
        if "needs" in table:
            needs = self.string_list(table, "needs", prefix, label)
            fields["needs"] = tuple(dict.fromkeys(n for n, _ in needs))
        if "timeout" in table:
            try:
                fields["timeout_seconds"] = parse_duration(table["timeout"])
            except ValueError as e:
                self.add(prefix + ("timeout",), f"{label}: bad timeout: {e}")
        if "retries" in table:
            value = table["retries"]
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(prefix + ("retries",),
                         f"{label}: bad retries: must be a whole number >= 0, got {kind(value)}")
            elif value < 0:
                self.add(prefix + ("retries",), f"{label}: bad retries: must be >= 0, got {value}")
            else:
                fields["retries"] = value
        if "gate" in table:
            gate = self.gate(table["gate"], prefix + ("gate",), label)
            if gate is not None:
                fields["gate"] = gate
        return fields, where

    def gate(self, value: object, keys: tuple[str | int, ...], label: str) -> Gate | None:
        """`gate = "human"` or `gate = {type = "timer", after = "10m"}` (or `at = <time>`)."""
        if isinstance(value, str):
            if value == "human":
                return Gate("human")
            if value == "timer":
                self.add(keys, f"{label}: a timer gate needs a time: write "
                               "gate = {type = \"timer\", after = \"10m\"} (or at = <timestamp>)")
                return None
            self.add(keys, f"{label}: unknown gate '{value}' "
                           f"(expected one of: {', '.join(GATE_TYPES)})")
            return None
        if not isinstance(value, dict):
            self.add(keys, f"{label}: gate must be a string or a table, got {kind(value)}")
            return None
        self.check_keys(value, GATE_KEYS, keys, f"in {label} gate")
        gtype = value.get("type")
        if gtype not in GATE_TYPES:
            if isinstance(gtype, str):
                shown = f"'{gtype}'"
            else:
                shown = "missing" if gtype is None else kind(gtype)
            self.add(keys + ("type",) if "type" in value else keys,
                     f"{label}: unknown gate type {shown} "
                     f"(expected one of: {', '.join(GATE_TYPES)})")
            return None
        if gtype == "human":
            for extra in ("after", "at"):
                if extra in value:
                    self.add(keys + (extra,), f"{label}: a human gate takes no '{extra}'")
            return Gate("human")
        has_after, has_at = "after" in value, "at" in value
        if has_after == has_at:
            self.add(keys, f"{label}: a timer gate needs exactly one of 'after' (a duration) "
                           "or 'at' (a timestamp)")
            return None
        if has_after:
            try:
                return Gate("timer", after_seconds=parse_duration(value["after"]))
            except ValueError as e:
                self.add(keys + ("after",), f"{label}: bad timer gate 'after': {e}")
                return None
        at = value["at"]
        if isinstance(at, datetime):
            return Gate("timer", at=at.isoformat())
        if isinstance(at, str):
            try:
                return Gate("timer", at=datetime.fromisoformat(at).isoformat())
            except ValueError:
                pass
        self.add(keys + ("at",), f"{label}: bad timer gate 'at': expected a timestamp like "
                                 f"2025-01-31T09:00:00Z, got {at!r}")
        return None


def parse_formula(path: Path) -> Parsed:
    """Read `path` (a `<name>.formula.toml`) as far as one file allows; never raises."""
    parsed = Parsed(path=path)
    data, lines, problems = read_toml(path)
    if data is None or lines is None:
        parsed.problems = problems
        parsed.ok = False
        return parsed
    r = FileReader(path, lines)
    r.check_keys(data, TOP_KEYS, (), "at top level")

    expected = formula_name_of(path)
    name = data.get("formula")
    if name is None:
        r.add((), "missing required key 'formula' (the formula's name)")
        parsed.name = expected
    elif not isinstance(name, str):
        r.add(("formula",), f"'formula' must be a string, got {kind(name)}")
        parsed.name = expected
    else:
        parsed.name = name
        if path.name.endswith(FORMULA_SUFFIX) and name != expected:
            r.add(("formula",), f"formula '{name}' does not match its file name "
                                f"(expected formula = \"{expected}\" in {path.name})")
        elif not FORMULA_NAME.match(name):
            r.add(("formula",), f"bad formula name '{name}': use lowercase letters, digits, "
                                "'_' and '-'")
    parsed.description = r.string(data, "description", (), "formula") or ""
    if "version" in data:
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, (int, str)):
            r.add(("version",), f"'version' must be an integer or a string, got {kind(version)}")
        else:
            parsed.version = version
    if "type" in data:
        ftype = data["type"]
        if ftype in FORMULA_TYPES:
            parsed.type = ftype
        else:
            r.add(("type",), f"unknown formula type {ftype!r} (expected one of: "
                             f"{', '.join(FORMULA_TYPES)})")

    for vname, (fields, loc, _) in r.vars_table(data, ("vars",)).items():
        parsed.vars[vname] = Var(name=vname, loc=loc, **fields)

    if "extends" in data:
        if isinstance(data["extends"], str):
            r.add(("extends",), "'extends' must be an array of formula names, "
                                f"e.g. extends = [\"{data['extends']}\"]")
        parsed.extends = r.string_list(data, "extends", (), "formula")

    compose = data.get("compose")
    if compose is not None:
        if not isinstance(compose, dict):
            r.add(("compose",), f"'compose' must be a table, got {kind(compose)}")
        else:
            r.check_keys(compose, COMPOSE_KEYS, ("compose",), "in [compose]")
            parsed.expands = _expands(r, compose.get("expand"))

    parsed.steps = _steps(r, data.get("steps"), ("steps",))
    parsed.problems = r.problems
    return parsed


def _expands(r: FileReader, raw: object) -> list[Expand]:
    if raw is None:
        return []
    prefix: tuple[str | int, ...] = ("compose", "expand")
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        r.add(prefix, "'compose.expand' must be an array of tables ([[compose.expand]])")
        return []
    out = []
    for i, entry in enumerate(raw):
        keys = prefix + (i,)
        r.check_keys(entry, EXPAND_KEYS, keys, "in [[compose.expand]]")
        target = r.string(entry, "target", keys, "[[compose.expand]]")
        with_ = r.string(entry, "with", keys, "[[compose.expand]]")
        for key, value in (("target", target), ("with", with_)):
            if value is None and key not in entry:
                r.add(keys, f"[[compose.expand]] is missing '{key}'")
        if target is not None and with_ is not None:
            out.append(Expand(target, with_, r.loc(*keys, "target"), r.loc(*keys, "with")))
    return out


def _steps(r: FileReader, raw: object, prefix: tuple[str | int, ...],
           what: str = "[[steps]]") -> list[Step]:
    """Full steps (id required); duplicates within the list are reported, first kept."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        r.add(prefix, f"'{prefix[-1]}' must be an array of tables ({what})")
        return []
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for i, table in enumerate(raw):
        keys = prefix + (i,)
        fields, where = r.step_fields(table, keys)
        if "id" not in table:
            r.add(keys, f"{what} #{i + 1} is missing 'id'")
            continue
        if "id" not in fields:
            continue
        sid = fields["id"]
        if sid in seen:
            r.add(keys + ("id",), f"duplicate step id '{sid}' (first defined on line {seen[sid]})")
            continue
        seen[sid] = r.lines.line(*keys, "id")
        steps.append(Step(where=where, **fields))
    return steps
