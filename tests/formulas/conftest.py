from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_formula(tmp_path: Path) -> Callable[..., Path]:
    """write(name, text, folder=tmp_path) -> path; `name` without suffix gets .formula.toml."""

    def _write(name: str, text: str, folder: Path | None = None) -> Path:
        directory = folder or tmp_path
        directory.mkdir(parents=True, exist_ok=True)
        filename = name if name.endswith(".toml") else f"{name}.formula.toml"
        path = directory / filename
        path.write_text(text, encoding="utf-8")
        return path

    return _write
