"""Turn declared Commands into invoke Tasks with exactly the declared flags."""
from __future__ import annotations

from typing import Any

from invoke import Task
from invoke.parser import Argument

from gastown.cli.spec import Arg, Command


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
    return Argument(names=names, kind=kind, default=default, help=arg.help,
                    positional=arg.kind in ("pos", "pos?"),
                    attr_name=arg.name if arg.name != main else None)


class SpecTask(Task):  # type: ignore[misc]
    """An invoke task whose arguments come from a Command declaration."""

    def __init__(self, command: Command) -> None:
        self.command = command

        def body(c: Any, **kwargs: Any) -> int:
            values = command.defaults()
            values.update(kwargs)
            for a in command.args:
                if a.kind in ("pos*", "pos+") and isinstance(values.get(a.name), str):
                    values[a.name] = [values[a.name]]
            code = command.resolve()(**values)
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
        return sorted(args, key=lambda a: not a.positional)
