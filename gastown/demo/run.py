"""The demo's steps, on the shell runtime or on a real client."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gastown.demo import clients
from gastown.demo.town import (
    EXAMPLE,
    MARKER,
    RIG,
    add_rig,
    make_upstream,
    prepare,
    report,
    stop_everything,
    watch,
)
from gastown.errors import GastownError

RUNTIMES = ("shell", "claude", "codex")  # the real clients the demo's scripts are proven on


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gastown.demo")
    parser.add_argument("dir", nargs="?", default="demo-town", metavar="DEMO_DIR")
    parser.add_argument("--runtime", default="shell", choices=RUNTIMES,
                        help="shell (no model), or a real client driven by a scripted model")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    target = Path(args.dir).expanduser().absolute()
    _environment()
    if not clients.inside():
        prepare(target)
        if args.runtime != "shell":
            return clients.relaunch(target, args.runtime)
    return _demo(target, args.runtime)


def _environment() -> None:
    os.environ["GT_REACT"] = "inline"  # reactions run as we write: the feed is complete
    os.environ["GT_REFINERY_AUTOSTART"] = "1"  # queued merge requests wake the Refinery
    os.environ.setdefault("BD_ACTOR", "overseer")
    os.environ.pop("GT_TOWN", None)
    bin_dir = os.path.dirname(sys.executable)
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    if not shutil.which("tmux"):
        raise GastownError("the demo needs tmux (`make setup` installs it)")


def _demo(target: Path, runtime: str) -> int:
    from rich.console import Console

    from gastown.town.install import install

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)

    def say(text: str) -> None:
        console.print(text, markup=False)

    town = install(target, name="demo-town", prefix="gt").town
    (town.root / MARKER).write_text("created by `python -m gastown.demo`; safe to delete\n")
    console.print(f"[bold]1. Town[/] installed at {town.root}")
    landed, convoy = False, ""
    bead_ids = sorted(json.loads(line)["id"] for line in
                      (EXAMPLE / "beads.jsonl").read_text().splitlines() if line)
    try:
        upstream = make_upstream(town)
        real = runtime != "shell"
        add_rig(town, upstream, **({"runtime": runtime, "max_polecats": clients.MAX_POLECATS}
                                   if real else {}))
        console.print(f"[bold]2. Rig[/] {RIG}: textkit at {upstream}, gates tests and docs, "
                      f"formula example-work, polecats on {runtime}")
        with _work(town, runtime, bead_ids, say) as convoy:
            console.print(f"   one convoy: [cyan]{convoy}[/]")
            console.print("[bold]4. Polecats working, the Refinery merging[/] "
                          "(each line is a bead changing):")
            landed = watch(town, bead_ids, convoy, say)
        report(town, console, upstream, convoy, landed)
    finally:
        stop_everything(town.root)
    console.print("\n[bold]Stopped[/] every session and the Refinery; the town stays for a "
                  f"look: cd {town.root} && gt convoy status {convoy} && gt mq list --all "
                  "&& gt feed -n 40")
    return 0 if landed else 1


@contextlib.contextmanager
def _work(town: Any, runtime: str, bead_ids: list[str], say: Callable[[str], None]
          ) -> Iterator[str]:
    """File the beads and sling them as one convoy; yields the convoy's id. On the shell
    runtime the demo does it; on a real client the Mayor does, told by mail."""
    if runtime == "shell":
        from gastown.agents.sling import sling
        from gastown.beads import importing

        counts = importing.counts(importing.import_beads(town, EXAMPLE / "beads.jsonl"))
        say(f"3. Work: {counts['created']} beads, each a change to textkit")
        result = sling(town, bead_ids, RIG)
        for s in result.slung:
            say(f"   {s.bead:<9} -> {s.agent:<16} session {s.session}, branch {s.branch}")
        yield str(result.convoy)
        return
    from gastown.agents.tmux import socket_name

    beads = town.state / "demo" / "beads.jsonl"
    beads.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE / "beads.jsonl", beads)
    script = clients.scripts(runtime, Path(town.rel(beads)), bead_ids, RIG)
    with clients.model_server(town, script) as url:
        os.environ["GT_MODEL_URL"] = url
        session = clients.start_mayor(town, runtime, RIG, Path(town.rel(beads)))
        say(f"3. Work: the Mayor ({runtime}, session {session}) is told by mail to implement "
            f"{len(bead_ids)} changes to textkit; watch it: "
            f"tmux -L {socket_name(town)} attach -t {session}")
        convoy = clients.wait_for_convoy(town, bead_ids)
        say(f"   the Mayor filed {len(bead_ids)} beads and slung them")
        yield convoy
