"""A rig's committed configuration, `rigs/<name>/rig.toml`: read, checked, written."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from gastown.errors import GastownError, NotFound, UsageError
from gastown.town.paths import Town

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,30}$")
PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{0,15}$")
RIG_FILE = "rig.toml"

# Polecat names, taken in order; a name is reused once its polecat is idle.
NAME_POOL = (
    "nux", "toast", "ace", "slit", "capable", "dag", "cheedo", "angharad", "keeper", "morsov",
    "rictus", "scabrous", "valkyrie", "furiosa", "max", "splendid", "coma", "organic",
    "corpus", "immortan", "prime", "vuvalini", "buzzard", "doof", "mechanic", "bullet",
    "warboy", "fang", "rust", "chrome", "gasket", "piston", "sparkplug", "clutch", "axle",
    "manifold", "gearbox", "throttle", "nitro", "diesel",
)


ON_CONFLICT = ("assign_back", "auto_rebase")
DEFAULT_GATE_TIMEOUT = 600


class Gate(NamedTuple):
    """A named command the Refinery runs in the candidate tree; `timeout` in seconds."""

    name: str
    run: str
    timeout: int = DEFAULT_GATE_TIMEOUT


class RigConfig(NamedTuple):
    name: str
    url: str
    branch: str = "main"
    prefix: str = ""
    gates: tuple[Gate, ...] = ()
    max_polecats: int = 10
    runtime: str = ""
    setup: str = ""
    formula: str = "polecat-work"
    names: tuple[str, ...] = NAME_POOL
    batch_size: int = 4
    on_conflict: str = "assign_back"
    retry_flaky: int = 0
    bisect_ways: int = 1

    def to_toml(self) -> str:
        """The file as written by `gt rig add` (strings quoted the way TOML and JSON agree)."""
        q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731
        lines = [f"# rig {self.name}: edit and commit; see `gt rig status {self.name}`",
                 f"url = {q(self.url)}", f"branch = {q(self.branch)}",
                 f"prefix = {q(self.prefix)}",
                 f"max_polecats = {self.max_polecats}", f"formula = {q(self.formula)}",
                 f"batch_size = {self.batch_size}", f"on_conflict = {q(self.on_conflict)}",
                 f"retry_flaky = {self.retry_flaky}", f"bisect_ways = {self.bisect_ways}"]
        if self.runtime:
            lines.append(f"runtime = {q(self.runtime)}")
        if self.setup:
            lines.append(f"setup = {q(self.setup)}")
        if self.names != NAME_POOL:
            lines.append(f"names = [{', '.join(q(n) for n in self.names)}]")
        for gate in self.gates:
            lines += ["", "[[gates]]", f"name = {q(gate.name)}", f"run = {q(gate.run)}",
                      f"timeout = {gate.timeout}"]
        return "\n".join(lines) + "\n"


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise UsageError(f"bad rig name {name!r}: lowercase letters, digits and '_', "
                         "starting with a letter or digit, at most 31 characters")
    return name


def rig_dir(town: Town, name: str) -> Path:
    return town.root / "rigs" / name


def names(town: Town) -> list[str]:
    """Every rig with a rig.toml, sorted."""
    base = town.root / "rigs"
    return sorted(p.parent.name for p in base.glob(f"*/{RIG_FILE}")) if base.is_dir() else []


def load(town: Town, name: str) -> RigConfig:
    import tomllib

    path = rig_dir(town, name) / RIG_FILE
    if not NAME_RE.match(name) or not path.is_file():
        known = ", ".join(names(town)) or "none yet; add one with `gt rig add NAME URL`"
        raise NotFound(f"no rig {name!r} (rigs: {known})")
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise GastownError(f"{town.rel(path)}: {e}") from None
    return parse(name, data, town.rel(path))


def _want(data: dict[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    value = data.get(key, default)
    if kind is int and (type(value) is not int or value < 1):
        raise GastownError(f"{where}: {key} must be a whole number of at least 1, got {value!r}")
    if kind is str and not isinstance(value, str):
        raise GastownError(f"{where}: {key} must be a string, got {value!r}")
    if kind is tuple:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise GastownError(f"{where}: {key} must be a list of strings, got {value!r}")
        return tuple(value)
    return value


def _gates(value: Any, where: str) -> tuple[Gate, ...]:
    """`gates = ["make test"]` (a gate named after its position) or
    `[[gates]] name = "test"  run = "make test"  timeout = "10m"`."""
    from gastown.formulas.durations import parse_duration

    if not isinstance(value, list):
        raise GastownError(f"{where}: gates must be a list of commands or [[gates]] tables, "
                           f"got {value!r}")
    out: list[Gate] = []
    for position, item in enumerate(value, 1):
        at = f"{where}: gates[{position}]"
        if isinstance(item, str):
            item = {"name": str(position), "run": item}
        if not isinstance(item, dict):
            raise GastownError(f"{at} must be a command string or a table, got {item!r}")
        unknown = sorted(set(item) - set(Gate._fields))
        if unknown:
            raise GastownError(f"{at}: unknown key {unknown[0]!r} (known: name, run, timeout)")
        gate_name, run = item.get("name", str(position)), item.get("run")
        if not isinstance(gate_name, str) or not gate_name.strip():
            raise GastownError(f"{at}: name must be a non-empty string, got {gate_name!r}")
        if not isinstance(run, str) or not run.strip():
            raise GastownError(f"{at}: run must be a non-empty command, got {run!r}")
        try:
            timeout = parse_duration(item.get("timeout", DEFAULT_GATE_TIMEOUT))
        except ValueError as e:
            raise GastownError(f"{at}: timeout: {e}") from None
        if any(g.name == gate_name for g in out):
            raise GastownError(f"{at}: a second gate named {gate_name!r}")
        out.append(Gate(gate_name, run, timeout))
    return tuple(out)


def parse(name: str, data: dict[str, Any], where: str) -> RigConfig:
    """A RigConfig from rig.toml's table; errors name the file and the key."""
    known = set(RigConfig._fields) - {"name"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise GastownError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    if not data.get("url"):
        raise GastownError(f"{where}: url is missing")
    d = RigConfig._field_defaults
    cfg = RigConfig(
        name=name,
        url=_want(data, "url", str, where, ""),
        branch=_want(data, "branch", str, where, d["branch"]),
        prefix=_want(data, "prefix", str, where, name),
        gates=_gates(data.get("gates", []), where),
        max_polecats=_want(data, "max_polecats", int, where, d["max_polecats"]),
        runtime=_want(data, "runtime", str, where, ""),
        setup=_want(data, "setup", str, where, ""),
        formula=_want(data, "formula", str, where, d["formula"]),
        names=_want(data, "names", tuple, where, NAME_POOL),
        batch_size=_want(data, "batch_size", int, where, d["batch_size"]),
        on_conflict=_want(data, "on_conflict", str, where, d["on_conflict"]),
        retry_flaky=data.get("retry_flaky", 0),
        bisect_ways=_want(data, "bisect_ways", int, where, d["bisect_ways"]),
    )
    if type(cfg.retry_flaky) is not int or cfg.retry_flaky < 0:
        raise GastownError(f"{where}: retry_flaky must be a whole number of at least 0, "
                           f"got {cfg.retry_flaky!r}")
    if cfg.on_conflict not in ON_CONFLICT:
        raise GastownError(f"{where}: on_conflict must be one of {', '.join(ON_CONFLICT)}, "
                           f"got {cfg.on_conflict!r}")
    if cfg.prefix and not PREFIX_RE.match(cfg.prefix):
        raise GastownError(f"{where}: bad prefix {cfg.prefix!r} (letters, digits, '_')")
    bad = [n for n in cfg.names if not NAME_RE.match(n)]
    if bad or not cfg.names:
        raise GastownError(f"{where}: names must be a non-empty list of lowercase names, "
                           f"got {bad[0] if bad else '[]'!r}")
    return cfg
