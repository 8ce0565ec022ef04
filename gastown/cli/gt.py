"""`gt`: an invoke Program over gastown's namespace, with gastown's exit codes.

On top of invoke: `gt a b` means `gt a.b`; `gt a b --help` prints that command's
help; words after a command's last positional fill its list argument (`gt bead
close gt-1 gt-2`).
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

from invoke import Collection, Program
from invoke.exceptions import Exit, ParseError, UnexpectedExit

from gastown import __version__
from gastown.cli.invoke_tasks import SpecTask
from gastown.errors import EXIT_USAGE, error_handler


def _task(ns: Collection, dotted: str) -> SpecTask | None:
    try:
        task = ns[dotted]
    except (KeyError, ValueError):
        return None
    return task if isinstance(task, SpecTask) else None


def _join_words(ns: Collection, words: list[str]) -> tuple[str, int] | None:
    """The longest run of leading bare words `a b c` that names the task `a.b.c`."""
    names = ns.task_names
    bare = 0
    while bare < len(words) and not words[bare].startswith("-"):
        bare += 1
    for n in range(bare, 0, -1):
        dotted = ".".join(words[:n])
        if dotted in names:
            return dotted, n
    return None


def _collection_named(ns: Collection, words: list[str]) -> str | None:
    if len(words) == 1 and words[0] in ns.collections:
        return words[0]
    return None


def _variadic(task: SpecTask, rest: list[str]) -> list[str]:
    """Move the bare words beyond the single positionals into a repeated list flag."""
    args = task.command.args
    takes_value = set()
    for a in args:
        if not a.positional and a.kind != "flag":
            takes_value.update(a.flags)
            takes_value.add(f"--{a.long}")
    singles = [a for a in args if a.kind in ("pos", "pos?")]
    many = next((a for a in args if a.kind in ("pos*", "pos+")), None)
    if many is None:
        return rest
    out: list[str] = []
    bare: list[str] = []
    i = 0
    while i < len(rest):
        tok = rest[i]
        if tok.startswith("-") and tok != "-":
            out.append(tok)
            if tok in takes_value and "=" not in tok and i + 1 < len(rest):
                out.append(rest[i + 1])
                i += 1
        else:
            bare.append(tok)
        i += 1
    out.extend(bare[:len(singles)])
    for word in bare[len(singles):]:
        out.extend([f"--{many.long}", word])
    return out


def rewrite(argv: list[str], ns: Collection) -> list[str]:
    """Apply gt's conveniences to argv (without the program name)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 1
    head, words = argv[:i], argv[i:]
    hit = _join_words(ns, words)
    if hit is None:
        group = _collection_named(ns, words)
        return [*head, "--list", group] if group else argv
    dotted, n = hit
    rest = words[n:]
    if "--help" in rest or "-h" in rest:
        return [*head, "--help", dotted]
    task = _task(ns, dotted)
    if task is not None:
        rest = _variadic(task, rest)
    return [*head, dotted, *rest]


class GtProgram(Program):  # type: ignore[misc]
    def run(self, argv: Sequence[str] | None = None, exit: bool = True) -> None:
        args = list(sys.argv[1:] if argv is None else argv)
        with error_handler(self.name or "gt"):
            try:
                self.create_config()
                self.parse_core([self.binary or "gt", *rewrite(args, self.namespace)])
                self.parse_collection()
                self.parse_tasks()
                self.parse_cleanup()
                self.update_config()
                self.execute()
            except ParseError as e:
                print(f"{self.name}: usage error: {e}", file=sys.stderr)
                raise SystemExit(EXIT_USAGE) from None
            except Exit as e:
                if e.message:
                    print(e.message, file=sys.stderr)
                raise SystemExit(e.code) from None
            except UnexpectedExit as e:
                raise SystemExit(e.result.exited) from None


def program() -> GtProgram:
    from gastown.cli.tasks import namespace

    return GtProgram(name="gt", binary="gt", version=__version__, namespace=namespace)


def main() -> None:
    program().run()


if __name__ == "__main__":
    main()
