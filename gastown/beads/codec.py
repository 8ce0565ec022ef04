"""One bead per line: decode a ledger file with line numbers, encode canonical lines.

The standard json module reads single lines and writes every line: it imports in
1 ms where orjson takes 12 ms, and a hot command decodes only the few beads it
prints. Whole files (an index rebuild, a pre-commit check) are parsed with orjson,
twice as fast per line, falling back to json for what orjson refuses but JSON allows
(integers beyond 64 bits), so both paths accept exactly the same lines. NaN and
Infinity are not JSON and are refused either way.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from gastown.beads import schema
from gastown.errors import LedgerError


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")  # json would read Infinity
    return value


def loads(raw: bytes) -> Any:
    return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)


def _bulk_loader() -> Callable[[bytes], Any]:
    import orjson

    def bulk_loads(raw: bytes) -> Any:
        if _LONG_DIGITS.search(raw) is not None:
            return loads(raw)  # orjson would read an integer beyond 64 bits as a float
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return loads(raw)  # raises the same error a single-line read would

    return bulk_loads


BULK_BYTES = 64 * 1024
# orjson (3.10+) reads an integer beyond 64 bits as a float, silently dropping digits;
# every such integer has a run of 19 or more digits, so those lines go to json.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def dumps(bead: dict[str, Any]) -> bytes:
    """The canonical line for a bead, without the newline."""
    return json.dumps(schema.canonical(bead), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode()


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
    decode = _bulk_loader() if len(data) > BULK_BYTES else loads
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
                bead = decode(line)
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
