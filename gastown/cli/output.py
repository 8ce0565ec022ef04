"""Printing results: one way to write JSON for every command."""
from __future__ import annotations

import json
import sys
from typing import Any


def print_json(value: Any) -> None:
    """Pretty JSON on stdout (UTF-8 as is, not escaped)."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def json_line(value: Any) -> str:
    """One compact JSON object per line (for streams such as `gt feed --json`)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
