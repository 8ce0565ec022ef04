"""Turn declared Commands into invoke Tasks with exactly the declared flags."""
from __future__ import annotations

import os
import sys
from typing import Any

from invoke import Task
from invoke.parser import Argument

from gastown.cli.spec import Arg, Command
from gastown.errors import error_handler

# Under `inv` (invoke's own Program) `mol.status --help` would give `--help` to the
# missing positional; a per-task --help flag takes it first and prints the help.
HELP = "help"


def usage(command: Command, binary: str) -> str:
    """`gt mol status [--options] MOLECULE` (`inv mol.status ...` under inv)."""
    words = []
    for a in command.args:
        meta = a.name.upper()
        words.append({"pos": meta, "pos?": f"[{meta}]", "pos*": f"[{meta}...]",
                      "pos+": f"{meta}..."}.get(a.kind, ""))
    name = command.name.split(".") if binary == "gt" else [command.name]
    return " ".join(w for w in [binary, *name, "[--options]", *words] if w)


def task_help(command: Command, binary: str, dotted: str) -> str:
    """The help `inv TASK --help` prints, from the declaration."""
    lines = [f"Usage: {usage(command._replace(name=dotted), binary)}", "",
             f"  {command.help}", "", "Options:"]
    for a in command.args:
        flags = [f"--{a.name.replace('_', '-')}"]
        if a.long != a.name.replace("_", "-") and not a.positional:
            flags.append(f"--{a.long}")
        if a.short:
            flags.insert(0, f"-{a.short}")
        value = "" if a.kind == "flag" else f"={a.kind.upper() if not a.positional else 'STRING'}"
        lines.append(f"  {', '.join(flags) + value:<30} {a.help}")
    return "\n".join(lines)


def values_of(command: Command, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The handler's keyword arguments from what invoke parsed."""
    values = command.defaults()
    values.update(kwargs)
    for a in command.args:
        if a.kind in ("pos*", "pos+") and isinstance(values.get(a.name), str):
            values[a.name] = [values[a.name]]
    return values


def _argument(arg: Arg) -> Argument:
    # invoke's main name must be the attribute name (dashed): its help looks flags up
    # by it. The declared long flag, if different, and the short one are nicknames.
    main = arg.name.replace("_", "-")
    names = [main]
    if arg.long != main and not arg.positional:
        names.append(arg.long)
    if arg.short:
        names.append(arg.short)
    kind: Any = {"flag": bool, "list": list, "int": int}.get(arg.kind, str)
    if arg.kind in ("pos*", "pos+"):
        kind = list
    default = arg.default
    if kind is list and default is None:
        default = []
    # invoke aliases attr_name to the first name: only give it when they differ.
    return _Positional(names=names, kind=kind, default=default, help=arg.help,
                    positional=arg.kind in ("pos", "pos?"),
                    attr_name=arg.name if arg.name != main else None)


class _Positional(Argument):  # type: ignore[misc]
    """An argument that counts as given once the task's --help is (for `inv T --help`)."""

    help_flag: Argument | None = None

    @property
    def value(self) -> Any:
        if self._value is None and self.help_flag is not None and self.help_flag.value:
            return ""
        return self._value if self._value is not None else self.default

    @value.setter
    def value(self, arg: str) -> None:
        self.set_value(arg, cast=True)


class SpecTask(Task):  # type: ignore[misc]
    """An invoke task whose arguments come from a Command declaration."""

    def __init__(self, command: Command) -> None:
        self.command = command
        self.dotted: str | None = None  # set by the namespace: `mol.status`

        def body(c: Any, **kwargs: Any) -> int:
            prog = os.path.basename(sys.argv[0] or "gt")
            # invoke's own Program (`inv`) would print a traceback: map errors here
            with error_handler(prog):
                if kwargs.pop(HELP, False):
                    print(task_help(command, prog, self.dotted or command.name))
                    return 0
                code = command.resolve()(**values_of(command, kwargs))
            if code:
                raise SystemExit(code)  # invoke ignores return values
            return 0

        body.__doc__ = command.help
        super().__init__(body, name=command.name.rpartition(".")[2].replace("_", "-"))

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        args = [_argument(a) for a in self.command.args]
        # invoke fills positionals in order and only knows single-value ones; a
        # pos*/pos+ argument is given as a repeatable flag (`--ids a --ids b`) or, by
        # gt's argv rewriting, from the trailing words.
        help_flag = Argument(names=[HELP], kind=bool, default=False,
                             help="print this command's help")
        for a in args:
            a.help_flag = help_flag
        args.append(help_flag)
        return sorted(args, key=lambda a: not a.positional)

