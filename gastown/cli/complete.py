"""Tab completion for `gt` and `bd` from the declared commands (no invoke import).

The shell hands over the words typed so far, the last one being the word under the
cursor (possibly empty): `gt --complete -- bead dep a`. Nested groups are words
(`gt bead dep add`), and a command offers only its own declared flags.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from gastown.cli.spec import Arg, Command

Node = dict[str, Union["Node", Command]]

CORE_OPTIONS = ("--help", "--version", "--list", "--print-completion-script")
# Values offered after a flag, by the flag's argument name.
VALUES = {"status": "gastown.beads.schema:STATUSES",
          "issue_type": "gastown.beads.schema:WORK_KINDS",
          "dep_type": "gastown.beads.schema:KNOWN_DEP_TYPES"}

SCRIPT = """\
# {prog} tab completion; load with: eval "$({prog} --print-completion-script {shell})"
{preamble}_{prog}_complete() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}}
    local IFS=$'\\n'
    local words
    words=$({prog} --complete -- "${{COMP_WORDS[@]:1:COMP_CWORD}}" 2>/dev/null)
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}}
complete -o default -F _{prog}_complete {prog}
"""
SHELLS = {"bash": "", "zsh": "autoload -U +X bashcompinit && bashcompinit\n"}


def tree(groups: Sequence[tuple[str | None, Sequence[Command]]]) -> Node:
    """Words to sub-trees or commands: {'bead': {'dep': {'add': Command}}}."""
    root: Node = {}
    for group, commands in groups:
        base = root if group is None else root.setdefault(group, {})
        for cmd in commands:
            node = base
            *heads, last = cmd.name.split(".")
            for head in heads:
                node = node.setdefault(head, {})  # type: ignore[assignment]
            node[last] = cmd  # type: ignore[index]
    return root


def _flags(arg: Arg) -> list[str]:
    if arg.positional:
        return []
    return list(arg.flags) or [f"--{arg.long}"]


def _values(arg: Arg) -> list[str]:
    spec = VALUES.get(arg.name)
    if spec is None:
        return []
    import importlib

    module, _, name = spec.partition(":")
    return list(getattr(importlib.import_module(module), name, ()))


def _command_words(cmd: Command, typed: Sequence[str], current: str) -> list[str]:
    takes_value = {f: a for a in cmd.args if a.kind not in ("flag",) for f in _flags(a)}
    if typed and typed[-1] in takes_value:
        return _values(takes_value[typed[-1]])
    if not current.startswith("-"):
        return []  # a positional: let the shell offer file names
    used = set(typed)
    out = []
    for a in cmd.args:
        flags = _flags(a)
        if a.kind != "list" and used.intersection(flags):
            continue
        out.extend(f for f in flags if f.startswith("--") or current == "-")
    return [*out, "--help"]


def candidates(root: Node, words: Sequence[str], core: Sequence[str] = CORE_OPTIONS) -> list[str]:
    """What may follow: `words` are the words after the program name, the last partial."""
    *typed, current = list(words) or [""]
    node: Node | Command = root
    rest: list[str] = []
    for i, word in enumerate(typed):
        if isinstance(node, Command):
            rest = typed[i:]
            break
        if word.startswith("-"):
            continue  # a core option before the command
        parts = word.split(".")
        for part in parts:
            nxt = node.get(part) if isinstance(node, dict) else None
            if nxt is None:
                return []
            node = nxt
    if isinstance(node, Command):
        return [w for w in _command_words(node, rest, current) if w.startswith(current)]
    if current.startswith("-"):
        return [o for o in core if o.startswith(current)] if node is root else ["--help"]
    return sorted(w for w in node if w.startswith(current))


def script(prog: str, shell: str) -> str:
    if shell not in SHELLS:
        from gastown.errors import UsageError

        raise UsageError(f"no completion script for {shell!r}; one of: {', '.join(SHELLS)}")
    return SCRIPT.format(prog=prog, shell=shell, preamble=SHELLS[shell])


def handle(argv: Sequence[str], prog: str, root: Node, core: Sequence[str] = CORE_OPTIONS
           ) -> int | None:
    """Serve `--complete -- WORDS` and `--print-completion-script SHELL`; None: not ours."""
    import sys

    if argv[:1] == ["--complete"]:
        words = list(argv[1:])
        if words[:1] == ["--"]:
            words = words[1:]
        for word in candidates(root, words, core):
            sys.stdout.write(word + "\n")
        return 0
    if argv[:1] == ["--print-completion-script"]:
        sys.stdout.write(script(prog, argv[1] if len(argv) > 1 else "bash"))
        return 0
    return None
