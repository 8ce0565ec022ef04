"""Supervision tests: a town with the `demo` rig (tests/work), short timings in
town.toml, and the town's tmux server and daemon stopped after each test."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from gastown.agents.tmux import Tmux
from gastown.town.paths import Town
from tests.conftest import git_out
from tests.work.conftest import rig  # noqa: F401 - the fixture, shared

FAST = {"witness_interval": 0.5, "deacon_interval": 0.5, "boot_interval": 0.5,
        "daemon_interval": 0.5, "up_grace": 1.0}


def configure(town: Town, **values: float) -> None:
    """Commit a [supervision] table in town.toml with these settings."""
    path = town.root / "town.toml"
    text = path.read_text().split("\n[supervision]\n")[0].rstrip("\n")
    lines = [f"{k} = {v}" for k, v in values.items()]
    path.write_text(text + "\n\n[supervision]\n" + "\n".join(lines) + "\n")
    git_out(town.root, "add", "town.toml")
    git_out(town.root, "commit", "-qm", "supervision settings")


@pytest.fixture(autouse=True)
def supervised(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test with a town: its daemon stopped and its tmux server killed (the
    pure tests get no town at all)."""
    if "town" not in request.fixturenames:
        yield
        return
    town = request.getfixturevalue("town")
    yield
    from gastown.supervision import daemon

    daemon.stop(town)
    Tmux.for_town(town).kill_server()
