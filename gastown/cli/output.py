"""Printing results: one way to write JSON for every command."""
from __future__ import annotations

import sys
from typing import Any


def print_json(value: Any) -> None:
    """Pretty JSON on stdout (UTF-8 as is, not escaped)."""
    from gastown.beads.codec import encode

    sys.stdout.write(encode(value, indent=2, separators=(",", ": "), default=str) + "\n")


def json_line(value: Any) -> str:
    """One compact JSON object per line (for streams such as `gt feed --json`)."""
    from gastown.beads.codec import encode

    return encode(value, default=str)


def shown(text: str, *, lines: bool = False) -> str:
    """Text safe for a terminal: control characters and escapes made visible
    (`lines`: newlines kept as line breaks)."""
    if lines:
        return "\n".join(shown(line) for line in text.split("\n"))
    return "".join(ch if ch.isprintable() or ch == "\t" else ch.encode("unicode_escape").decode()
                   for ch in text)
