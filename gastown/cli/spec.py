"""Commands declared once, as data, and served by both command lines.

`bd` builds argparse parsers from these (it must start fast: no invoke import);
`gt` and `inv` build invoke tasks from the same declarations, so the flags, help
and defaults cannot drift apart.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

# Argument kinds: str, int, flag (bool), list (repeatable, values may be comma-joined),
# pos (one positional), pos? (optional positional), pos* / pos+ (several positionals).
KINDS = ("str", "int", "flag", "list", "pos", "pos?", "pos*", "pos+")


class Arg(NamedTuple):
    name: str
    flags: tuple[str, ...] = ()
    help: str = ""
    kind: str = "str"
    default: Any = None

    @property
    def positional(self) -> bool:
        return self.kind.startswith("pos")

    @property
    def long(self) -> str:
        longs = [f for f in self.flags if f.startswith("--")]
        return longs[0][2:] if longs else self.name.replace("_", "-")

    @property
    def short(self) -> str | None:
        shorts = [f for f in self.flags if not f.startswith("--")]
        return shorts[0][1:] if shorts else None


JSON = Arg("json", ("--json",), "print JSON", "flag", False)


class Command(NamedTuple):
    name: str  # "create", "dep.add"
    help: str
    handler: str  # "module:function", imported only when the command runs
    args: tuple[Arg, ...] = ()

    def resolve(self) -> Callable[..., int]:
        module, _, func = self.handler.partition(":")
        return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]

    def defaults(self) -> dict[str, Any]:
        out = {}
        for a in self.args:
            if a.kind in ("list", "pos*", "pos+"):
                out[a.name] = list(a.default or [])
            elif a.kind == "flag":
                out[a.name] = bool(a.default)
            else:
                out[a.name] = a.default
        return out


def split_list(values: list[str] | None) -> list[str]:
    """`-l a,b -l c` -> ['a', 'b', 'c']."""
    return [p.strip() for v in values or () for p in v.split(",") if p.strip()]
