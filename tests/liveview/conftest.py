"""The sling test's rig (a shell formula, real tmux server on the town's socket), and
the steps its sessions started reaped after each test (they run in their own process
groups, which killing the tmux server leaves running)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.work.conftest import create, ledger, rig, wait_for  # noqa: F401

__all__ = ["create", "ledger", "wait_for"]


@pytest.fixture(autouse=True)
def reap_steps(request: pytest.FixtureRequest) -> Iterator[None]:
    if "town" not in request.fixturenames:
        yield
        return
    from gastown.molecules.runtime import PID_DIR, reap_stale

    town = request.getfixturevalue("town")
    yield
    folder = town.state / PID_DIR
    for mol in folder.iterdir() if folder.is_dir() else ():
        reap_stale(town, mol.name)
