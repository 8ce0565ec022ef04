"""The one invoke namespace behind `gt` and `inv` (a town's tasks.py imports it)."""
from __future__ import annotations

from invoke import Collection

from gastown.beads.commands import COMMANDS as BEAD_COMMANDS
from gastown.cli.invoke_tasks import SpecTask
from gastown.cli.spec import Command
from gastown.formulas.commands import COMMANDS as FORMULA_COMMANDS
from gastown.molecules.commands import COMMANDS as MOL_COMMANDS
from gastown.town.commands import COMMANDS as TOWN_COMMANDS


def _collection(name: str | None, commands: tuple[Command, ...]) -> Collection:
    root = Collection(name) if name else Collection()
    groups: dict[str, Collection] = {}
    for cmd in commands:
        head, _, tail = cmd.name.partition(".")
        if tail:
            if head not in groups:
                groups[head] = Collection(head)
                root.add_collection(groups[head])
            groups[head].add_task(SpecTask(cmd), name=tail)
        else:
            root.add_task(SpecTask(cmd), name=head)
    return root


def build_namespace() -> Collection:
    ns = _collection(None, TOWN_COMMANDS)
    ns.add_collection(_collection("bead", BEAD_COMMANDS))
    ns.add_collection(_collection("formula", FORMULA_COMMANDS))
    ns.add_collection(_collection("mol", MOL_COMMANDS))
    return ns


namespace = build_namespace()
