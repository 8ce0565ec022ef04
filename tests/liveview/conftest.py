"""The sling test's rig (a shell formula, real tmux server on the town's socket)."""
from __future__ import annotations

from tests.work.conftest import create, ledger, rig, wait_for  # noqa: F401

__all__ = ["create", "ledger", "wait_for"]
