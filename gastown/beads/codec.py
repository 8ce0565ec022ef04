"""One bead per line: decode a ledger file with line numbers, encode canonical lines.

orjson when it parses (it is 2x faster than json on ledgers); json as the fallback for
what orjson refuses but JSON allows (integers beyond 64 bits), so such values survive.
NaN and Infinity are not JSON and are refused either way.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

from gastown.beads import schema
from gastown.errors import LedgerError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as first:
        try:
            return json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError):
            raise first from None


def dumps(bead: dict[str, Any]) -> bytes:
    """The canonical line for a bead, without the newline."""
    ordered = schema.canonical(bead)
    try:
        return orjson.dumps(ordered)
    except TypeError:
        # Integers beyond 64 bits: json writes them exactly.
        return json.dumps(ordered, ensure_ascii=False, separators=(",", ":")).encode()


def split_lines(data: bytes) -> list[bytes]:
    """Lines split on LF only: U+2028 and friends are legal inside JSON strings."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def iter_beads(path: str, data: bytes, problems: list[LedgerError] | None = None
               ) -> Iterator[tuple[int, int, bytes, dict[str, Any]]]:
    """Yield (line number, byte offset, raw line, bead) for each bead of a ledger file.

    Raises LedgerError naming `path:line` at the first line that is not a valid bead,
    or, given a `problems` list, appends each such error there and goes on.
    Blank lines are allowed and skipped (a person's editor may leave one).
    """
    offset = 0
    for number, raw in enumerate(split_lines(data), start=1):
        start = offset
        offset += len(raw) + 1
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line.strip():
            continue
        reason = None
        if line.startswith(schema.CONFLICT_MARKERS):
            reason = "git conflict marker: resolve the merge first"
        else:
            try:
                bead = loads(line)
            except json.JSONDecodeError as e:
                reason = f"bad JSON at column {e.colno}: {e.msg}"
            except (ValueError, UnicodeDecodeError) as e:
                reason = f"bad JSON: {e}"
            else:
                reason = schema.check(bead)
        if reason:
            if problems is None:
                raise LedgerError(path, number, reason)
            problems.append(LedgerError(path, number, reason))
            continue
        yield number, start, line, bead
