"""Printing results: one way to write JSON for every command."""
from __future__ import annotations

import sys
from typing import Any, TextIO


def print_json(value: Any) -> None:
    """Pretty JSON on stdout (UTF-8 as is, not escaped)."""
    from gastown.beads.codec import encode

    sys.stdout.write(encode(value, indent=2, separators=(",", ": "), default=str) + "\n")


def json_line(value: Any) -> str:
    """One compact JSON object per line (for streams such as `gt feed --json`)."""
    from gastown.beads.codec import encode

    return encode(value, default=str)


# Characters a terminal acts on instead of showing: C0 and C1 controls (ESC starts
# ANSI sequences), DEL, line and paragraph separators, bidirectional overrides.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_pattern: dict[bool, Any] = {}


def _escape(match: Any) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: Any, *, multiline: bool = False) -> str:
    """`text` safe for a terminal: control characters shown as escapes (`\\x1b`).

    `multiline` keeps newlines and tabs (descriptions, notes); otherwise they are
    escaped too, so a title stays on its line.
    """
    if multiline not in _pattern:
        import re

        extra = "" if multiline else "\t\n"
        _pattern[multiline] = re.compile(f"[{_CONTROLS}{extra}]")
    return str(_pattern[multiline].sub(_escape, str(text)))


def echo(text: str = "", *, file: TextIO | None = None) -> None:
    """Write one piece of human (non-JSON) output; every such write goes through here."""
    (file or sys.stdout).write(printable(text, multiline=True) + "\n")
