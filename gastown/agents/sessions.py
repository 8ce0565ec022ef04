"""Starting and stopping agents' tmux sessions: where they run and what they are told."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from gastown.agents import identity
from gastown.agents.runtimes import Runtime
from gastown.agents.tmux import Tmux
from gastown.errors import GastownError
from gastown.town.paths import Town

Bead = dict[str, Any]


def session_of(agent: Bead) -> str:
    return identity.session_name(agent.get("rig"), agent["name"])


def workdir(town: Town, agent: Bead) -> Path:
    """Where the agent works: its worktree (polecat, crew), its rig, or the town."""
    rig, role = agent.get("rig"), agent.get("role")
    if rig is None:
        return town.root
    base = town.root / "rigs" / rig
    if role == "polecat":
        return base / "polecats" / agent["name"]
    if role == "crew":
        return base / "crew" / agent["name"]
    return base


def environment(town: Town, agent: Bead) -> dict[str, str]:
    address = identity.address_of(agent)
    bin_dir = os.path.dirname(sys.executable)
    env = {"GT_TOWN": str(town.root), "GT_RIG": agent.get("rig") or "",
           "GT_ROLE": agent.get("role") or "", "GT_AGENT": address, "BD_ACTOR": address,
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    if os.environ.get("GT_MODEL_URL"):  # the agents this one starts use the same server
        env["GT_MODEL_URL"] = os.environ["GT_MODEL_URL"]
    return env


def first_prompt(agent: Bead, prime: str = "prompt") -> str:
    """What the client is told first; with prime = "hook" its session-start hook has
    already put `gt prime`'s output in its context."""
    you = f"You are {identity.address_of(agent)}, a gastown {agent.get('role')}. "
    if prime == "hook":
        return you + ("Your role, the work on your hook and your mail are in your context, "
                      "from `gt prime`: do that work.")
    return you + ("Run `gt prime` to see your role, the work on your hook and your mail, "
                  "then do that work.")


# A person's session (crew, or the mayor on the shell runtime): their own shell,
# after the role's context. Fixed text: nothing from the ledger is in it.
INTERACTIVE = ["sh", "-c", 'gt prime; exec "${SHELL:-sh}"']


# prompt = "stdin": the client reads its first prompt from a file on stdin.
FROM_FILE = ["sh", "-c", 'exec "$@" < "$GT_PROMPT_FILE"', "sh"]


def command_for(agent: Bead, runtime: Runtime | None) -> list[str]:
    if runtime is None or (runtime.prime == "self" and agent.get("role") in ("crew", "mayor")):
        return INTERACTIVE
    prompt = first_prompt(agent, runtime.prime) if runtime.prime != "self" else None
    if runtime.prompt == "stdin" and prompt:
        return [*FROM_FILE, *runtime.argv(None)]
    return runtime.argv(prompt)


def prompt_file(town: Town, agent: Bead) -> Path:
    return town.state / "prompts" / f"{session_of(agent)}.txt"


def start(town: Town, agent: Bead, runtime: Runtime | None,
          program: list[str] | None = None) -> str:
    """Start the agent's session (no-op when it runs); returns the session name.

    With no runtime (crew), the session is an interactive shell; `program` replaces
    the runtime's command (the supervision roles run gastown's own loops)."""
    tmux = Tmux.for_town(town)
    name = session_of(agent)
    if tmux.has(name):
        return name
    cwd = workdir(town, agent)
    cwd.mkdir(parents=True, exist_ok=True)
    env = environment(town, agent)
    if runtime is not None and runtime.seed:
        env |= _seed(town, name, cwd, runtime)
    if runtime is not None and runtime.prompt == "stdin":
        path = prompt_file(town, agent)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(first_prompt(agent, runtime.prime) + "\n")
        env["GT_PROMPT_FILE"] = str(path)
    try:
        tmux.start(name, cwd=str(cwd), env=env, command=program or command_for(agent, runtime))
    except GastownError:
        if tmux.has(name):  # started meanwhile by someone else (a Witness restarting it)
            return name
        raise
    if (program is None and runtime is not None and runtime.prompt == "typed"
            and runtime.prime != "self"):
        _type_first_prompt(town, agent, name, runtime)
    return name


def _seed(town: Town, session: str, cwd: Path, runtime: Runtime) -> dict[str, str]:
    """The client's own home, its hooks running `gt prime` (prime = "hook") and
    signalling each turn's end."""
    from gastown.agents import clientconfig, turns

    gt = os.path.join(os.path.dirname(sys.executable), "gt")
    hooks = clientconfig.Hooks(
        session_start=[gt if os.path.exists(gt) else "gt", "prime"] if runtime.prime == "hook" else None,
        turn_end=turns.command(town, session))
    return clientconfig.seed(runtime.seed or "", town.state / "homes" / session, cwd,
                             clientconfig.model_url(session), hooks=hooks)


def _type_first_prompt(town: Town, agent: Bead, session: str, runtime: Runtime) -> None:
    """Queue the first prompt; the session's nudge watcher types it once the client
    shows it is ready."""
    from gastown.agents import nudge
    from gastown.agents.targets import patterns_of

    nudge.enqueue(town, session, first_prompt(agent, runtime.prime))
    nudge.start_watcher(town, session, patterns_of(runtime))


def attach_or_explain(town: Town, session: str) -> str | None:
    """Attach this terminal to `session`; without a terminal, say how (returns the text)."""
    tmux = Tmux.for_town(town)
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        return (f"session {session} runs; attach from a terminal with "
                f"`tmux -L {tmux.socket} attach -t {session}`")
    tmux.attach(session)
    return None


def stop(town: Town, agent: Bead) -> bool:
    """Kill the agent's session; whether one was running."""
    tmux = Tmux.for_town(town)
    name = session_of(agent)
    if not tmux.has(name):
        return False
    tmux.stop(name)
    return True


def running(town: Town) -> set[str]:
    return Tmux.for_town(town).running()


def stop_rig(town: Town, rig: str) -> None:
    tmux = Tmux.for_town(town)
    for name in tmux.running():
        if name.startswith(f"gt-{rig}-"):
            tmux.stop(name)


def respawn(town: Town, agent: Bead, runtime: Runtime | None,
            program: list[str] | None = None) -> str:
    """A fresh session program for the agent: in place when it runs, else started."""
    tmux = Tmux.for_town(town)
    name = session_of(agent)
    if not tmux.has(name):
        return start(town, agent, runtime, program)
    tmux.respawn(name, program or command_for(agent, runtime))
    return name
