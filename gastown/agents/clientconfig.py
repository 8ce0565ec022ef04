"""Per-agent homes for real clients, seeded so they start straight to their prompt.

A runtime preset with `seed = "claude"`, `"codex"`, `"gemini"` or `"opencode"` gets a
HOME of its own (`.gastown/homes/<session>`), never the person's: the client's first-run
dialogs are answered in its config, the agent's work folder is trusted, tool use is
allowed (or, with `allow_tools=False`, left to ask), and the client talks to the model
server at `server_url` (a path prefix such as `/<session>` picks the agent's script there).

Where the client has hooks of its own, gastown's commands go in them (`Hooks`): Claude
Code runs `gt prime` at session start (its output becomes the session's context) and
signals each turn's end from its Stop hook; Codex signals turn ends through `notify`.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import NamedTuple

SEEDS = ("claude", "codex", "gemini", "opencode")
TOKEN = "gastown-local"  # the local server checks no key; the clients want one set
CLAUDE_TOOLS = ["Bash", "Write", "Edit"]


class Hooks(NamedTuple):
    """Programs the client's own hooks run (argv lists; None: no such hook)."""
    session_start: list[str] | None = None  # its output is the session's first context
    turn_end: list[str] | None = None


NO_HOOKS = Hooks()


def model_url(session: str) -> str | None:
    """The model server for `session`'s client: $GT_MODEL_URL/<session>, or None (the
    client's own vendor)."""
    base = os.environ.get("GT_MODEL_URL")
    return f"{base.rstrip('/')}/{session}" if base else None


def seed(kind: str, home: Path, workdir: Path, server_url: str | None, *,
         allow_tools: bool = True, hooks: Hooks = NO_HOOKS) -> dict[str, str]:
    """Write client `kind`'s config under `home`; the environment its session needs."""
    home.mkdir(parents=True, exist_ok=True)
    _login_path(home)
    if kind == "claude":
        env = _claude(home, workdir, server_url, allow_tools, hooks)
    elif kind == "codex":
        env = _codex(home, workdir, server_url, allow_tools, hooks)
    elif kind == "gemini":
        env = _gemini(home, workdir, server_url)
    elif kind == "opencode":
        env = _opencode(home, server_url, allow_tools)
    else:
        raise ValueError(f"no seed for {kind!r} (seeds: {', '.join(SEEDS)})")
    return env | _git_identity()


def _git_identity() -> dict[str, str]:
    """The person's git configuration, which the agent's own HOME would hide: the
    ledger commits its `bd` and `gt` writes make need their user.name and user.email."""
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        return {"GIT_CONFIG_GLOBAL": os.environ["GIT_CONFIG_GLOBAL"]}
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    for path in (os.path.expanduser("~/.gitconfig"), os.path.join(xdg, "git", "config")):
        if os.path.isfile(path):
            return {"GIT_CONFIG_GLOBAL": path}
    return {}


def _login_path(home: Path) -> None:
    """Login shells (Codex runs its commands in one) reset PATH from /etc/profile; put
    gastown's programs (`gt`, `bd`) back in front."""
    line = f'export PATH={shlex.quote(os.path.dirname(sys.executable))}:"$PATH"\n'
    for name in (".profile", ".bash_profile"):
        (home / name).write_text(line, encoding="utf-8")


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _claude(home: Path, workdir: Path, server_url: str | None, allow_tools: bool,
            hooks: Hooks) -> dict[str, str]:
    # Without hasCompletedOnboarding it checks its vendor's reachability and exits.
    _write_json(home / ".claude.json", {
        "hasCompletedOnboarding": True,
        "projects": {str(workdir.resolve()): {"hasTrustDialogAccepted": True}},
    })
    permissions = {"allow": CLAUDE_TOOLS} if allow_tools else {}
    settings: dict[str, object] = {"permissions": permissions}
    events = {"SessionStart": hooks.session_start, "Stop": hooks.turn_end}
    if any(events.values()):
        settings["hooks"] = {event: [{"hooks": [{"type": "command", "command": shlex.join(argv)}]}]
                             for event, argv in events.items() if argv}
    _write_json(home / ".claude" / "settings.json", settings)
    env = {"HOME": str(home), "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
           "DISABLE_AUTOUPDATER": "1"}
    if server_url:
        env |= {"ANTHROPIC_BASE_URL": server_url, "ANTHROPIC_AUTH_TOKEN": TOKEN}
    return env


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string


def _codex(home: Path, workdir: Path, server_url: str | None, allow_tools: bool,
           hooks: Hooks) -> dict[str, str]:
    # Codex's workspace-write sandbox keeps every .git read-only, and an agent's work is
    # commits (`gt mol step done` commits the town's ledger, `gt done` the worktree):
    # allowed tools run unsandboxed; otherwise each command outside it asks first.
    approval, sandbox = ("never", "danger-full-access") if allow_tools else ("on-request",
                                                                            "workspace-write")
    lines = [f"approval_policy = {_toml_string(approval)}",
             f"sandbox_mode = {_toml_string(sandbox)}"]
    if hooks.turn_end:  # Codex appends its event, as JSON, to these arguments
        lines.append(f"notify = {json.dumps(hooks.turn_end)}")
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
    # With CI=true or GITHUB_ACTIONS=true it runs headless and exits at once; an agent's
    # pane is interactive, wherever gastown itself runs.
    env = {"HOME": str(home), "GEMINI_API_KEY": TOKEN, "CI": "", "GITHUB_ACTIONS": ""}
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
