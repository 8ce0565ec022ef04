"""A session's environment reaches its program, PATH included (tmux itself would give
it the PATH of the process that made the session)."""
from __future__ import annotations

import time
from pathlib import Path

from gastown.agents.tmux import Tmux


def test_a_sessions_path_and_variables_reach_its_program(tmp_path: Path) -> None:
    tmux = Tmux(f"gt-test-env-{tmp_path.name}")
    out = tmp_path / "env.txt"
    try:
        tmux.start("gt-env", cwd=tmp_path, env={"PATH": "/opt/gt-probe:/usr/bin:/bin",
                                                 "GT_AGENT": "rig/x"},
                   command=["sh", "-c", 'echo "$PATH $GT_AGENT" > "$1"; sleep 5', "sh",
                            str(out)])
        deadline = time.monotonic() + 10
        while not (out.exists() and out.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out.read_text().split() == ["/opt/gt-probe:/usr/bin:/bin", "rig/x"]
    finally:
        tmux.kill_server()
