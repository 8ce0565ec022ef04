"""Durations as formulas write them: "30s", "5m", "1h30m", "2d", or integer seconds."""
from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"([0-9]+)\s*([smhd])")
_WHOLE = re.compile(r"\s*(?:[0-9]+\s*[smhd]\s*)+")
_EXPECTED = 'a duration like "30s", "5m", "1h30m", "2d" or whole seconds'


def parse_duration(value: object) -> int:
    """Seconds in `value` (> 0). Raises ValueError whose message is a reason to show."""
    if isinstance(value, bool):
        raise ValueError(f"expected {_EXPECTED}, got {value!r}")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[0-9]+", text):
            seconds = int(text)
        elif _WHOLE.fullmatch(text):
            seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(text))
        else:
            raise ValueError(f"bad duration {value!r}: expected {_EXPECTED}")
    else:
        raise ValueError(f"expected {_EXPECTED}, got {value!r}")
    if seconds <= 0:
        raise ValueError(f"duration must be greater than zero, got {value!r}")
    return seconds
