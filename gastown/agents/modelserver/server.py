"""The HTTP side: routes, streaming, the request log."""
from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from gastown.agents.modelserver import anthropic, gemini, openai
from gastown.agents.modelserver.script import Script, for_agent

HOST = "127.0.0.1"
API_ROOTS = ("v1", "v1beta")


class ModelServer(ThreadingHTTPServer):
    """Serves `scripts` on 127.0.0.1:`port` (0: any free port), logging to `log`."""

    daemon_threads = True

    def __init__(self, scripts: dict[str, Script], log: Path, port: int = 0) -> None:
        super().__init__((HOST, port), _Handler)
        self.scripts = scripts
        self.log = log
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def number(self) -> int:
        with self._lock:
            return next(self._numbers)

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock, open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def start(self) -> threading.Thread:
        """Serve on a daemon thread (for tests in one process)."""
        thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        return thread


def split_path(path: str) -> tuple[str | None, str]:
    """(agent, API path) of `/NAME/v1/...` or `/v1/...`; the query is dropped."""
    path = path.split("?", 1)[0]
    parts = path.strip("/").split("/")
    if parts and parts[0] not in API_ROOTS and len(parts) > 1:
        return parts[0], "/" + "/".join(parts[1:])
    return None, path


class _Handler(BaseHTTPRequestHandler):
    # Never name a method `responses`: BaseHTTPRequestHandler keeps its status table
    # under that name, and shadowing it breaks every reply.
    server: ModelServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the JSONL log says it all

    def do_GET(self) -> None:
        self._note(None, {})
        self._json(404, {"error": {"type": "not_found", "message": "only POST is scripted"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        agent, api = split_path(self.path)
        number = self.server.number()
        script = for_agent(self.server.scripts, agent)
        self._note(agent, body, number)
        streaming = bool(body.get("stream"))
        if api == "/v1/messages":
            if streaming:
                self._sse([(name, data) for name, data in anthropic.stream(body, script, number)])
            else:
                self._json(200, anthropic.message(body, script, number))
        elif api == "/v1/messages/count_tokens":
            self._json(200, {"input_tokens": 10})
        elif api == "/v1/responses":
            if streaming:
                self._sse(openai.response_stream(body, script, number))
            else:
                self._json(200, openai.response(body, script, number))
        elif api == "/v1/chat/completions":
            if streaming:
                self._sse([(None, c) for c in openai.chat_stream(body, script, number)], done=True)
            else:
                self._json(200, openai.chat(body, script, number))
        elif api.endswith(":streamGenerateContent"):
            self._sse([(None, gemini.reply(body, script))])
        elif api.endswith(":generateContent"):
            self._json(200, gemini.reply(body, script))
        else:
            self._json(404, {"error": {"type": "not_found", "message": f"no route {api}"}})

    def _note(self, agent: str | None, body: dict[str, Any], number: int = 0) -> None:
        self.server.record({"n": number, "time": time.time(), "method": self.command,
                            "path": self.path, "agent": agent, "body": body})

    def _json(self, status: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _sse(self, events: list[tuple[str | None, dict[str, Any]]], done: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for name, data in events:
            head = f"event: {name}\n" if name else ""
            self._chunk(f"{head}data: {json.dumps(data)}\n\n".encode())
        if done:
            self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
