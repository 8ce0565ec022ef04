"""Which sessions end when their work is handed in (the pure decision)."""
from __future__ import annotations

from gastown.agents.retire import due

POLECAT = {"role": "polecat", "hook": None}


def test_a_model_clients_polecat_session_ends_after_gt_done() -> None:
    assert due(POLECAT, "prompt", running=True)
    assert due(POLECAT, "hook", running=True)


def test_sessions_that_stay() -> None:
    assert not due(POLECAT, "self", running=True)  # the shell runtime exits by itself
    assert not due(POLECAT, "prompt", running=False)  # nothing to stop
    assert not due({**POLECAT, "hook": "gt-a1"}, "prompt", running=True)  # new work came
    assert not due({**POLECAT, "role": "crew"}, "prompt", running=True)  # a person's
    assert not due({"role": "mayor", "hook": None}, "hook", running=True)
