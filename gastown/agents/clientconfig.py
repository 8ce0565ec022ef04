"""Per-agent homes for real clients, seeded so they start straight to their prompt.

A runtime preset with `seed = "claude"`, `"codex"`, `"gemini"` or `"opencode"` gets a
HOME of its own (`.gastown/homes/<session>`), never the person's: the client's first-run
dialogs are answered in its config, the agent's work folder is trusted, tool use is
allowed (or, with `allow_tools=False`, left to ask), and the client talks to the model
server at `server_url` (a path prefix such as `/<session>` picks the agent's script there).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

SEEDS = ("claude", "codex", "gemini", "opencode")
TOKEN = "gastown-local"  # the local server checks no key; the clients want one set
CLAUDE_TOOLS = ["Bash", "Write", "Edit"]


def model_url(session: str) -> str | None:
    """The model server for `session`'s client: $GT_MODEL_URL/<session>, or None (the
    client's own vendor)."""
    base = os.environ.get("GT_MODEL_URL")
    return f"{base.rstrip('/')}/{session}" if base else None


def seed(kind: str, home: Path, workdir: Path, server_url: str | None, *,
         allow_tools: bool = True) -> dict[str, str]:
    """Write client `kind`'s config under `home`; the environment its session needs."""
    home.mkdir(parents=True, exist_ok=True)
    if kind == "claude":
        return _claude(home, workdir, server_url, allow_tools)
    if kind == "codex":
        return _codex(home, workdir, server_url, allow_tools)
    if kind == "gemini":
        return _gemini(home, workdir, server_url)
    if kind == "opencode":
        return _opencode(home, server_url, allow_tools)
    raise ValueError(f"no seed for {kind!r} (seeds: {', '.join(SEEDS)})")


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _claude(home: Path, workdir: Path, server_url: str | None, allow_tools: bool) -> dict[str, str]:
    # Without hasCompletedOnboarding it checks its vendor's reachability and exits.
    _write_json(home / ".claude.json", {
        "hasCompletedOnboarding": True,
        "projects": {str(workdir.resolve()): {"hasTrustDialogAccepted": True}},
    })
    permissions = {"allow": CLAUDE_TOOLS} if allow_tools else {}
    _write_json(home / ".claude" / "settings.json", {"permissions": permissions})
    env = {"HOME": str(home), "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
           "DISABLE_AUTOUPDATER": "1"}
    if server_url:
        env |= {"ANTHROPIC_BASE_URL": server_url, "ANTHROPIC_AUTH_TOKEN": TOKEN}
    return env


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string


def _codex(home: Path, workdir: Path, server_url: str | None, allow_tools: bool) -> dict[str, str]:
    lines = [f"approval_policy = {_toml_string('never' if allow_tools else 'on-request')}",
             'sandbox_mode = "workspace-write"']
    if server_url:
        lines += ['model = "scripted"', 'model_provider = "fake"', "",
                  "[model_providers.fake]", 'name = "fake"',
                  f"base_url = {_toml_string(server_url.rstrip('/') + '/v1')}",
                  'env_key = "GT_MODEL_KEY"', 'wire_api = "responses"']
    lines += ["", f"[projects.{_toml_string(str(workdir.resolve()))}]", 'trust_level = "trusted"']
    config = home / ".codex" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"HOME": str(home), "CODEX_HOME": str(config.parent), "GT_MODEL_KEY": TOKEN}


def _gemini(home: Path, workdir: Path, server_url: str | None) -> dict[str, str]:
    # Tool approval is the preset's --approval-mode, not the config's.
    _write_json(home / ".gemini" / "settings.json",
                {"security": {"auth": {"selectedType": "gemini-api-key"}}})
    _write_json(home / ".gemini" / "trustedFolders.json", {str(workdir.resolve()): "TRUST_FOLDER"})
    env = {"HOME": str(home), "GEMINI_API_KEY": TOKEN}
    if server_url:
        env["GOOGLE_GEMINI_BASE_URL"] = server_url
    return env


def _opencode(home: Path, server_url: str | None, allow_tools: bool) -> dict[str, str]:
    answer = "allow" if allow_tools else "ask"
    config: dict[str, object] = {"autoupdate": False, "share": "disabled",
                                 "permission": {"bash": answer, "edit": answer}}
    if server_url:
        # The OpenAI-compatible provider package ships inside OpenCode's binary.
        config["provider"] = {"scripted": {
            "npm": "@ai-sdk/openai-compatible", "name": "Scripted",
            "options": {"baseURL": server_url.rstrip("/") + "/v1", "apiKey": TOKEN},
            "models": {"scripted": {"name": "Scripted"}}}}
        config["model"] = "scripted/scripted"
    _write_json(home / ".config" / "opencode" / "opencode.json", config)
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"), "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "OPENCODE_DISABLE_MODELS_FETCH": "1", "OPENCODE_DISABLE_AUTOUPDATE": "1"}
