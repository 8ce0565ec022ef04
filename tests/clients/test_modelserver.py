"""The scripted model server, over plain HTTP (no client needed)."""
from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gastown.agents.modelserver import script
from gastown.agents.modelserver.server import ModelServer, split_path
from gastown.errors import GastownError

SCRIPT = {"agents": {
    "alpha": {"steps": [{"shell": "touch marker"},
                        {"write": {"path": "/tmp/x/notes.txt", "content": "it's done\n"}}],
              "final": "All done."},
    "default": {"steps": [], "final": "Nothing to do."},
}}
CLAUDE_TOOLS = [
    {"name": "Bash", "input_schema": {"properties": {"command": {"type": "string"},
                                                     "description": {"type": "string"}}}},
    {"name": "Write", "input_schema": {"properties": {"file_path": {"type": "string"},
                                                      "content": {"type": "string"}}}},
]
CODEX_TOOLS = [{"type": "function", "name": "exec_command",
                "parameters": {"properties": {"cmd": {"type": "string"}}}}]
CHAT_TOOLS = [{"type": "function", "function": {
    "name": "bash", "parameters": {"properties": {"command": {"type": "string"}}}}}]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ModelServer]:
    served = ModelServer(script.parse(SCRIPT, "test"), tmp_path / "requests.jsonl")
    served.start()
    yield served
    served.shutdown()
    served.server_close()


def post(server: ModelServer, path: str, body: dict[str, Any]) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    reply = conn.getresponse()
    text = reply.read().decode()
    conn.close()
    return reply.status, reply.getheader("Content-Type") or "", text


def sse(text: str) -> list[tuple[str | None, Any]]:
    """(event name, data) of each SSE event; `[DONE]` stays a string."""
    events = []
    for block in text.strip().split("\n\n"):
        name, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:] if line[6:] == "[DONE]" else json.loads(line[6:])
        events.append((name, data))
    return events


def log(server: ModelServer) -> list[dict[str, Any]]:
    return [json.loads(line) for line in server.log.read_text().split("\n") if line]


def claude_request(results: int, tools: list[dict[str, Any]] = CLAUDE_TOOLS) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "You are alpha. Run gt prime."}]
    for i in range(results):
        messages += [
            {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": "Bash",
                                               "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}",
                                          "content": "ok"}]},
        ]
    return {"model": "claude-x", "stream": True, "tools": tools, "messages": messages}


def test_anthropic_steps_follow_the_tool_results_in_the_request(server: ModelServer) -> None:
    status, kind, text = post(server, "/alpha/v1/messages?beta=true", claude_request(0))
    assert status == 200 and kind == "text/event-stream"
    events = sse(text)
    assert [name for name, _ in events] == [
        "message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop"]
    assert events[1][1]["content_block"] == {"type": "tool_use", "id": "toolu_scripted_001",
                                             "name": "Bash", "input": {}}
    assert json.loads(events[2][1]["delta"]["partial_json"]) == {"command": "touch marker"}
    assert events[4][1]["delta"]["stop_reason"] == "tool_use"

    events = sse(post(server, "/alpha/v1/messages", claude_request(1))[2])
    assert events[1][1]["content_block"]["name"] == "Write"
    assert json.loads(events[2][1]["delta"]["partial_json"]) == {
        "file_path": "/tmp/x/notes.txt", "content": "it's done\n"}

    events = sse(post(server, "/alpha/v1/messages", claude_request(2))[2])
    assert events[1][1]["content_block"] == {"type": "text", "text": ""}
    assert events[2][1]["delta"] == {"type": "text_delta", "text": "All done."}
    assert events[4][1]["delta"]["stop_reason"] == "end_turn"


def test_anthropic_title_request_gets_json_fitting_its_schema(server: ModelServer) -> None:
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "title?"}],
            "output_config": {"format": {"type": "json_schema", "schema": {
                "type": "object", "properties": {"title": {"type": "string"}}}}}}
    events = sse(post(server, "/v1/messages", body)[2])
    assert json.loads(events[2][1]["delta"]["text"]) == {"title": "Scripted task"}


def test_anthropic_without_streaming_and_a_write_without_a_write_tool(server: ModelServer) -> None:
    body = {**claude_request(1, CLAUDE_TOOLS[:1]), "stream": False}
    status, kind, text = post(server, "/alpha/v1/messages", body)
    reply = json.loads(text)
    assert status == 200 and kind == "application/json" and reply["stop_reason"] == "tool_use"
    (block,) = reply["content"]
    assert block["input"] == {"command": "printf '%s' 'it'\"'\"'s done\n' > /tmp/x/notes.txt"}


def codex_request(results: int, tools: list[dict[str, Any]] = CODEX_TOOLS) -> dict[str, Any]:
    items: list[dict[str, Any]] = [{"type": "message", "role": "user",
                                    "content": [{"type": "input_text", "text": "go"}]}]
    for i in range(results):
        items += [{"type": "function_call", "call_id": f"c{i}", "name": "exec_command",
                   "arguments": "{}"},
                  {"type": "function_call_output", "call_id": f"c{i}", "output": "ok"}]
    return {"model": "gpt-x", "stream": True, "tools": tools, "input": items}


def test_openai_responses_stream(server: ModelServer) -> None:
    events = sse(post(server, "/alpha/v1/responses", codex_request(0))[2])
    assert [name for name, _ in events] == [
        "response.created", "response.output_item.done", "response.completed"]
    item = events[1][1]["item"]
    assert item["type"] == "function_call" and item["name"] == "exec_command"
    assert json.loads(item["arguments"]) == {"cmd": "touch marker"}
    usage = events[2][1]["response"]["usage"]
    assert usage["input_tokens_details"] == {"cached_tokens": 0}
    assert "reasoning_tokens" in usage["output_tokens_details"]

    final = sse(post(server, "/alpha/v1/responses", codex_request(2))[2])[1][1]["item"]
    assert final["type"] == "message"
    assert final["content"] == [{"type": "output_text", "text": "All done.", "annotations": []}]


def test_a_command_codex_hands_back_still_running_is_waited_for(server: ModelServer) -> None:
    tools = [*CODEX_TOOLS, {"type": "function", "name": "write_stdin",
                            "parameters": {"properties": {"session_id": {"type": "number"}}}}]
    body = codex_request(1, tools)
    body["input"][-1]["output"] = ("Chunk ID: 1\nWall time: 10.0 seconds\n"
                                   "Process running with session ID 4242\nOutput:\n")
    poll = sse(post(server, "/alpha/v1/responses", body)[2])[1][1]["item"]
    assert poll["name"] == "write_stdin"
    assert json.loads(poll["arguments"]) == {"session_id": 4242, "chars": "",
                                             "yield_time_ms": 30000}
    # Once the poll says it exited, the script goes on from the step after that command.
    body["input"] += [{"type": "function_call", "call_id": "p1", "name": "write_stdin",
                       "arguments": "{}"},
                      {"type": "function_call_output", "call_id": "p1",
                       "output": "Process exited with code 0\nOutput:\nok\n"}]
    step = sse(post(server, "/alpha/v1/responses", body)[2])[1][1]["item"]
    assert step["name"] == "exec_command" and step["call_id"] != poll["call_id"]
    assert json.loads(step["arguments"]) == json.loads(
        sse(post(server, "/alpha/v1/responses", codex_request(1))[2])[1][1]["item"]["arguments"])


def test_openai_tool_less_request_is_a_title(server: ModelServer) -> None:
    item = sse(post(server, "/alpha/v1/responses", codex_request(0, []))[2])[1][1]["item"]
    assert item["content"][0]["text"] == "Scripted task"


def test_chat_completions_stream_and_plain(server: ModelServer) -> None:
    body = {"model": "m", "stream": True, "tools": CHAT_TOOLS,
            "messages": [{"role": "user", "content": "go"}]}
    chunks = sse(post(server, "/alpha/v1/chat/completions", body)[2])
    assert chunks[-1] == (None, "[DONE]")
    call = chunks[0][1]["choices"][0]["delta"]["tool_calls"][0]
    assert call["function"]["name"] == "bash"
    assert json.loads(call["function"]["arguments"]) == {"command": "touch marker"}
    assert chunks[1][1]["choices"][0]["finish_reason"] == "tool_calls"

    done = {**body, "stream": False, "messages": [
        *body["messages"], {"role": "assistant", "tool_calls": []},
        {"role": "tool", "tool_call_id": "a", "content": "ok"},
        {"role": "tool", "tool_call_id": "b", "content": "ok"}]}
    reply = json.loads(post(server, "/alpha/v1/chat/completions", done)[2])
    assert reply["choices"][0] == {"index": 0, "finish_reason": "stop",
                                   "message": {"role": "assistant", "content": "All done."}}


def test_agents_are_chosen_by_path_and_every_request_is_logged(server: ModelServer) -> None:
    post(server, "/alpha/v1/messages", claude_request(0))
    text = post(server, "/someone-else/v1/messages", claude_request(0))[2]
    assert sse(text)[2][1]["delta"]["text"] == "Nothing to do."  # the default script
    assert post(server, "/v1/nothing", {})[0] == 404
    entries = log(server)
    assert [(e["agent"], e["path"]) for e in entries] == [
        ("alpha", "/alpha/v1/messages"), ("someone-else", "/someone-else/v1/messages"),
        (None, "/v1/nothing")]
    assert entries[0]["body"]["messages"][0]["content"] == "You are alpha. Run gt prime."


def test_split_path() -> None:
    assert split_path("/v1/messages?beta=true") == (None, "/v1/messages")
    assert split_path("/polecat-1/v1/responses") == ("polecat-1", "/v1/responses")


def test_script_files_in_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text('final = "ok"\n[[steps]]\nshell = "ls"\n')
    assert script.load(toml) == {"default": script.Script((script.Step("shell", command="ls"),), "ok")}
    bad = tmp_path / "s.json"
    bad.write_text(json.dumps({"steps": [{"run": "ls"}]}))
    with pytest.raises(GastownError, match="step 1"):
        script.load(bad)


def test_the_command_line_writes_its_port(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = tmp_path / "s.json"
    path.write_text(json.dumps({"final": "hi"}))
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, "-m", "gastown.agents.modelserver", "--script",
                             str(path), "--log", str(tmp_path / "log"), "--port-file",
                             str(port_file)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", int(port_file.read_text()), timeout=5)
        conn.request("POST", "/v1/chat/completions", json.dumps({"messages": []}))
        assert json.loads(conn.getresponse().read())["choices"][0]["message"]["content"] == "hi"
    finally:
        proc.terminate()
        proc.wait(5)


def gemini_request(results: int) -> dict[str, Any]:
    contents: list[dict[str, Any]] = [{"role": "user", "parts": [{"text": "go"}]}]
    for _ in range(results):
        contents += [
            {"role": "model", "parts": [{"functionCall": {"name": "run_shell_command", "args": {}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "run_shell_command",
                                                             "response": {"output": "ok"}}}]}]
    return {"contents": contents, "tools": [{"functionDeclarations": [{
        "name": "run_shell_command",
        "parametersJsonSchema": {"properties": {"command": {"type": "string"}}}}]}]}


def test_gemini_stream_and_its_json_router_request(server: ModelServer) -> None:
    path = "/alpha/v1beta/models/m:streamGenerateContent?alt=sse"
    ((name, chunk),) = sse(post(server, path, gemini_request(0))[2])
    assert name is None
    assert chunk["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"name": "run_shell_command", "args": {"command": "touch marker"}}}]
    ((_, chunk),) = sse(post(server, path, gemini_request(2))[2])
    assert chunk["candidates"][0]["content"]["parts"] == [{"text": "All done."}]
    router = {"contents": [{"role": "user", "parts": [{"text": "which model?"}]}],
              "generationConfig": {"responseJsonSchema": {"type": "object", "properties": {
                  "model_choice": {"type": "string", "enum": ["flash", "pro"]}}}}}
    reply = json.loads(post(server, "/alpha/v1beta/models/m:generateContent", router)[2])
    assert json.loads(reply["candidates"][0]["content"]["parts"][0]["text"]) == {"model_choice": "flash"}
    assert split_path("/v1beta/models/m:generateContent") == (None, "/v1beta/models/m:generateContent")
