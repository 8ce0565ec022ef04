"""Seeded per-agent homes, the presets that ask for them, and where clients are found."""
from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from gastown.agents import clientconfig, runtimes
from gastown.errors import GastownError


def _apart_from_git(env: dict[str, str]) -> dict[str, str]:
    assert env["GIT_CONFIG_GLOBAL"] == os.environ["GIT_CONFIG_GLOBAL"]  # the tests' own
    return {k: v for k, v in env.items() if k != "GIT_CONFIG_GLOBAL"}


def test_an_agents_own_home_keeps_the_persons_git_identity(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    person = tmp_path / "person"
    person.mkdir()
    monkeypatch.setenv("HOME", str(person))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(person / ".config"))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    assert "GIT_CONFIG_GLOBAL" not in clientconfig.seed("claude", tmp_path / "a", tmp_path, None)
    (person / ".config" / "git").mkdir(parents=True)
    (person / ".config" / "git" / "config").write_text(
        "[user]\n\tname = Pat\n\temail = pat@example.invalid\n")
    env = clientconfig.seed("codex", tmp_path / "b", tmp_path, None)
    name = subprocess.run(["git", "config", "user.name"], env={**os.environ, **env},
                          capture_output=True, text=True, cwd=tmp_path).stdout.strip()
    assert name == "Pat" and env["HOME"] == str(tmp_path / "b")


def test_claude_home_answers_onboarding_trusts_the_work_folder_and_allows_tools(
        tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    env = clientconfig.seed("claude", home, work, "http://127.0.0.1:9/gt-rig-a")
    state = json.loads((home / ".claude.json").read_text())
    assert state["hasCompletedOnboarding"] is True
    assert state["projects"][str(work.resolve())]["hasTrustDialogAccepted"] is True
    settings = json.loads((home / ".claude" / "settings.json").read_text())
    assert settings["permissions"]["allow"] == ["Bash", "Write", "Edit"]
    assert _apart_from_git(env) == {"HOME": str(home), "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/gt-rig-a",
                   "ANTHROPIC_AUTH_TOKEN": clientconfig.TOKEN,
                   "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    clientconfig.seed("claude", home, work, None, allow_tools=False)
    assert json.loads((home / ".claude" / "settings.json").read_text()) == {"permissions": {}}


def test_codex_home_points_at_the_model_server_and_trusts_the_work_folder(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / 'work "quoted"'
    env = clientconfig.seed("codex", home, work, "http://127.0.0.1:9/gt-rig-a/")
    config = tomllib.loads((home / ".codex" / "config.toml").read_text())
    # Agents commit (the ledger, their worktree): Codex's sandbox would keep .git read-only.
    assert config["approval_policy"] == "never" and config["sandbox_mode"] == "danger-full-access"
    assert config["model_provider"] == "fake" and "notify" not in config
    assert config["model_providers"]["fake"] == {
        "name": "fake", "base_url": "http://127.0.0.1:9/gt-rig-a/v1", "env_key": "GT_MODEL_KEY",
        "wire_api": "responses"}
    assert config["projects"][str(work.resolve())] == {"trust_level": "trusted"}
    assert _apart_from_git(env) == {"HOME": str(home), "CODEX_HOME": str(home / ".codex"),
                   "GT_MODEL_KEY": clientconfig.TOKEN}
    clientconfig.seed("codex", home, work, None, allow_tools=False)
    config = tomllib.loads((home / ".codex" / "config.toml").read_text())
    assert config["approval_policy"] == "on-request" and "model_provider" not in config
    assert config["sandbox_mode"] == "workspace-write"


def test_the_clients_own_hooks_run_gt_prime_and_signal_each_turns_end(tmp_path: Path) -> None:
    hooks = clientconfig.Hooks(session_start=["/venv/bin/gt", "prime"],
                               turn_end=["/venv/bin/python", "-m", "gastown.agents.turns",
                                         "ended", "/my town", "gt-rig-a"])
    clientconfig.seed("claude", tmp_path / "c", tmp_path / "w", None, hooks=hooks)
    settings = json.loads((tmp_path / "c" / ".claude" / "settings.json").read_text())
    assert settings["hooks"] == {
        "SessionStart": [{"hooks": [{"type": "command", "command": "/venv/bin/gt prime"}]}],
        "Stop": [{"hooks": [{"type": "command", "command":
                             "/venv/bin/python -m gastown.agents.turns ended '/my town' gt-rig-a"}]}]}
    clientconfig.seed("codex", tmp_path / "x", tmp_path / "w", None, hooks=hooks)
    config = tomllib.loads((tmp_path / "x" / ".codex" / "config.toml").read_text())
    assert config["notify"] == hooks.turn_end  # Codex has no session-start hook


def test_login_shells_in_a_seeded_home_find_gastowns_programs(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    clientconfig.seed("codex", home, tmp_path / "w", None)
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    found = subprocess.run(["bash", "-lc", "command -v gt"], env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert found == os.path.join(os.path.dirname(sys.executable), "gt")


def test_model_url_is_per_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GT_MODEL_URL", raising=False)
    assert clientconfig.model_url("gt-rig-a") is None
    monkeypatch.setenv("GT_MODEL_URL", "http://127.0.0.1:8/")
    assert clientconfig.model_url("gt-rig-a") == "http://127.0.0.1:8/gt-rig-a"


def test_presets_declare_their_seed_and_unknown_seeds_are_refused() -> None:
    assert runtimes.load(None, "claude").seed == "claude"
    assert runtimes.load(None, "codex").seed == "codex"
    assert runtimes.load(None, "shell").seed is None
    with pytest.raises(GastownError, match="seed must be one of claude, codex, gemini, opencode"):
        runtimes.parse("x", {"command": ["x"], "ready": "r", "busy": "b", "seed": "vim"}, "x.toml")


def test_clients_placeholder_finds_the_installed_program_or_falls_back_to_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GT_CLIENTS", str(tmp_path))
    codex = runtimes.load(None, "codex")
    assert codex.argv(None) == ["codex", "--no-daemon"]
    installed = tmp_path / "node_modules" / ".bin" / "codex"
    installed.parent.mkdir(parents=True)
    installed.touch()
    assert codex.argv("go") == [str(installed), "--no-daemon", "go"]


def test_a_session_of_a_seeded_runtime_gets_its_own_home(
        town: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from gastown.agents import sessions
    from gastown.agents.tmux import Tmux
    from gastown.town.paths import Town
    from tests.clients.conftest import eventually

    assert isinstance(town, Town)
    monkeypatch.setenv("GT_MODEL_URL", "http://127.0.0.1:9")
    runtime = runtimes.parse("fake", {
        "command": ["sh", "-c", 'echo "$HOME $ANTHROPIC_BASE_URL" > seen; sleep 30'],
        "ready": "x", "busy": "y", "prompt": "none", "seed": "claude"}, "fake.toml")
    agent = {"name": "mayor", "role": "mayor"}
    try:
        name = sessions.start(town, agent, runtime)
        seen = town.root / "seen"
        eventually(lambda: seen.exists() and seen.read_text().strip())
        home = town.state / "homes" / name
        assert seen.read_text().split() == [str(home), f"http://127.0.0.1:9/{name}"]
        assert (home / ".claude.json").exists()
    finally:
        Tmux.for_town(town).kill_server()


def test_gemini_home_picks_key_auth_and_trusts_the_work_folder(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    env = clientconfig.seed("gemini", home, work, "http://127.0.0.1:9/gt-rig-a")
    settings = json.loads((home / ".gemini" / "settings.json").read_text())
    assert settings["security"]["auth"]["selectedType"] == "gemini-api-key"
    trusted = json.loads((home / ".gemini" / "trustedFolders.json").read_text())
    assert trusted == {str(work.resolve()): "TRUST_FOLDER"}
    # CI=true (a CI runner's) would make it headless: it would exit at once in its pane
    assert _apart_from_git(env) == {"HOME": str(home), "GEMINI_API_KEY": clientconfig.TOKEN,
                                    "GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:9/gt-rig-a",
                                    "CI": "", "GITHUB_ACTIONS": ""}


def test_opencode_home_holds_a_provider_for_the_model_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = clientconfig.seed("opencode", home, tmp_path, "http://127.0.0.1:9/gt-rig-a")
    config = json.loads((home / ".config" / "opencode" / "opencode.json").read_text())
    assert config["model"] == "scripted/scripted"
    assert config["provider"]["scripted"]["options"]["baseURL"] == "http://127.0.0.1:9/gt-rig-a/v1"
    assert config["permission"] == {"bash": "allow", "edit": "allow"}
    assert env["XDG_CONFIG_HOME"] == str(home / ".config") and env["HOME"] == str(home)
    clientconfig.seed("opencode", home, tmp_path, None, allow_tools=False)
    config = json.loads((home / ".config" / "opencode" / "opencode.json").read_text())
    assert config["permission"] == {"bash": "ask", "edit": "ask"} and "provider" not in config
