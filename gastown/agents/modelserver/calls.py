"""A script step as a call of one of the tools the client offered."""
from __future__ import annotations

import shlex
from typing import Any, NamedTuple

from gastown.agents.modelserver.script import Step

# Tools are found by name and their arguments by property name, so one script plays on
# every client: Claude's Bash{command} and Write{file_path, content}, Codex's
# exec_command{cmd}, Gemini CLI's run_shell_command{command} and write_file{file_path,
# content}, OpenCode's bash{command} and write{filePath, content}.
SHELL_TOOLS = ("Bash", "bash", "exec_command", "shell", "run_shell_command")
COMMAND_ARGS = ("command", "cmd")
WRITE_TOOLS = ("Write", "write", "write_file")
PATH_ARGS = ("file_path", "filePath", "path")
CONTENT_ARGS = ("content", "contents")

Schemas = dict[str, dict[str, Any]]  # tool name -> its parameters' JSON schema properties


class Call(NamedTuple):
    name: str
    arguments: dict[str, Any]


def _first(options: tuple[str, ...], present: Schemas | dict[str, Any]) -> str | None:
    return next((o for o in options if o in present), None)


def _shell(command: str, tools: Schemas, escalate: bool = False) -> Call | None:
    name = _first(SHELL_TOOLS, tools)
    if name is None:
        return None
    arg = _first(COMMAND_ARGS, tools[name]) or "command"
    if tools[name].get(arg, {}).get("type") == "array":
        arguments: dict[str, Any] = {arg: ["bash", "-lc", command]}
    else:
        arguments = {arg: command}
    if escalate and "sandbox_permissions" in tools[name]:
        arguments |= {"sandbox_permissions": "require_escalated",
                      "justification": f"The script runs `{command}`."}
    return Call(name, arguments)


def _write(step: Step, tools: Schemas) -> Call | None:
    name = _first(WRITE_TOOLS, tools)
    if name is None:
        return _shell(f"printf '%s' {shlex.quote(step.content)} > {shlex.quote(step.path)}", tools)
    path = _first(PATH_ARGS, tools[name]) or "file_path"
    content = _first(CONTENT_ARGS, tools[name]) or "content"
    return Call(name, {path: step.path, content: step.content})


def call_for(step: Step, tools: Schemas) -> Call | None:
    """The call playing `step`, or None when the client offers no tool that can."""
    if step.kind == "shell":
        return _shell(step.command, tools, step.escalate)
    return _write(step, tools)


def example_of(schema: dict[str, Any]) -> Any:
    """A value fitting a simple JSON schema (for side requests that want JSON, e.g. a title)."""
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: example_of(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return 0
    if "enum" in schema:
        return schema["enum"][0]
    return "Scripted task"
