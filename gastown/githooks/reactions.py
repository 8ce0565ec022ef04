"""The reaction registry, and the reactions every town has.

A reaction is a function `(town, events) -> None` registered under a name. It must be
idempotent: after a crash the reactor replays the events of the commit it was on.
Later parts of gastown register theirs in modules listed in REACTION_MODULES; a town
adds its own with `[reactions] modules = ["pkg.mod"]` in town.toml (importable from
the town root), and shell commands with `[[reactions.run]]`.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from gastown.town.paths import Town

Event = dict[str, Any]
Reaction = Callable[[Town, list[Event]], None]

REGISTRY: dict[str, Reaction] = {}
REACTION_MODULES: list[str] = ["gastown.agents.reactions", "gastown.convoys.reactions",
                               "gastown.refinery.reactions", "gastown.escalations.reactions",
                               "gastown.scheduler.reactions"]
FEED = "events.jsonl"


def reaction(name: str) -> Callable[[Reaction], Reaction]:
    """Register `fn` as the reaction called `name` (a later registration replaces it)."""

    def register(fn: Reaction) -> Reaction:
        REGISTRY[name] = fn
        return fn

    return register


def load(town: Town) -> dict[str, Reaction]:
    """Every registered reaction: built-ins, gastown's modules, the town's own."""
    config = town.config().get("reactions", {})
    root = str(town.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    for module in (*REACTION_MODULES, *config.get("modules", ())):
        importlib.import_module(module)
    reactions = dict(REGISTRY)
    for i, spec in enumerate(config.get("run", ())):
        reactions[f"run:{spec.get('name', i)}"] = _command_reaction(spec)
    return reactions


@reaction("feed")
def append_feed(town: Town, events: list[Event]) -> None:
    """Append to `.gastown/events.jsonl`, skipping events already there (replays)."""
    path = town.state / FEED
    seen = _recent_ids(path, len(events) * 4 + 64)
    fresh = [e for e in events if e["id"] not in seen]
    if not fresh:
        return
    with open(path, "a", encoding="utf-8") as f:
        for e in fresh:
            f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _recent_ids(path: os.PathLike[str], lines: int) -> set[str]:
    """Ids of the last `lines` events (a replay only ever repeats the newest ones)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - lines * 600))
            tail = f.read().split(b"\n")
    except FileNotFoundError:
        return set()
    ids = set()
    for raw in tail[-lines:]:
        try:
            ids.add(json.loads(raw)["id"])
        except (ValueError, KeyError, TypeError):
            continue
    return ids


def _command_reaction(spec: dict[str, Any]) -> Reaction:
    """`[[reactions.run]] on = ["closed"], command = "..."`: one run per matching event.

    The command runs in the town root through sh with the event as JSON on stdin and
    GT_EVENT_TYPE, GT_EVENT_BEAD, GT_EVENT_ID, GT_EVENT_COMMIT in its environment.
    """
    kinds = spec.get("on") or []
    if isinstance(kinds, str):
        kinds = [kinds]
    command = spec["command"]
    timeout = float(spec.get("timeout", 300))

    def run(town: Town, events: list[Event]) -> None:
        for event in events:
            if kinds and event["type"] not in kinds:
                continue
            env = {**os.environ, "GT_TOWN": str(town.root), "GT_EVENT_TYPE": event["type"],
                   "GT_EVENT_BEAD": event["bead"], "GT_EVENT_ID": event["id"],
                   "GT_EVENT_COMMIT": event["commit"]}
            proc = subprocess.run(["sh", "-c", command], cwd=town.root, env=env,
                                  input=json.dumps(event).encode(), capture_output=True,
                                  timeout=timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"command {command!r} exited {proc.returncode} on "
                                   f"{event['type']} {event['bead']}: "
                                   f"{proc.stderr.decode(errors='replace').strip()[-500:]}")

    return run
