"""The `bd` verbs (also `gt bead.*`): parse nothing, print results, return exit codes."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gastown.beads import args, queries, snapshot
from gastown.cli.numbers import whole
from gastown.cli.output import echo, print_json, printable
from gastown.cli.spec import JSON, Arg, Command, split_list
from gastown.errors import UsageError
from gastown.town.paths import find_town

if TYPE_CHECKING:
    from gastown.beads.importing import Step

Bead = dict[str, Any]
H = "gastown.beads.commands:"


def _ops():  # type: ignore[no-untyped-def]
    """The writers, imported only by verbs that write (reads stay light)."""
    from gastown.beads import ops

    return ops


_out = echo
_one = printable  # a field shown on one line: newlines escaped too


def line(bead: Bead) -> str:
    who = f"  @{_one(bead['assignee'])}" if bead.get("assignee") else ""
    return (f"{bead['id']:<14} P{bead.get('priority', 2)}  "
            f"{_one(bead.get('issue_type', 'task')):<8} {_one(bead.get('status', 'open')):<12} "
            f"{_one(bead['title'])}{who}")


def _print_beads(beads: list[Bead], as_json: bool, empty: str) -> int:
    if as_json:
        print_json(beads)
    elif not beads:
        _out(empty)
    else:
        for b in beads:
            _out(line(b))
    return 0


def _detail(bead: Bead) -> str:
    rows = [line(bead)]
    for key in ("description", "design", "acceptance_criteria", "notes"):
        if bead.get(key):
            rows.append(f"\n{key.replace('_', ' ').title()}:\n{bead[key]}")
    if bead.get("labels"):
        rows.append(f"Labels: {', '.join(_one(x) for x in bead['labels'])}")
    for d in bead.get("dependencies") or ():
        rows.append(f"Depends on {_one(d['depends_on_id'])} ({_one(d.get('type', 'blocks'))})")
    for c in bead.get("comments") or ():
        rows.append(f"[{_one(c.get('created_at', ''))}] {_one(c.get('author', '?'))}: "
                    f"{c.get('text', '')}")
    if bead.get("close_reason"):
        rows.append(f"Closed: {bead['close_reason']}")
    return "\n".join(rows)


def create(*, title: str, issue_type: str, priority: str, description: str | None,
           design: str | None = None, acceptance: str | None = None,
           assignee: str | None, labels: list[str], parent: str | None, deps: list[str],
           bead_id: str | None, defer_until: str | None, silent: bool, json: bool) -> int:
    bead = _ops().create(find_town(), title=title, issue_type=issue_type, priority=priority,
                         description=description, design=design, acceptance=acceptance,
                         assignee=assignee, labels=split_list(labels), parent=parent,
                         deps=split_list(deps), bead_id=bead_id, defer_until=defer_until)
    if json:
        print_json(bead)
    elif silent:
        _out(bead["id"])
    else:
        _out(f"Created {bead['id']}: {_one(bead['title'])}")
    return 0


def show(*, ids: list[str], json: bool) -> int:
    if not ids:
        raise UsageError("show needs at least one bead id (e.g. `show gt-4ncl`)")
    with snapshot.load(find_town()) as snap:
        beads = queries.show(snap, ids)
    if json:
        print_json(beads[0] if len(beads) == 1 else beads)
    else:
        _out("\n\n".join(_detail(b) for b in beads))
    return 0


def list_(*, status: str | None, assignee: str | None, issue_type: str | None,
          priority: str | None, labels: list[str], limit: str, json: bool) -> int:
    if status:
        args.check_status(status)
    with snapshot.load(find_town()) as snap:
        beads = queries.list_beads(
            snap, status=status, assignee=assignee, issue_type=issue_type,
            priority=None if priority is None else args.check_priority(priority),
            labels=split_list(labels), limit=whole(limit, "--limit"))
    return _print_beads(beads, json, "no beads match")


def ready(*, limit: str, assignee: str | None, issue_type: str | None, priority: str | None,
          json: bool, mine: bool = False) -> int:
    if mine:
        if assignee is not None:
            raise UsageError("ready: --mine and --assignee do not go together "
                             "(--mine is --assignee <you>)")
        from gastown.beads.actor import actor

        assignee = actor()
    with snapshot.load(find_town()) as snap:
        beads = queries.ready(
            snap, limit=whole(limit, "--limit"), assignee=assignee, issue_type=issue_type,
            priority=None if priority is None else args.check_priority(priority))
    return _print_beads(beads, json, "no ready work")


def blocked(*, json: bool) -> int:
    with snapshot.load(find_town()) as snap:
        beads = queries.blocked(snap)
    if json:
        print_json(beads)
    elif not beads:
        _out("nothing is blocked")
    else:
        for b in beads:
            _out(f"{line(b)}  (blocked by {', '.join(b['blocked_by'])})")
    return 0


def _print_changed(beads: list[Bead], json: bool, verb: str) -> int:
    if json:
        print_json(beads[0] if len(beads) == 1 else beads)
    else:
        for b in beads:
            _out(f"{verb} {b['id']}: {_one(b['title'])} [{_one(b.get('status', 'open'))}]")
    return 0


def update(*, ids: list[str], status: str | None, title: str | None, priority: str | None,
           issue_type: str | None, assignee: str | None, description: str | None,
           notes: str | None, append_notes: str | None, defer_until: str | None,
           add_label: list[str], remove_label: list[str], claim: bool, json: bool,
           design: str | None = None, acceptance: str | None = None) -> int:
    changes = (status, title, priority, issue_type, assignee, description, design, acceptance,
               notes, append_notes, defer_until)
    if all(c is None for c in changes) and not (add_label or remove_label or claim):
        raise UsageError("update: nothing to change (give e.g. --status, --title, "
                         "--assignee, --add-label or --claim)")
    if claim and assignee is not None:
        raise UsageError("update: --assignee and --claim do not go together "
                         "(--claim assigns the bead to you)")
    unchanged: list[str] = []
    beads = _ops().update(find_town(), ids, status=status, title=title, priority=priority,
                          assignee=assignee, description=description, design=design,
                          acceptance=acceptance, notes=notes, append_notes=append_notes,
                          add_labels=split_list(add_label),
                          remove_labels=split_list(remove_label), claim=claim,
                          issue_type=issue_type, defer_until=defer_until, unchanged=unchanged)
    if json or not (claim and unchanged):
        return _print_changed(beads, json, "Claimed" if claim else "Updated")
    for b in beads:
        if b["id"] in unchanged:
            _out(f"{b['id']} is already yours ({b.get('status', 'open')}): {b['title']}")
        else:
            _print_changed([b], False, "Claimed")
    return 0


def close(*, ids: list[str], reason: str | None, json: bool) -> int:
    return _print_changed(_ops().close(find_town(), ids, reason=reason), json, "Closed")


def reopen(*, ids: list[str], json: bool) -> int:
    return _print_changed(_ops().reopen(find_town(), ids), json, "Reopened")


def dep_add(*, bead: str, depends_on: str, dep_type: str, json: bool) -> int:
    result = _ops().dep_add(find_town(), bead, depends_on, kind=dep_type)
    if json:
        print_json(result)
    else:
        from gastown.beads.resolve import resolve

        on = resolve(depends_on, {d["depends_on_id"] for d in result["dependencies"]})
        _out(f"{result['id']} now depends on {on} ({_one(dep_type)})")
    return 0


def dep_remove(*, bead: str, depends_on: str, json: bool) -> int:
    result = _ops().dep_remove(find_town(), bead, depends_on)
    if json:
        print_json(result)
    else:
        _out(f"{result['id']} no longer depends on {depends_on}")
    return 0


def _tree_lines(node: dict[str, Any], depth: int = 0) -> list[str]:
    mark = " (missing)" if node.get("missing") else " (cycle)" if node.get("cycle") else ""
    kind = f"[{node['type']}] " if node.get("type") else ""
    text = (f"{'  ' * depth}{_one(kind)}{_one(node['id'])} {_one(node.get('status', ''))} "
            f"{_one(node.get('title') or '')}")
    out = [text.rstrip() + mark]
    for child in node.get("deps", ()):
        out.extend(_tree_lines(child, depth + 1))
    return out


def dep_tree(*, bead: str, json: bool) -> int:
    with snapshot.load(find_town()) as snap:
        tree = queries.dep_tree(snap, bead)
    if json:
        print_json(tree)
    else:
        _out("\n".join(_tree_lines(tree)))
    return 0


def dep_cycles(*, json: bool) -> int:
    with snapshot.load(find_town(), warn=False) as snap:
        found = queries.cycles(snap)
    if json:
        print_json(found)
    elif not found:
        _out("no dependency cycles")
    else:
        for cycle in found:
            _out(" -> ".join([*cycle, cycle[0]]))
    return 1 if found else 0


def _ids_then_label(args: list[str]) -> tuple[list[str], list[str]]:
    if len(args) < 2:
        raise UsageError("name one or more bead ids, then the label: bd label add ID LABEL")
    return args[:-1], split_list([args[-1]])


def label_add(*, args: list[str], json: bool) -> int:
    ids, labels = _ids_then_label(args)
    return _print_changed(_ops().label(find_town(), ids, labels), json, "Labelled")


def label_remove(*, args: list[str], json: bool) -> int:
    ids, labels = _ids_then_label(args)
    return _print_changed(_ops().label(find_town(), ids, labels, remove=True), json, "Unlabelled")


def comments_add(*, bead: str, text: str, json: bool) -> int:
    result = _ops().comment(find_town(), bead, text)
    if json:
        print_json(result)
    else:
        _out(f"Commented on {result['id']}")
    return 0


def search(*, query: str, status: str | None, limit: str, json: bool) -> int:
    with snapshot.load(find_town()) as snap:
        beads = queries.search(snap, query, status=status, limit=whole(limit, "--limit"))
    return _print_beads(beads, json, f"nothing matches {query!r}")


def stats(*, json: bool) -> int:
    with snapshot.load(find_town()) as snap:
        result = queries.stats(snap)
    if json:
        print_json(result)
        return 0
    _out(f"beads: {result['total']} ({result['work']} work)")
    _out(f"ready: {result['ready']}   blocked: {result['blocked']}")
    _out("status: " + ", ".join(f"{_one(k)} {v}" for k, v in result["by_status"].items()))
    _out("type: " + ", ".join(f"{_one(k)} {v}" for k, v in result["by_type"].items()))
    _out("priority: " + ", ".join(f"P{k} {v}" for k, v in result["by_priority"].items()))
    return 0


def import_(*, input: str | None, replace: bool, dry_run: bool, json: bool) -> int:
    if not input:
        raise UsageError("import needs -i FILE (a beads issues.jsonl)")
    from gastown.beads import importing

    steps = importing.import_beads(find_town(), Path(input), replace=replace, dry_run=dry_run)
    counts = importing.counts(steps)
    if json:
        plan = [{"id": s.id, "action": s.action, "fields": list(s.fields)} for s in steps]
        print_json({**counts, "dry_run": True, "beads": plan} if dry_run else counts)
        return 0
    if dry_run:
        for step in steps:
            _out(_step_line(step))
    verb = "would import" if dry_run else "imported"
    _out(f"{verb} {input}: {counts['created']} created, {counts['updated']} updated, "
         f"{counts['unchanged']} unchanged")
    return 0


def _step_line(step: Step) -> str:
    if step.action == "updated":
        return f"update {step.id}: {', '.join(step.fields)}"
    return f"{'create' if step.action == 'created' else 'unchanged'} {step.id}"


def export(*, output: str | None) -> int:
    data = _ops().export_lines(find_town())
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        _write_export(Path(output), data)
        count = data.count(b"\n")
        echo(f"exported {count} beads to {_one(output)}", file=sys.stderr)
    return 0


def _write_export(path: Path, data: bytes) -> None:
    from gastown.beads.store import atomic_write
    from gastown.errors import GastownError

    if path.is_dir():
        raise UsageError(f"-o {path}: is a folder; name a file (e.g. {path / 'issues.jsonl'})")
    if not path.resolve().parent.is_dir():
        raise GastownError(f"-o {path}: folder {path.resolve().parent} does not exist")
    try:
        atomic_write(str(path.resolve()), data)
    except OSError as e:
        raise GastownError(f"-o {path}: cannot write: {e.strerror}") from None


def merge(*, out: str, base: str, left: str, right: str, path: str | None) -> int:
    from gastown.beads.merge import merge_files

    return merge_files(out, base, left, right, path)


def validate(*, files: list[str], json: bool) -> int:
    """Ledger files named (or the town's, if none), checked line by line."""
    from gastown.githooks.validate import files_problems

    if files:
        problems = files_problems([Path(f) for f in files])
    else:
        town = find_town()
        problems = files_problems(sorted(town.beads.glob("*.jsonl")))
    if json:
        print_json(problems)
    for problem in [] if json else problems:
        echo(problem, file=sys.stderr)
    return 1 if problems else 0


_STATUS = Arg("status", ("-s", "--status"), "only this status")
_ASSIGNEE = Arg("assignee", ("-a", "--assignee"), "only this assignee")
_TYPE = Arg("issue_type", ("-t", "--type"), "only this type")
_PRIORITY = Arg("priority", ("-p", "--priority"), "only this priority (0-4)")
IDS = Arg("ids", (), "bead ids", "pos+")
DEFER = Arg("defer_until", ("--defer-until",),
            "not ready before this date (e.g. 2026-05-01 or 2026-05-01T09:00:00Z; '' clears)")

COMMANDS: tuple[Command, ...] = (
    Command("create", "Create a bead", H + "create", (
        Arg("title", (), "the title", "pos"),
        Arg("issue_type", ("-t", "--type"), "task, bug, feature, epic, chore, or a type "
            "town.toml declares ([beads] types)", "str", "task"),
        Arg("priority", ("-p", "--priority"), "0 (urgent) to 4", "str", "2"),
        Arg("description", ("-d", "--description"), "the description"),
        Arg("design", ("--design",), "the design notes"),
        Arg("acceptance", ("--acceptance",), "the acceptance criteria"),
        Arg("assignee", ("-a", "--assignee"), "who does it"),
        Arg("labels", ("-l", "--labels"), "labels (comma-separated or repeated)", "list"),
        Arg("parent", ("--parent",), "make it a child <parent>.<n> of this bead"),
        Arg("deps", ("--deps",), "TYPE:ID,... (blocks, related, discovered-from, ...)", "list"),
        Arg("bead_id", ("--id",), "use this id instead of minting one"),
        DEFER,
        Arg("silent", ("--silent",), "print only the new id", "flag", False),
        JSON)),
    Command("show", "Show beads in full", H + "show", (IDS, JSON)),
    Command("list", "List work beads", H + "list_", (
        _STATUS, _ASSIGNEE, _TYPE, _PRIORITY,
        Arg("labels", ("-l", "--label"), "having all these labels", "list"),
        Arg("limit", ("--limit",), "at most N (0: all)", "str", "50"), JSON)),
    Command("ready", "Work that can start now: open, unblocked, not deferred", H + "ready", (
        Arg("limit", ("--limit",), "at most N (0: all)", "str", "10"),
        _ASSIGNEE, Arg("mine", ("--mine",), "only work assigned to you (BD_ACTOR)", "flag",
                       False), _TYPE, _PRIORITY, JSON)),
    Command("blocked", "Unfinished work that is blocked, and by what", H + "blocked", (JSON,)),
    Command("update", "Change beads", H + "update", (
        IDS,
        Arg("status", ("-s", "--status"), "new status"),
        Arg("title", ("--title",), "new title"),
        Arg("priority", ("-p", "--priority"), "new priority (0-4)"),
        Arg("issue_type", ("-t", "--type"), "new type (task, bug, feature, epic, chore, "
            "or one town.toml declares)"),
        Arg("assignee", ("-a", "--assignee"), "new assignee ('' to clear)"),
        Arg("description", ("-d", "--description"), "new description"),
        Arg("design", ("--design",), "new design notes ('' to clear)"),
        Arg("acceptance", ("--acceptance",), "new acceptance criteria ('' to clear)"),
        Arg("notes", ("--notes",), "replace the notes"),
        Arg("append_notes", ("--append-notes",), "add a line to the notes"),
        DEFER,
        Arg("add_label", ("--add-label",), "add labels", "list"),
        Arg("remove_label", ("--remove-label",), "remove labels", "list"),
        Arg("claim", ("--claim",),
            "take it: assignee = you, in_progress; fails if closed or someone else's",
            "flag", False),
        JSON)),
    Command("close", "Close beads", H + "close", (
        IDS, Arg("reason", ("-r", "--reason"), "why"), JSON)),
    Command("reopen", "Reopen beads", H + "reopen", (IDS, JSON)),
    Command("dep.add", "BEAD depends on DEPENDS_ON", H + "dep_add", (
        Arg("bead", (), "the dependent bead", "pos"),
        Arg("depends_on", (), "what it depends on", "pos"),
        Arg("dep_type", ("-t", "--type"), "blocks, parent-child, related, discovered-from, ...",
            "str", "blocks"), JSON)),
    Command("dep.remove", "Remove a dependency", H + "dep_remove", (
        Arg("bead", (), "the dependent bead", "pos"),
        Arg("depends_on", (), "what it depended on", "pos"), JSON)),
    Command("dep.tree", "What a bead depends on, recursively", H + "dep_tree", (
        Arg("bead", (), "the bead", "pos"), JSON)),
    Command("dep.cycles", "List dependency cycles (exit 1 if any)", H + "dep_cycles", (JSON,)),
    Command("label.add", "Add a label to beads", H + "label_add", (
        Arg("args", (), "bead ids, then the label", "pos+"), JSON)),
    Command("label.remove", "Remove a label from beads", H + "label_remove", (
        Arg("args", (), "bead ids, then the label", "pos+"), JSON)),
    Command("comments.add", "Comment on a bead", H + "comments_add", (
        Arg("bead", (), "the bead", "pos"), Arg("text", (), "the comment", "pos"), JSON)),
    Command("search", "Find beads by text in id, title, description, notes", H + "search", (
        Arg("query", (), "text to find", "pos"), _STATUS,
        Arg("limit", ("--limit",), "at most N (0: all)", "str", "50"), JSON)),
    Command("stats", "Counts by status, type and priority", H + "stats", (JSON,)),
    Command("import", "Import a beads issues.jsonl (ids kept, one commit); a record "
                      "for an existing bead updates only the fields it has", H + "import_", (
        Arg("input", ("-i", "--input"), "the file"),
        Arg("replace", ("--replace",), "a record replaces the whole bead", "flag", False),
        Arg("dry_run", ("--dry-run",), "print what would change; write nothing", "flag",
            False),
        JSON)),
    Command("export", "Export every bead as one issues.jsonl", H + "export", (
        Arg("output", ("-o", "--output"), "the file (default: stdout)"),)),
    Command("merge", "Git merge driver for ledger files (git runs `bd merge %A %O %A %B %P`)",
            H + "merge", (
        Arg("out", (), "where the result goes (git's %A)", "pos"),
        Arg("base", (), "the common ancestor (%O; may be empty)", "pos"),
        Arg("left", (), "ours (%A)", "pos"),
        Arg("right", (), "theirs (%B)", "pos"),
        Arg("path", (), "the file's name in the repository, for messages (%P)", "pos?"))),
    Command("validate", "Check ledger files line by line (file:line: reason; exit 1)",
            H + "validate", (Arg("files", (), "JSONL files (default: the town's)", "pos*"),
                             JSON)),
)
