"""Anthropic Messages (`POST /v1/messages`), as Claude Code uses it."""
from __future__ import annotations

import json
from typing import Any

from gastown.agents.modelserver.calls import Schemas, call_for, example_of
from gastown.agents.modelserver.script import Script

Event = tuple[str, dict[str, Any]]


def tool_results(body: dict[str, Any]) -> int:
    return sum(1 for message in body.get("messages", [])
               if isinstance(message.get("content"), list)
               for part in message["content"]
               if isinstance(part, dict) and part.get("type") == "tool_result")


def _tools(body: dict[str, Any]) -> Schemas:
    return {t["name"]: (t.get("input_schema") or {}).get("properties", {})
            for t in body.get("tools") or [] if "name" in t}


def _side_answer(body: dict[str, Any]) -> str:
    """A tool-less request (a title, a quota check): JSON when a schema is asked for."""
    fmt = (body.get("output_config") or {}).get("format") or {}
    if fmt.get("schema"):
        return json.dumps(example_of(fmt["schema"]))
    return "Scripted task"


def content(body: dict[str, Any], script: Script) -> tuple[list[dict[str, Any]], str]:
    """The reply's content blocks and stop reason."""
    tools = _tools(body)
    if not tools:
        return [{"type": "text", "text": _side_answer(body)}], "end_turn"
    k = tool_results(body)
    if k < len(script.steps):
        call = call_for(script.steps[k], tools)
        if call is not None:
            block = {"type": "tool_use", "id": f"toolu_scripted_{k + 1:03d}",
                     "name": call.name, "input": call.arguments}
            return [block], "tool_use"
    return [{"type": "text", "text": script.final}], "end_turn"


def _usage() -> dict[str, int]:
    return {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0}


def message(body: dict[str, Any], script: Script, number: int) -> dict[str, Any]:
    blocks, stop = content(body, script)
    return {"id": f"msg_scripted_{number:04d}", "type": "message", "role": "assistant",
            "model": body.get("model", "scripted"), "content": blocks, "stop_reason": stop,
            "stop_sequence": None, "usage": _usage()}


def stream(body: dict[str, Any], script: Script, number: int) -> list[Event]:
    whole = message(body, script, number)
    start = {**whole, "content": [], "stop_reason": None}
    events: list[Event] = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(whole["content"]):
        if block["type"] == "tool_use":
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            opening = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        events += [
            ("content_block_start", {"type": "content_block_start", "index": index,
                                     "content_block": opening}),
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
            ("content_block_stop", {"type": "content_block_stop", "index": index}),
        ]
    events += [
        ("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": whole["stop_reason"], "stop_sequence": None},
                           "usage": {"output_tokens": 5}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events
