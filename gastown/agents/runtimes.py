"""Runtime presets: how an agent client is started and how its pane reads.

Built-ins ship in the repository's top-level `runtimes/` (installed as
share/gastown/runtimes); a town's own `runtimes/<name>.toml` adds one or overrides a
built-in of the same name. rig.toml's `runtime`, then town.toml's `[town] default_runtime`,
then `shell` choose which one an agent gets; `--runtime` overrides for one sling.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple

import gastown
from gastown.agents.clientconfig import SEEDS
from gastown.errors import GastownError, NotFound
from gastown.town.paths import Town

DEFAULT = "shell"
DIRNAME = "runtimes"
PROMPT_WAYS = ("argument", "stdin", "typed", "none")
PRIME_WAYS = ("prompt", "hook", "self")


class Runtime(NamedTuple):
    name: str
    description: str
    command: tuple[str, ...]
    prompt: str  # how the first prompt reaches the client
    # "prompt": the first prompt tells it to run `gt prime`; "hook": the client's own
    # session-start hook runs it (seeded by gastown); "self": the program runs it
    prime: str
    ready: str  # regex over the pane's last lines: waiting for input
    busy: str  # regex: working
    needs_input: str | None  # regex: a permission prompt (neither busy nor ready)
    escape_cancels: bool
    source: str
    seed: str | None = None  # a client whose per-agent home gastown seeds (clientconfig)
    # The client package and version the real-client conformance suite (tests/clients)
    # holds this preset to, as `make setup` pins it; None: not verified.
    verified: str | None = None

    def argv(self, first_prompt: str | None) -> list[str]:
        """The command to run in the session (`{python}` is this interpreter, `{clients}`
        the folder of the clients `make setup` installs)."""
        argv = [_installed(part.replace("{python}", sys.executable)) for part in self.command]
        if first_prompt and self.prompt == "argument":
            argv.append(first_prompt)
        return argv

    def installed(self) -> bool:
        """Whether its program is where `make setup` puts it (else the bare name, left
        to PATH)."""
        return Path(self.argv(None)[0]).is_absolute()


def builtin_dir() -> Path:
    package = Path(gastown.__file__).resolve().parent
    checkout = package.parent / DIRNAME
    for candidate in (package / "data" / DIRNAME, checkout,
                      Path(sys.prefix) / "share" / "gastown" / DIRNAME):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    return checkout


def clients_bin() -> Path:
    """Where `make setup` puts the clients' programs: $GT_CLIENTS, else the checkout's
    .clients (an npm prefix)."""
    prefix = os.environ.get("GT_CLIENTS") or Path(gastown.__file__).resolve().parent.parent / ".clients"
    return Path(prefix) / "node_modules" / ".bin"


def _installed(part: str) -> str:
    """`{clients}/PROGRAM` as the installed program's path; when `make setup` has not
    installed it, the bare PROGRAM (found on PATH, a person's own install)."""
    if "{clients}" not in part:
        return part
    path = Path(part.replace("{clients}", str(clients_bin())))
    return str(path) if path.exists() else path.name


def _files(town: Town | None) -> dict[str, Path]:
    found = {p.stem: p for p in sorted(builtin_dir().glob("*.toml"))}
    if town is not None:
        found.update({p.stem: p for p in sorted((town.root / DIRNAME).glob("*.toml"))})
    return found


def names(town: Town | None) -> list[str]:
    return sorted(_files(town))


def load(town: Town | None, name: str) -> Runtime:
    files = _files(town)
    path = files.get(name)
    if path is None:
        raise NotFound(f"no runtime {name!r} (runtimes: {', '.join(sorted(files))}; "
                       f"add one as runtimes/{name}.toml in the town)")
    import tomllib

    shown = town.rel(path) if town is not None and path.is_relative_to(town.root) else str(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise GastownError(f"{shown}: {e}") from None
    return parse(name, data, shown)


def parse(name: str, data: dict[str, Any], where: str) -> Runtime:
    fields = {"runtime", "description", "command", "prompt", "prime", "ready", "busy",
              "needs_input", "escape_cancels", "seed", "verified"}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise GastownError(f"{where}: unknown key {unknown[0]!r} "
                           f"(known: {', '.join(sorted(fields))})")
    command = data.get("command")
    if (not isinstance(command, list) or not command
            or not all(isinstance(c, str) and c for c in command)):
        raise GastownError(f"{where}: command must be a non-empty list of strings "
                           f"(the program and its arguments), got {command!r}")
    prompt = data.get("prompt", "typed")
    if prompt not in PROMPT_WAYS:
        raise GastownError(f"{where}: prompt must be one of {', '.join(PROMPT_WAYS)}, "
                           f"got {prompt!r}")
    prime = data.get("prime", "prompt")
    if prime not in PRIME_WAYS:
        raise GastownError(f"{where}: prime must be one of {', '.join(PRIME_WAYS)}, "
                           f"got {prime!r}")
    patterns = {}
    for key in ("ready", "busy", "needs_input"):
        value = data.get(key)
        if value is None and key != "needs_input":
            raise GastownError(f"{where}: {key} (a regular expression) is missing")
        if value is not None:
            if not isinstance(value, str):
                raise GastownError(f"{where}: {key} must be a string, got {value!r}")
            try:
                re.compile(value)
            except re.error as e:
                raise GastownError(f"{where}: {key} is not a regular expression: {e}") from None
        patterns[key] = value
    escape = data.get("escape_cancels", False)
    if not isinstance(escape, bool):
        raise GastownError(f"{where}: escape_cancels must be true or false, got {escape!r}")
    seed = data.get("seed")
    if seed is not None and seed not in SEEDS:
        raise GastownError(f"{where}: seed must be one of {', '.join(SEEDS)}, got {seed!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise GastownError(f"{where}: description must be a string")
    verified = data.get("verified")
    if verified is not None and not isinstance(verified, str):
        raise GastownError(f"{where}: verified must be a string (package@version), got {verified!r}")
    return Runtime(name=name, description=description, command=tuple(command), prompt=prompt,
                   prime=prime, ready=patterns["ready"], busy=patterns["busy"],
                   needs_input=patterns["needs_input"], escape_cancels=escape, source=where,
                   seed=seed, verified=verified)


def choose(town: Town, rig_runtime: str = "", override: str | None = None) -> Runtime:
    """--runtime, else the rig's, else the town's default, else shell."""
    name = override or rig_runtime or str(town.config().get("town", {}).get("default_runtime") or "")
    return load(town, name or DEFAULT)
