from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gastown.town.paths import Town


@pytest.fixture
def write_formula(town: Town) -> Callable[[str, str], Path]:
    """write(name, toml) -> the town formula file `formulas/<name>.formula.toml`."""

    def write(name: str, text: str) -> Path:
        path = town.root / "formulas" / f"{name}.formula.toml"
        path.write_text(f'formula = "{name}"\nversion = 1\n' + text, encoding="utf-8")
        return path

    return write


def ledger(town: Town) -> dict[str, dict]:
    """Every bead of molecules.jsonl, read straight from the file."""
    text = (town.root / "beads" / "molecules.jsonl").read_text()
    return {b["id"]: b for b in (json.loads(line) for line in text.splitlines() if line)}
