"""Synthetic ledgers for the benchmarks: a town of N beads, and the same data in taskwarrior.

The beads look like a real town's work ledger, in size and in shape:

* ~660 bytes a line on average: a title, a paragraph of description, labels, an
  assignee on claimed work, RFC 3339 stamps (created, updated, closed);
* ids minted like `ids.mint` (`<prefix>-<base36>`, the length `ids.length_for(N)`),
  children of epics as `<epic>.<n>` with a `parent-child` dependency;
* about a quarter of the beads `blocks`-depend on one to three earlier beads;
* created_at spread over two years; old beads are mostly closed, new ones mostly open;
  priorities skewed to P2, types mostly task/bug/feature.

Everything is drawn from one seeded `random.Random`, so a given (N, seed) is always
the same ledger. Written canonically (`codec.dumps`), sorted by id, one commit.

Run directly to make a town you can poke at:

    .venv/bin/python bench/synth.py 10000 /tmp/town10k [--taskwarrior /tmp/tw10k]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gastown.beads import codec, ids  # noqa: E402

Bead = dict[str, Any]

SEED = 20240601
PREFIX = "gt"
# The newest bead is created at NOW - 1 day; the oldest two years before that.
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
SPAN = timedelta(days=730)

_WORDS = """
agent bead branch build cache check claim clone commit config convoy crash daemon
deploy diff docs error event feed fetch file fix flake formula git hook import index
install ledger limit lock log mail merge message metric molecule notify parser patch
path polecat prefix queue rebase refinery release remote retry rig runtime schema
script session shell signal snapshot spec stale state status step sync test timeout
tmux token trace tree update upgrade wisp worker worktree write
""".split()
_VERBS = """
add avoid batch cache check clean debug document drop fix handle harden improve
measure merge migrate move port profile rebuild reduce refactor remove rename repair
retry rewrite speed split support test tidy track validate verify
""".split()
_FILLER = """
the a an of to in for on with when after before while because so that this it we
is are was be should could must not only also then than but or and if each every
some all any one two three first last new old current previous next same other
""".split()
LABELS = """
backend frontend cli ledger git merge perf docs tests ci flaky security ux infra
refinery polecat mail convoy formula hooks tmux index api windows macos linux
good-first-issue needs-design needs-review regression p0-incident tech-debt
""".split()
PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
          "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil",
          "gastown/polecats/nux", "gastown/polecats/toast", "gastown/crew/max",
          "gastown/refinery", "mayor"]
KINDS = ["task"] * 40 + ["bug"] * 25 + ["feature"] * 17 + ["chore"] * 10 + ["epic"] * 8
PRIORITY_WEIGHTS = [(0, 4), (1, 16), (2, 50), (3, 22), (4, 8)]
CLOSE_REASONS = ["done", "fixed in main", "duplicate", "won't fix", "merged by the refinery",
                 "obsolete after the rewrite", "cannot reproduce"]


def stamp(moment: datetime) -> str:
    """The ledger's timestamp format (see `gastown.beads.actor.now`)."""
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def tw_date(moment: datetime) -> str:
    """Taskwarrior's JSON date format."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_VERBS)]
    for _ in range(rng.randint(7, 16)):
        words.append(rng.choice(_WORDS) if rng.random() < 0.55 else rng.choice(_FILLER))
    if rng.random() < 0.25:
        words.append(f"`{rng.choice(_WORDS)}.py:{rng.randint(10, 900)}`")
    return " ".join(words).capitalize() + "."


def _title(rng: random.Random) -> str:
    n = rng.randint(3, 8)
    words = [rng.choice(_VERBS).capitalize()] + [
        rng.choice(_WORDS) if rng.random() < 0.7 else rng.choice(_FILLER) for _ in range(n)]
    return " ".join(words)


def _description(rng: random.Random, target: int) -> str:
    out: list[str] = []
    size = 0
    while size < target:
        s = _sentence(rng)
        out.append(s)
        size += len(s) + 1
        if rng.random() < 0.15:
            out.append("\n\n")
    return " ".join(out).replace(" \n\n ", "\n\n").strip()


def _mint(rng: random.Random, taken: set[str], length: int) -> str:
    while True:
        digest = hashlib.sha256(rng.randbytes(16)).digest()
        candidate = f"{PREFIX}-{ids.base36(digest)[:length]}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _dep(bead_id: str, target: str, kind: str, when: datetime, who: str) -> dict[str, Any]:
    return {"issue_id": bead_id, "depends_on_id": target, "type": kind,
            "created_at": stamp(when), "created_by": who}


def generate(n: int, seed: int = SEED) -> list[Bead]:
    """N beads in creation order (the ledger sorts them by id when written)."""
    rng = random.Random(seed)
    length = ids.length_for(n)
    taken: set[str] = set()
    beads: list[Bead] = []
    epics: list[int] = []          # indexes of epics, to hang children on
    children: dict[str, int] = {}  # epic id -> children minted so far
    start = NOW - timedelta(days=1) - SPAN
    step = SPAN / n
    for i in range(n):
        age = 1.0 - i / n  # 1 = oldest
        when = start + step * i + timedelta(seconds=rng.uniform(0, step.total_seconds()))
        who = rng.choice(PEOPLE)
        kind = rng.choice(KINDS)
        parent = None
        if kind != "epic" and epics and rng.random() < 0.3:
            # Mostly recent epics: work hangs under what is being planned now.
            parent_index = epics[max(0, len(epics) - 1 - int(rng.expovariate(1 / 6)))]
            parent = beads[parent_index]["id"]
            children[parent] = children.get(parent, 0) + 1
            bead_id = f"{parent}.{children[parent]}"
            taken.add(bead_id)
        else:
            bead_id = _mint(rng, taken, length)
        roll = rng.random()
        closed_odds = 0.10 + 0.75 * age
        if roll < closed_odds:
            status = "closed"
        else:
            rest = rng.random()
            status = ("open" if rest < 0.70 else "in_progress" if rest < 0.84
                      else "blocked" if rest < 0.90 else "deferred" if rest < 0.97
                      else "tombstone")
        priority = rng.choices([p for p, _ in PRIORITY_WEIGHTS],
                               [w for _, w in PRIORITY_WEIGHTS])[0]
        bead: Bead = {
            "id": bead_id,
            "title": _title(rng),
            "description": _description(rng, int(rng.triangular(60, 400, 160))),
            "status": status,
            "priority": priority,
            "issue_type": kind,
        }
        if status in ("in_progress", "closed") or rng.random() < 0.2:
            bead["assignee"] = rng.choice(PEOPLE)
        if rng.random() < 0.8:
            bead["labels"] = sorted(set(rng.choices(LABELS, k=rng.randint(1, 3))))
        deps = []
        if parent is not None:
            deps.append(_dep(bead_id, parent, "parent-child", when, who))
        if i > 10 and (rng.random() < 0.25 or status == "blocked"):
            for _ in range(rng.choices([1, 2, 3], [70, 22, 8])[0]):
                # Blockers are earlier beads (no cycles), mostly recent ones.
                j = max(0, i - 1 - int(rng.expovariate(1 / 150)))
                target = beads[j]["id"]
                if target != parent and all(d["depends_on_id"] != target for d in deps):
                    deps.append(_dep(bead_id, target, "blocks", when, who))
        if rng.random() < 0.03 and i > 0:
            target = beads[rng.randrange(i)]["id"]
            if all(d["depends_on_id"] != target for d in deps):
                deps.append(_dep(bead_id, target, "related", when, who))
        if deps:
            bead["dependencies"] = deps
        updated = when + timedelta(seconds=rng.expovariate(1 / 86400))
        bead["created_at"] = stamp(when)
        bead["created_by"] = who
        bead["updated_at"] = stamp(updated)
        if status in ("closed", "tombstone"):
            bead["closed_at"] = stamp(updated)
            if rng.random() < 0.6:
                bead["close_reason"] = rng.choice(CLOSE_REASONS)
        if status == "deferred" or (status == "open" and rng.random() < 0.02):
            # Mostly in the future (hidden from ready), some already past.
            bead["defer_until"] = stamp(NOW + timedelta(days=rng.uniform(-30, 400)))
        beads.append(bead)
        if kind == "epic":
            epics.append(i)
    return beads


def ledger_bytes(beads: list[Bead]) -> bytes:
    """The work.jsonl a writer would produce: canonical lines sorted by id."""
    lines = sorted((b["id"], codec.dumps(b)) for b in beads)
    return b"".join(line + b"\n" for _, line in lines)


def bench_env(home: Path) -> dict[str, str]:
    """An environment that reads no personal git config and names a fixed actor."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text("[init]\n\tdefaultBranch = main\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "GT_", "BD_", "TASK"))}
    env.update({
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "BD_ACTOR": "bench",
        "LC_ALL": "C.UTF-8",
    })
    return env


@dataclass
class TownInfo:
    root: Path
    beads: int
    ledger_bytes: int
    mean_line: float
    install_s: float
    commit_s: float


def make_town(directory: Path, beads: list[Bead], env: dict[str, str]) -> TownInfo:
    """Install a fresh town at `directory` and commit `beads` as its work.jsonl."""
    from gastown.town.install import install

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # install() runs git with os.environ
    try:
        t0 = time.perf_counter()
        town = install(directory, name=directory.name, prefix=PREFIX).town
        t1 = time.perf_counter()
        data = ledger_bytes(beads)
        path = town.ledger_file("work")
        path.write_bytes(data)
        git = ["git", "-C", str(town.root)]
        subprocess.run([*git, "add", "--", "beads/work.jsonl"], check=True, env=env)
        subprocess.run([*git, "commit", "-q", "--no-verify", "-m",
                        f"bench: {len(beads)} synthetic beads", "--", "beads/work.jsonl"],
                       check=True, env={**env, "GT_WRITER": "1"})
        t2 = time.perf_counter()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    lines = data.count(b"\n")
    return TownInfo(town.root, lines, len(data), len(data) / max(lines, 1) - 1, t1 - t0, t2 - t1)


# --- taskwarrior ----------------------------------------------------------------------

TW_PRIORITY = {0: "H", 1: "H", 2: "M", 3: "L"}  # P4: no priority
TASKRC = """\
# bench: a private taskwarrior, quiet and non-interactive
data.location={data}
confirmation=off
verbose=nothing
hooks=off
color=off
detection=off
defaultwidth=160
dependency.confirmation=off
recurrence.confirmation=no
news.version=2.6.2
"""


def task_uuid(bead_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "bead:" + bead_id))


def to_task(bead: Bead) -> dict[str, Any]:
    """The bead as a taskwarrior task: title -> description, description -> annotation,
    labels -> tags, blocks -> depends, the epic -> project, closed -> completed,
    tombstone -> deleted, deferred -> waiting (if in the future)."""
    created = datetime.fromisoformat(bead["created_at"].replace("Z", "+00:00"))
    task: dict[str, Any] = {
        "uuid": task_uuid(bead["id"]),
        "description": bead["title"],
        "entry": tw_date(created),
        "modified": tw_date(datetime.fromisoformat(bead["updated_at"].replace("Z", "+00:00"))),
        "status": "pending",
    }
    status = bead["status"]
    if status in ("closed", "tombstone"):
        task["status"] = "completed" if status == "closed" else "deleted"
        task["end"] = tw_date(datetime.fromisoformat(bead["closed_at"].replace("Z", "+00:00")))
    if status == "in_progress":
        task["start"] = task["modified"]
    if bead.get("defer_until"):
        until = datetime.fromisoformat(bead["defer_until"].replace("Z", "+00:00"))
        if task["status"] == "pending" and until > datetime.now(timezone.utc):
            task["status"] = "waiting"
            task["wait"] = tw_date(until)
    if bead["priority"] in TW_PRIORITY:
        task["priority"] = TW_PRIORITY[bead["priority"]]
    if bead.get("labels"):
        task["tags"] = list(bead["labels"])
    if bead.get("assignee"):
        task["assignee"] = bead["assignee"]  # a UDA-less attribute: kept as orphan
    blockers = []
    for dep in bead.get("dependencies") or ():
        if dep["type"] == "blocks":
            blockers.append(task_uuid(dep["depends_on_id"]))
        elif dep["type"] == "parent-child":
            task["project"] = dep["depends_on_id"].replace(".", "_")
    if blockers:
        task["depends"] = ",".join(blockers)
    if bead.get("description"):
        task["annotations"] = [{"entry": task["entry"], "description": bead["description"]}]
    return task


@dataclass
class TaskwarriorInfo:
    root: Path
    env: dict[str, str]
    tasks: int
    pending_bytes: int
    completed_bytes: int
    import_s: float


def make_taskwarrior(directory: Path, beads: list[Bead], env: dict[str, str]
                     ) -> TaskwarriorInfo:
    """A private taskwarrior (TASKRC/TASKDATA in `directory`) holding the same beads."""
    data = directory / "data"
    data.mkdir(parents=True, exist_ok=True)
    rc = directory / "taskrc"
    rc.write_text(TASKRC.format(data=data))
    tw_env = {**env, "TASKRC": str(rc), "TASKDATA": str(data)}
    tasks = [to_task(b) for b in beads]
    source = directory / "import.json"
    source.write_text(json.dumps(tasks))
    t0 = time.perf_counter()
    # `task import` files completed and deleted tasks in completed.data itself, so the
    # first report finds nothing for gc to move (and gc stays on, as in real use).
    subprocess.run(["task", "import", str(source)], check=True, env=tw_env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    source.unlink()
    pending = data / "pending.data"
    completed = data / "completed.data"
    return TaskwarriorInfo(directory, tw_env, len(tasks), pending.stat().st_size,
                           completed.stat().st_size if completed.exists() else 0, elapsed)


def task_version() -> str | None:
    try:
        proc = subprocess.run(["task", "--version"], capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return proc.stdout.strip() or None


def describe(beads: list[Bead]) -> dict[str, Any]:
    """Shape of a generated ledger, for the results file."""
    from collections import Counter

    deps = Counter(d["type"] for b in beads for d in b.get("dependencies") or ())
    return {
        "statuses": dict(Counter(b["status"] for b in beads)),
        "types": dict(Counter(b["issue_type"] for b in beads)),
        "priorities": {str(k): v for k, v in sorted(Counter(b["priority"] for b in beads).items())},
        "dependencies": dict(deps),
        "with_blockers": sum(any(d["type"] == "blocks" for d in b.get("dependencies") or ())
                             for b in beads),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("town", type=Path)
    parser.add_argument("--taskwarrior", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    beads = generate(args.n, args.seed)
    env = bench_env(args.town.parent / f".{args.town.name}-home")
    info = make_town(args.town.resolve(), beads, env)
    print(f"town {info.root}: {info.beads} beads, {info.ledger_bytes} bytes "
          f"({info.mean_line:.0f} bytes/line)")
    print(json.dumps(describe(beads), indent=1))
    if args.taskwarrior:
        tw = make_taskwarrior(args.taskwarrior.resolve(), beads, env)
        print(f"taskwarrior {tw.root}: {tw.tasks} tasks; TASKRC={tw.env['TASKRC']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
