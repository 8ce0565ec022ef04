"""A Witness cycle over 30 live polecats stays well under a second."""
from __future__ import annotations

import sys
import time

from gastown.agents import identity
from gastown.agents.tmux import Tmux
from gastown.beads import store
from gastown.rigs import config, repo
from gastown.supervision import witness

COUNT = 30


def test_cycle_time_with_30_polecats(town, rig, capsys):
    names = config.NAME_POOL[:COUNT]
    bare = repo.bare_path(town, rig)
    tmux = Tmux.for_town(town)
    with store.transaction(town) as snap:
        put = {}
        for n, name in enumerate(names):
            work = {"id": f"gt-w{n}", "title": f"work {n}", "status": "hooked",
                    "issue_type": "task", "priority": 2, "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z"}
            agent = identity.new_agent(rig, name, "polecat", "shell", "2026-01-01T00:00:00Z",
                                       "tester")
            agent.update(hook=work["id"], agent_state="working")
            put[work["id"]], put[agent["id"]] = work, agent
        store.apply(town, snap, store.Change(put=put), "30 hooked polecats\n")
    for name in names:
        path = town.root / "rigs" / rig / "polecats" / name
        repo.add_worktree(bare, path, f"polecat/{name}/x", "main")
        tmux.start(f"gt-{rig}-{name}", cwd=path, env={},
                   command=[sys.executable, "-c", f"print('{name} at work'); "
                            "import time; time.sleep(600)"])
    time.sleep(0.5)
    timings = []
    for offset in (0, 1, 2):
        started = time.perf_counter()
        done = witness.cycle(town, rig, now=time.time() + offset)
        timings.append(time.perf_counter() - started)
        assert done["actions"] == []
        assert len(done["polecats"]) == COUNT
    assert all(p["health"] == "ok" for p in done["polecats"].values())
    with capsys.disabled():
        print(f"\nwitness cycle, {COUNT} polecats: "
              + ", ".join(f"{t * 1000:.0f} ms" for t in timings))
    assert max(timings[1:]) < 1.0
