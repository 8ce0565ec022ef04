"""OpenAI Responses (`POST /v1/responses`, Codex) and chat completions
(`POST /v1/chat/completions`, OpenCode, Aider)."""
from __future__ import annotations

import json
import re
from typing import Any

from gastown.agents.modelserver.calls import Call, Schemas, call_for
from gastown.agents.modelserver.script import Script

Event = tuple[str, dict[str, Any]]
TITLE = "Scripted task"


def _parameters(spec: dict[str, Any]) -> dict[str, Any]:
    return (spec.get("parameters") or {}).get("properties", {})


def _next_call(script: Script, k: int, tools: Schemas) -> Call | None:
    return call_for(script.steps[k], tools) if k < len(script.steps) and tools else None


# Responses --------------------------------------------------------------------------

# Codex hands a command still running after its yield time back to the model, which
# polls it with write_stdin; such a result is not a finished step.
RUNNING = re.compile(r"Process running with session ID (\d+)")
POLL_MS = 30000


def _outputs(body: dict[str, Any]) -> list[str]:
    items = body.get("input")
    if not isinstance(items, list):
        return []
    return [str(item.get("output", "")) for item in items
            if isinstance(item, dict) and item.get("type") == "function_call_output"]


def response_tool_results(body: dict[str, Any]) -> int:
    """Finished tool results: the step the script is at."""
    return sum(1 for output in _outputs(body) if not RUNNING.search(output))


def _running_session(body: dict[str, Any]) -> int | None:
    """The session of a command the last tool result says is still running."""
    outputs = _outputs(body)
    found = RUNNING.search(outputs[-1]) if outputs else None
    return int(found.group(1)) if found else None


def _response_tools(body: dict[str, Any]) -> Schemas:
    # Function tools are flat here: {type: function, name, parameters}.
    return {t["name"]: _parameters(t) for t in body.get("tools") or []
            if t.get("type") == "function" and "name" in t}


def _usage() -> dict[str, Any]:
    return {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15}


def response_item(body: dict[str, Any], script: Script, number: int) -> dict[str, Any]:
    tools = _response_tools(body)
    k = response_tool_results(body)
    running = _running_session(body)
    if running is not None and "write_stdin" in tools:  # wait for it, as a model would
        call: Call | None = Call("write_stdin", {"session_id": running, "chars": "",
                                                 "yield_time_ms": POLL_MS})
    else:
        call = _next_call(script, k, tools)
    if call is not None:
        return {"type": "function_call", "id": f"fc_scripted_{number:04d}",
                "call_id": f"call_scripted_{number:04d}", "name": call.name,
                "arguments": json.dumps(call.arguments), "status": "completed"}
    text = script.final if tools else TITLE
    return {"type": "message", "id": f"msg_scripted_{number:04d}", "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def response(body: dict[str, Any], script: Script, number: int) -> dict[str, Any]:
    return {"id": f"resp_scripted_{number:04d}", "object": "response", "created_at": 0,
            "status": "completed", "model": body.get("model", "scripted"),
            "output": [response_item(body, script, number)], "usage": _usage()}


def response_stream(body: dict[str, Any], script: Script, number: int) -> list[Event]:
    whole = response(body, script, number)
    created = {**whole, "status": "in_progress", "output": [], "usage": None}
    item = whole["output"][0]
    return [
        ("response.created", {"type": "response.created", "response": created}),
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                       "item": item}),
        ("response.completed", {"type": "response.completed", "response": whole}),
    ]


# Chat completions -------------------------------------------------------------------

def chat_tool_results(body: dict[str, Any]) -> int:
    return sum(1 for m in body.get("messages", []) if m.get("role") == "tool")


def _chat_tools(body: dict[str, Any]) -> Schemas:
    return {t["function"]["name"]: _parameters(t["function"]) for t in body.get("tools") or []
            if isinstance(t.get("function"), dict) and "name" in t["function"]}


def chat_delta(body: dict[str, Any], script: Script) -> tuple[dict[str, Any], str]:
    """The assistant message (as a delta) and its finish reason."""
    k = chat_tool_results(body)
    call = _next_call(script, k, _chat_tools(body))
    if call is not None:
        tool_call = {"index": 0, "id": f"call_scripted_{k + 1:03d}", "type": "function",
                     "function": {"name": call.name, "arguments": json.dumps(call.arguments)}}
        return {"role": "assistant", "content": None, "tool_calls": [tool_call]}, "tool_calls"
    return {"role": "assistant", "content": script.final}, "stop"


def _chat_usage() -> dict[str, int]:
    return {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def chat(body: dict[str, Any], script: Script, number: int) -> dict[str, Any]:
    delta, finish = chat_delta(body, script)
    message = {k: v for k, v in delta.items() if k != "tool_calls" or v}
    for call in message.get("tool_calls", []):
        call.pop("index", None)
    return {"id": f"chatcmpl-scripted-{number:04d}", "object": "chat.completion", "created": 0,
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": _chat_usage()}


def chat_stream(body: dict[str, Any], script: Script, number: int) -> list[dict[str, Any]]:
    delta, finish = chat_delta(body, script)
    base = {"id": f"chatcmpl-scripted-{number:04d}", "object": "chat.completion.chunk",
            "created": 0, "model": body.get("model", "scripted")}
    return [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
         "usage": _chat_usage()},
    ]
