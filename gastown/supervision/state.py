"""Small JSON state files under .gastown/ (witness observations, restart histories),
written whole to a temp file and renamed in, so a reader never sees half of one."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gastown.beads.store import atomic_write


def read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        return {}  # torn or foreign: start afresh, it is only a cache of observations
    return data if isinstance(data, dict) else {}


def write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(str(path), json.dumps(data, indent=1, sort_keys=True).encode() + b"\n")
