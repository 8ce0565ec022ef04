"""`make demo`: a town, a few beads, and a molecule run end to end by the shell runtime.

    python -m gastown.demo [DEMO_DIR]        (default ./demo-town)

1. installs a town at DEMO_DIR (a previous demo town there is replaced; anything
   else there is left alone and the demo stops);
2. imports the sample ledger `beads/sample-issues.jsonl` from the repository;
3. pours the built-in `demo` formula onto the feature bead, working in
   DEMO_DIR/rigs/demo/scratch (git-ignored by the town);
4. runs it with the shell runtime: real commands write a small Python project, test
   it, and commit it to its own git repository, every closed step a checkpoint commit
   in the town;
5. prints the molecule's status, what it made, and the town's feed.

Needs only git and python3.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from gastown.errors import GastownError, error_handler

MARKER = ".gastown/demo-town"
WORK_BEAD = "gt-d3m0.1"
SAMPLE = Path(__file__).resolve().parent.parent / "beads" / "sample-issues.jsonl"


def prepare(target: Path) -> None:
    """Make room for the demo town at `target`, or refuse politely."""
    from gastown.town.paths import is_town

    if not target.exists():
        return
    if not target.is_dir():
        raise GastownError(f"{target} exists and is not a folder; pick another DEMO_DIR")
    if not any(target.iterdir()):
        return
    if is_town(target) and (target / MARKER).is_file():
        shutil.rmtree(target)
        return
    what = "a gastown town the demo did not make" if is_town(target) else "not empty"
    raise GastownError(f"{target} is {what}; the demo will not touch it. "
                       f"Pick another folder: make demo DEMO_DIR=/tmp/demo-town")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "demo-town").expanduser().absolute()
    os.environ["GT_REACT"] = "inline"  # reactions run as we write: the feed is complete
    os.environ.setdefault("BD_ACTOR", "demo")
    os.environ.pop("GT_TOWN", None)

    from rich.console import Console
    from rich.table import Table

    from gastown.beads import importing
    from gastown.molecules import ops, runtime
    from gastown.town import feed
    from gastown.town.install import install

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    prepare(target)
    town = install(target, name="demo-town", prefix="gt").town
    (town.root / MARKER).write_text("created by `python -m gastown.demo`; safe to delete\n")
    console.print(f"[bold]1. Town[/] installed at {town.root}")

    counts = importing.counts(importing.import_beads(town, SAMPLE))
    console.print(f"[bold]2. Ledger[/]: imported {counts['created']} beads from "
                  f"{SAMPLE.name} (one commit)")

    scratch = town.root / "rigs" / "demo" / "scratch"
    mol = ops.pour(town, "demo", var=["project=hello"], on=WORK_BEAD, work_dir=str(scratch))
    console.print(f"[bold]3. Poured[/] formula [cyan]demo[/] onto {WORK_BEAD} as molecule "
                  f"[cyan]{mol.id}[/]: {len(mol.steps)} steps, working in {scratch}")

    console.print(f"[bold]4. Running[/] it with the shell runtime (gt mol run {mol.id}):")
    result = runtime.run(town, mol.id, report=lambda text: console.print(f"   {text}",
                                                                          markup=False))

    info = ops.status(ops.load(town, mol.id))
    table = Table(title=f"molecule {mol.id} ({info['formula']}): {info['state']}",
                  title_justify="left")
    for column in ("step", "id", "state", "exit", "time", "tries", "log"):
        table.add_column(column)
    for s in info["steps"]:
        colour = {"done": "green", "failed": "red"}.get(s["state"], "yellow")
        table.add_row(s["step_id"], s["id"], f"[{colour}]{s['state']}[/]",
                      "" if s.get("exit_code") is None else str(s["exit_code"]),
                      "" if s.get("duration_ms") is None else f"{s['duration_ms'] / 1000:.2f}s",
                      str(s.get("attempts", "")), s.get("log", ""))
    console.print()
    console.print(table)

    project = scratch / "hello"
    if project.is_dir():
        files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*")
                       if p.is_file() and ".git" not in p.parts)
        console.print(f"\n[bold]What the steps made[/] in {project}:")
        console.print("   " + "  ".join(files), markup=False)
        if (project / "greetings" / "alice.txt").is_file():
            console.print("   greetings/alice.txt: "
                          + (project / "greetings" / "alice.txt").read_text().strip(),
                          markup=False)
        console.print("   its git log: " + _git(project, "log", "--oneline"), markup=False)

    log = _git(town.root, "log", "--format=%h %s")
    console.print("\n[bold]Town commits[/] (one per checkpoint; newest first):")
    for line in log.splitlines()[:14]:
        console.print(f"   {line}", markup=False)

    events = feed.read(town)
    # Each step close also makes `updated`, `status_changed` and `closed` events: show
    # the ones that tell the story; `gt feed` in the town has every one.
    story = [e for e in events if e["type"] not in ("updated", "closed")
             or (e["type"] == "closed" and e.get("issue_type") != "step")]
    grid = Table(title=f"Feed: {len(story)} of {len(events)} events (`gt feed` shows all)",
                 title_justify="left")
    for column in ("time", "actor", "event", "bead", "detail"):
        grid.add_column(column, overflow="fold")
    for e in story:
        detail = e.get("title", "")
        if e["type"] == "status_changed":
            detail = f"{e.get('from')} -> {e.get('to')}  {detail}"
        grid.add_row(e["ts"][11:19], e.get("actor", "?"), e["type"], e["bead"], detail)
    console.print()
    console.print(grid)

    console.print(f"\n[bold]Try[/]: cd {town.root} && gt mol status {mol.id} && gt feed -n 20")
    if result.exit_code != 0:
        console.print(f"[red]the molecule did not finish: {result.state}[/]")
    return result.exit_code


if __name__ == "__main__":
    with error_handler("gastown.demo"):
        raise SystemExit(main())
