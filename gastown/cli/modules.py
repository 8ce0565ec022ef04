"""The command modules behind `gt` and `inv`: (group, module with COMMANDS), declared once.

`gt`'s fast path imports only the module of the group it runs; the invoke namespace
(gastown/cli/tasks.py) is built from all of them. A group of None puts its commands
at the top level (`gt install`); several modules may.
"""
from __future__ import annotations

import importlib

from gastown.cli.spec import Command

GROUPS: tuple[tuple[str | None, str], ...] = (
    (None, "gastown.town.commands"),
    (None, "gastown.agents.nudge_commands"),
    ("bead", "gastown.beads.commands"),
    ("formula", "gastown.formulas.commands"),
    ("mol", "gastown.molecules.commands"),
    ("rig", "gastown.rigs.commands"),
    ("agents", "gastown.agents.commands"),
    (None, "gastown.agents.work_commands"),
    ("config", "gastown.agents.runtime_commands"),
    ("mail", "gastown.agents.mail_commands"),
    ("crew", "gastown.agents.crew_commands"),
    ("mayor", "gastown.agents.mayor_commands"),
    ("convoy", "gastown.convoys.commands"),
    ("mq", "gastown.refinery.mq_commands"),
    ("refinery", "gastown.refinery.commands"),
    (None, "gastown.liveview.commands"),
    (None, "gastown.escalations.commands"),
    ("scheduler", "gastown.scheduler.commands"),
    (None, "gastown.supervision.commands"),
    ("witness", "gastown.supervision.witness_commands"),
    ("deacon", "gastown.supervision.deacon_commands"),
)


def commands_of(module: str) -> tuple[Command, ...]:
    return tuple(importlib.import_module(module).COMMANDS)
