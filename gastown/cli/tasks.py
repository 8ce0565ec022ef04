"""The one invoke namespace behind `gt` and `inv` (a town's tasks.py imports it)."""
from __future__ import annotations

from invoke import Collection

from gastown.cli.invoke_tasks import SpecTask
from gastown.cli.modules import GROUPS, commands_of
from gastown.cli.spec import Command


def _collection(name: str | None, commands: tuple[Command, ...]) -> Collection:
    root = Collection(name) if name else Collection()
    groups: dict[str, Collection] = {}
    for cmd in commands:
        head, _, tail = cmd.name.partition(".")
        task = SpecTask(cmd)
        task.dotted = f"{name}.{cmd.name}" if name else cmd.name
        if tail:
            if head not in groups:
                groups[head] = Collection(head)
                root.add_collection(groups[head])
            groups[head].add_task(task, name=tail)
        else:
            root.add_task(task, name=head)
    return root


def build_namespace() -> Collection:
    ns = Collection()
    for group, module in GROUPS:
        if group is None:
            for task in _collection(None, commands_of(module)).tasks.values():
                ns.add_task(task)
        else:
            ns.add_collection(_collection(group, commands_of(module)))
    return ns


namespace = build_namespace()
