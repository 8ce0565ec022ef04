"""`gt doctor`: is this town whole? `--fix` mends what can be mended without loss."""
from __future__ import annotations

from dataclasses import dataclass

from gastown import git
from gastown.errors import GastownError
from gastown.town.paths import Town


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fixed: bool = False


def _merge_driver(town: Town) -> list[str]:
    import shlex
    import shutil

    from gastown.town.install import MERGE_ARGS

    problems = []
    driver = git.git(town.root, "config", "merge.beads.driver", check=False).stdout.decode().strip()
    try:
        words = shlex.split(driver)
    except ValueError:  # an unbalanced quote written by hand
        words = []
    if words[1:] == MERGE_ARGS.split()[:-1]:
        problems.append(f"merge.beads.driver passes no %P (its messages cannot always name "
                        f"the ledger file), not `bd {MERGE_ARGS}`")
    elif words[1:] != MERGE_ARGS.split():
        problems.append(f"merge.beads.driver is {driver or 'unset'}, not `bd {MERGE_ARGS}`")
    elif shutil.which(words[0]) is None:
        problems.append(f"merge.beads.driver runs {words[0]}, which is not installed")
    try:
        attributes = (town.root / ".gitattributes").read_text()
    except FileNotFoundError:
        attributes = ""
    from gastown.town.install import HOOK_ATTRIBUTES, LEDGER_ATTRIBUTES

    if LEDGER_ATTRIBUTES not in attributes.splitlines():
        problems.append(f".gitattributes lacks `{LEDGER_ATTRIBUTES}` (the beads merge driver, "
                        f"and no line-ending conversion of ledger files)")
    if HOOK_ATTRIBUTES not in attributes.splitlines():
        problems.append(f".gitattributes lacks `{HOOK_ATTRIBUTES}` (the hook shims must keep "
                        f"LF endings)")
    return problems


def _ledger(town: Town) -> tuple[list[str], list[str]]:
    from gastown.beads import snapshot

    try:
        with snapshot.load(town, warn=False) as snap:
            return [], snap.warnings
    except GastownError as e:
        return [str(e)], []


def _renamed(town: Town) -> list[str]:
    from gastown.beads import renames, snapshot

    try:
        with snapshot.load(town, warn=False) as snap:
            return [str(s) for s in renames.find(town, renames.ledger_beads(snap))]
    except GastownError:
        return []  # the ledger check reports an unreadable ledger


def mend_renamed(town: Town) -> None:
    """Point stale references at the beads a merge renamed: one commit."""
    from gastown.beads import actor, renames, store

    with store.transaction(town) as snap:
        beads = renames.ledger_beads(snap)
        stale = renames.find(town, beads)
        put = renames.mended(stale, beads)
        if put:
            shown = " ".join(sorted(put))
            store.apply(town, snap, store.Change(put=put),
                        f"gt doctor: point {shown} at renamed beads"[:200]
                        + f"\n\nActor: {actor.actor()}\n")


def _cursor(town: Town) -> list[str]:
    from gastown.githooks.reactor import read_cursor

    cursor = read_cursor(town)
    if cursor is None:
        return ["the reactor cursor (.gastown/cursor) is missing"]
    if git.git(town.root, "cat-file", "-e", f"{cursor}^{{commit}}", check=False).returncode:
        return [f"the reactor cursor names {cursor[:12]}, which is not a commit here"]
    return []


def _journal(town: Town) -> list[str]:
    from gastown.beads.store import TXN_FILE

    if (town.state / TXN_FILE).exists():
        return ["an interrupted write left .gastown/txn.json (the next write finishes it)"]
    return []


def run(town: Town, *, fix: bool = False) -> list[Check]:
    from gastown.githooks.install import check_shims, install_shims

    checks = []

    def record(name: str, problems: list[str], mend: object = None) -> None:
        fixed = False
        if problems and fix and mend is not None:
            mend()  # type: ignore[operator]
            fixed = True
        checks.append(Check(name, not problems, "; ".join(problems) or "ok", fixed))

    def mend_hooks() -> None:
        install_shims(town.root)

    def mend_merge() -> None:
        from gastown.town.install import (
            GITATTRIBUTES,
            HOOK_ATTRIBUTES,
            LEDGER_ATTRIBUTES,
            _configure_git,
        )

        _configure_git(town.root)
        path = town.root / ".gitattributes"
        lines = path.read_text().splitlines() if path.exists() else []
        if LEDGER_ATTRIBUTES not in lines or HOOK_ATTRIBUTES not in lines:
            ours = ("beads/*.jsonl ", "githooks/* ", "# Ledger files merge", "# The git hook shims")
            kept = [ln for ln in lines if not ln.startswith(ours)]
            text = "".join(f"{ln}\n" for ln in kept)
            path.write_text(text + GITATTRIBUTES)

    def mend_cursor() -> None:
        from gastown.githooks.reactor import head, write_cursor

        tip = head(town)
        if tip:
            write_cursor(town, tip)

    def mend_journal() -> None:
        from gastown.beads.store import recover, write_lock

        with write_lock(town):
            recover(town)

    record("hooks", check_shims(town.root), mend_hooks)
    record("merge driver", _merge_driver(town), mend_merge)
    errors, warnings = _ledger(town)
    record("ledger", errors)
    checks.append(Check("ledger links", not warnings, "; ".join(warnings[:10]) or "ok"))
    record("renamed ids", _renamed(town), lambda: mend_renamed(town))
    record("reactor cursor", _cursor(town), mend_cursor)
    record("write journal", _journal(town), mend_journal)
    return checks
