"""The demo town: the example project as a rig, its beads, the convoy watched until it
lands, the outcome reported (shared by the shell-runtime and the real-client demo)."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from gastown.errors import GastownError

MARKER = ".gastown/demo-town"
RIG = "example"
EXAMPLE = Path(__file__).resolve().parents[2] / "rigs" / RIG
TIMEOUT = 240.0  # seconds for the convoy to land


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
        stop_everything(target)
        shutil.rmtree(target)
        return
    what = "a gastown town the demo did not make" if is_town(target) else "not empty"
    raise GastownError(f"{target} is {what}; the demo will not touch it. "
                       f"Pick another folder: make demo DEMO_DIR=/tmp/demo-town")


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise GastownError(f"git {' '.join(args)} in {cwd}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def make_upstream(town: Any) -> Path:
    """textkit as a bare repository (the rig's remote) under .gastown/demo/."""
    upstream = town.state / "demo" / "textkit.git"
    with tempfile.TemporaryDirectory(prefix="gt-demo-") as tmp:
        work = Path(tmp) / "textkit"
        shutil.copytree(EXAMPLE / "project", work,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        _git(work, "init", "-q", "-b", "main")
        _git(work, "add", "-A")
        _git(work, "-c", "user.name=demo", "-c", "user.email=demo@example.invalid",
             "commit", "-q", "-m", "textkit: count_words, tests and a docs check")
        upstream.parent.mkdir(parents=True, exist_ok=True)
        _git(upstream.parent, "clone", "-q", "--bare", str(work), upstream.name)
    return upstream


def add_rig(town: Any, upstream: Path, **keys: object) -> None:
    """`gt rig add`, then the example's settings (gates, formula; `keys` replace or add
    rig.toml keys) and formula, committed."""
    from gastown.rigs import ops

    ops.add(town, RIG, str(upstream), prefix="ex")
    rig_dir = town.root / "rigs" / RIG
    lines = (EXAMPLE / "rig.toml").read_text().replace(
        'url = "(set by make demo)"', f"url = {json.dumps(str(upstream))}").splitlines()
    lines = [ln for ln in lines if ln.split(" = ")[0] not in keys]
    table = next((i for i, ln in enumerate(lines) if ln.startswith("[")), len(lines))
    lines[table:table] = [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    (rig_dir / "rig.toml").write_text("\n".join(lines) + "\n")
    shutil.copytree(EXAMPLE / "formulas", rig_dir / "formulas", dirs_exist_ok=True)
    _git(town.root, "add", "--", f"rigs/{RIG}")
    _git(town.root, "commit", "-q", "-m", f"demo: the {RIG} rig's gates and formula")


def states(town: Any, bead_ids: list[str]) -> dict[str, str]:
    """Each bead's progress as the Overseer sees it."""
    from gastown.beads import snapshot
    from gastown.refinery import requests, rework

    with snapshot.load(town, warn=False) as snap:
        mq = requests.mrs(snap)
        work = {b: snap.get(b) or {} for b in bead_ids}
        reworks = {b: rework.open_reworks(snap, b) for b in bead_ids}
    out = {}
    for bid, bead in work.items():
        open_mr = [m for m in mq if m.get("source_issue") == bid and m.get("status") == "open"]
        blocked = [m for m in mq if m.get("source_issue") == bid and m.get("status") == "blocked"]
        if bead.get("status") == "closed":
            out[bid] = f"merged ({bead.get('close_reason', '')})"
        elif reworks[bid]:
            r = reworks[bid][0]
            out[bid] = f"rework {r['id']} [{r.get('status')}]: {r.get('title', '')}"
        elif open_mr:
            out[bid] = f"queued as {open_mr[0]['id']}"
        elif blocked:
            out[bid] = f"blocked ({blocked[0]['id']})"
        else:
            out[bid] = bead.get("status", "?") + (f" by {bead['assignee']}"
                                                  if bead.get("assignee") else "")
    return out


def _convoy_state(town: Any, convoy_id: str) -> dict[str, Any]:
    from gastown.beads import snapshot

    with snapshot.load(town, warn=False) as snap:
        return dict(snap.get(convoy_id) or {})


def watch(town: Any, bead_ids: list[str], convoy_id: str, say: Any) -> bool:
    """Print each change of each bead until the convoy lands; whether it did."""
    seen: dict[str, str] = {}
    started = time.monotonic()
    while time.monotonic() - started < TIMEOUT:
        now = states(town, bead_ids)
        for bid in bead_ids:
            if now[bid] != seen.get(bid):
                say(f"   {time.monotonic() - started:6.1f}s  {bid:<9} {now[bid]}")
        seen = now
        if _convoy_state(town, convoy_id).get("status") == "closed":
            return True
        time.sleep(0.5)
    return False


def stop_everything(root: Path) -> None:
    from gastown.agents.tmux import Tmux
    from gastown.refinery import process
    from gastown.town.paths import Town

    town = Town(root)
    try:
        process.stop(town, RIG, timeout=10)
    except GastownError:
        pass
    Tmux.for_town(town).kill_server()


def report(town: Any, console: Any, upstream: Path, convoy_id: str, landed: bool) -> None:
    from rich.table import Table

    from gastown.town import feed

    convoy = _convoy_state(town, convoy_id)
    if landed:
        console.print(f"\n[bold green]5. Convoy {convoy_id} landed[/] at {convoy.get('landed_at')}")
    else:
        console.print(f"\n[bold red]5. Convoy {convoy_id} did not land in {TIMEOUT:.0f}s[/]")
    console.print("\n[bold]main of textkit now[/] (newest first):")
    for line in _git(upstream, "log", "--oneline", "--first-parent", "main").splitlines()[:12]:
        console.print(f"   {line}", markup=False)
    story = [e for e in feed.read(town) if e["type"] in (
        "merge_started", "merged", "rejected", "bisect", "convoy_landed", "mq_queued")]
    grid = Table(title=f"The Refinery's feed ({len(story)} events; `gt feed` shows all)",
                 title_justify="left")
    for column in ("time", "event", "bead", "detail"):
        grid.add_column(column, overflow="fold")
    for e in story[-30:]:
        detail = e.get("reason") or e.get("source_issue") or e.get("title", "")
        grid.add_row(e["ts"][11:19], e["type"], e["bead"], str(detail))
    console.print()
    console.print(grid)

