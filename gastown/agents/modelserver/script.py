"""Scripts: what the scripted model does, per agent.

A script file (JSON or TOML) is either one agent's script or `{"agents": {NAME: script}}`;
an agent's script is `{"steps": [...], "final": "text"}`. A step is one tool call:
`{"shell": "touch marker"}` runs a command through the client's shell tool (with
`"escalate": true` it also asks to run outside the client's sandbox, where the tool
lets the model ask, as Codex's does: that makes Codex ask for approval),
`{"write": {"path": "notes.txt", "content": "..."}}` writes a file. Requests reach an
agent's script by a first path segment naming it (`/NAME/v1/messages`); requests
without one, or naming an agent the file does not list, play `default` (or the only one).
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from gastown.errors import GastownError

FINAL = "Done."


class Step(NamedTuple):
    kind: str  # "shell" or "write"
    command: str = ""
    path: str = ""
    content: str = ""
    escalate: bool = False


class Script(NamedTuple):
    steps: tuple[Step, ...]
    final: str = FINAL


def parse_step(data: Any, where: str) -> Step:
    if (isinstance(data, dict) and isinstance(data.get("shell"), str)
            and set(data) <= {"shell", "escalate"} and isinstance(data.get("escalate", False), bool)):
        return Step("shell", command=data["shell"], escalate=data.get("escalate", False))
    if isinstance(data, dict) and isinstance(data.get("write"), dict) and len(data) == 1:
        write = data["write"]
        if isinstance(write.get("path"), str) and isinstance(write.get("content"), str):
            return Step("write", path=write["path"], content=write["content"])
    raise GastownError(f"{where}: a step is {{shell = CMD[, escalate = BOOL]}} or "
                       f"{{write = {{path, content}}}}, got {data!r}")


def parse_script(data: Any, where: str) -> Script:
    if not isinstance(data, dict) or not set(data) <= {"steps", "final"}:
        raise GastownError(f"{where}: a script is a table with `steps` and `final`, got {data!r}")
    steps = data.get("steps", [])
    final = data.get("final", FINAL)
    if not isinstance(steps, list) or not isinstance(final, str):
        raise GastownError(f"{where}: steps must be a list and final a string")
    return Script(tuple(parse_step(s, f"{where} step {i + 1}") for i, s in enumerate(steps)), final)


def parse(data: Any, where: str) -> dict[str, Script]:
    """Agent name to script."""
    if isinstance(data, dict) and "agents" in data:
        agents = data["agents"]
        if not isinstance(agents, dict) or not agents:
            raise GastownError(f"{where}: agents must be a non-empty table of scripts")
        return {name: parse_script(s, f"{where} agent {name}") for name, s in agents.items()}
    return {"default": parse_script(data, where)}


def load(path: Path) -> dict[str, Script]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as e:
        raise GastownError(f"{path}: {e}") from None
    return parse(data, str(path))


def for_agent(scripts: dict[str, Script], agent: str | None) -> Script:
    if agent in scripts:
        return scripts[agent]
    if "default" in scripts:
        return scripts["default"]
    if len(scripts) == 1:
        return next(iter(scripts.values()))
    return Script(())
