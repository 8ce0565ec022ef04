"""Numbers given on a command line: refused with the flag named, never a traceback."""
from __future__ import annotations

import math
from typing import Any

from gastown.errors import UsageError


def whole(value: Any, flag: str, least: int = 0) -> int:
    """`value` as an int of at least `least` (counts and limits: 0 and up)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"{flag} wants a whole number, got {value!r}") from None
    if number < least:
        bound = "must not be negative" if least == 0 else f"must be at least {least}"
        raise UsageError(f"{flag} {bound}, got {value!r}")
    return number


def seconds(value: Any, flag: str) -> float:
    """`value` as a finite, non-negative number of seconds."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{flag} wants a number of seconds, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise UsageError(f"{flag} must be a number of seconds, 0 or more, got {value!r}")
    return number
