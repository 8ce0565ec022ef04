"""`gt`'s invoke Program over gastown's namespace, with gastown's exit codes.

It serves what the fast path (gastown/cli/fast.py) leaves to it: core options,
help, listings, completion and anything the fast path cannot resolve.

On top of invoke: `gt a b` means `gt a.b`; `gt a b --help` prints that command's
help; words after a command's last positional fill its list argument (`gt bead
close gt-1 gt-2`).
"""
from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from invoke import Collection, Program
from invoke.exceptions import Exit, ParseError, UnexpectedExit
from invoke.util import helpline

from gastown import __version__
from gastown.cli.invoke_tasks import SpecTask
from gastown.errors import EXIT_USAGE, UsageError, error_handler


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
    """`bead` or `mol step` (alone or with --help) names a group: list its commands."""
    bare = [w for w in words if w not in ("--help", "-h")]
    if not bare or any(w.startswith("-") for w in bare):
        return None
    node = ns
    for word in bare:
        if word not in node.collections:
            return None
        node = node.collections[word]
    return ".".join(bare)


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
    if words[:1] == ["help"] and "help" not in ns.task_names:
        # `gt help bead create` is `gt bead create --help`; `gt help` is `gt --help`
        head, words = [*head, "--help"], words[1:]
    if any(t in ("-l", "--list") for t in head):
        # `gt -l mol step` lists the group `mol.step`
        return [*head, ".".join(words)] if words else argv
    if any(t in ("-h", "--help") for t in head) and words:
        # `gt --help bead create` is `gt bead create --help`
        head = [t for t in head if t not in ("-h", "--help")]
        words = [*words, "--help"]
    hit = _join_words(ns, words)
    if hit is None:
        group = _collection_named(ns, words)
        if group:
            return [*head, "--list", group]
        if words and words[0] in ns.collections:
            named = " ".join(w for w in words if not w.startswith("-"))
            raise UsageError(f"no command `{named}`; `gt {words[0]}` lists the commands "
                             f"of {words[0]}")
        return [*head, *words]
    dotted, n = hit
    rest = words[n:]
    if "--help" in rest or "-h" in rest:
        return [*head, "--help", dotted]
    task = _task(ns, dotted)
    if task is not None:
        rest = _variadic(task, rest)
    return [*head, dotted, *rest]


# invoke's core options that mean something to gt; the others (runner settings such
# as --pty or --echo) are still parsed, because invoke reads them, but not shown.
SHOWN_CORE = ("help", "version", "list", "list-depth", "list-format", "complete",
              "print-completion-script", "debug")


class GtProgram(Program):  # type: ignore[misc]
    def print_help(self) -> None:
        print(f"Usage: {self.binary} [--core-opts] COMMAND [SUBCOMMAND] [--options] [ARGS]")
        print("")
        print("`gt a b` is `gt a.b`; `gt a b --help` prints that command's help;")
        print("`gt a` lists the commands of the group a.")
        print("")
        print("Core options:")
        print("")
        shown = [t for t in self.initial_context.help_tuples()
                 if any(re.search(rf"--{name}\b", t[0]) for name in SHOWN_CORE)]
        self.print_columns(shown)
        self.list_tasks()

    def print_task_help(self, name: str) -> None:
        task = _task(self.collection, name)
        if task is None:
            super().print_task_help(name)
            return
        words = []
        for a in task.command.args:
            meta = a.name.upper()
            words.append({"pos": meta, "pos?": f"[{meta}]", "pos*": f"[{meta}...]",
                          "pos+": f"{meta}..."}.get(a.kind, ""))
        usage = " ".join(w for w in [self.binary, *name.split("."), "[--options]", *words] if w)
        print(f"Usage: {usage}\n")
        print(f"{self.leading_indent}{task.command.help}\n")
        options = [t for t in self.parser.contexts[name].help_tuples()
                   if not t[0].startswith("--help")]
        if options:
            print("Options:")
            self.print_columns(options)

    def list_flat(self) -> None:
        """Commands as they are typed: `bead dep add`, not `bead.dep.add`."""
        scope = self.list_root.split(".") if isinstance(self.list_root, str) else []
        focus = self.scoped_collection
        rows = [(" ".join([*scope, *name.split(".")]), helpline(focus[name]))
                for name in focus.task_names]
        group = f" of `{' '.join(scope)}`" if scope else ""
        print(f"Commands{group} (`{self.binary} COMMAND --help` for one):\n")
        self.print_columns(sorted(rows))

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
