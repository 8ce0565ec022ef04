"""Gemini `generateContent` and `streamGenerateContent` (Gemini CLI)."""
from __future__ import annotations

import json
from typing import Any

from gastown.agents.modelserver.calls import Schemas, call_for, example_of
from gastown.agents.modelserver.script import Script


def tool_results(body: dict[str, Any]) -> int:
    return sum(1 for content in body.get("contents", []) for part in content.get("parts", [])
               if isinstance(part, dict) and "functionResponse" in part)


def _tools(body: dict[str, Any]) -> Schemas:
    found: Schemas = {}
    for tool in body.get("tools") or []:
        for spec in tool.get("functionDeclarations") or []:
            schema = spec.get("parametersJsonSchema") or spec.get("parameters") or {}
            found[spec["name"]] = schema.get("properties", {})
    return found


def _json_answer(body: dict[str, Any]) -> str | None:
    """A request that wants JSON (Gemini CLI's model router): a value fitting its schema."""
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    return json.dumps(example_of(schema)) if schema else None


def reply(body: dict[str, Any], script: Script) -> dict[str, Any]:
    tools = _tools(body)
    k = tool_results(body)
    call = call_for(script.steps[k], tools) if tools and k < len(script.steps) else None
    if call is not None:
        part: dict[str, Any] = {"functionCall": {"name": call.name, "args": call.arguments}}
    else:
        part = {"text": _json_answer(body) or script.final}
    return {"candidates": [{"content": {"role": "model", "parts": [part]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                              "totalTokenCount": 15},
            "modelVersion": "scripted"}
