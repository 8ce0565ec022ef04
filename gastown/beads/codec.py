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
from collections.abc import Callable, Iterator

from gastown.beads import schema
from gastown.errors import LedgerError

TYPE_CHECKING = False  # typing is slow to import and the git hooks import this
if TYPE_CHECKING:
    from typing import Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class Number(float):
    """A JSON number with a fraction or exponent, remembering the text it was read as,
    so a field gastown does not know (`2.50`, `1e2`, `-0.0`) is written back exactly."""

    __slots__ = ("text",)
    text: str


def _finite_float(text: str) -> float:
    value = Number(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")  # json would read Infinity
    value.text = text
    return value


def loads(raw: bytes) -> Any:
    return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)


BULK_BYTES = 64 * 1024
# orjson (3.10+) reads an integer beyond 64 bits as a float, silently dropping digits;
# every such integer has a run of 19 or more digits, so those lines go to json. The
# runs are found in one pass over the whole file: digits mapped to "0", then a plain
# substring search (a regex over every line costs a 10k-bead parse ~30 ms).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19


def _long_number_lines(data: bytes) -> set[int]:
    """Byte offsets of the starts of the lines holding a run of 19+ digits."""
    zeroed = data.translate(_DIGITS_TO_ZERO)
    starts: set[int] = set()
    at = zeroed.find(_LONG_RUN)
    while at >= 0:
        start = data.rfind(b"\n", 0, at) + 1
        starts.add(start)
        end = data.find(b"\n", at)
        if end < 0:
            break
        at = zeroed.find(_LONG_RUN, end)
    return starts


def _decoder(data: bytes) -> Callable[[int, bytes], Any]:
    """`decode(offset, line)` for the lines of `data`: orjson for a big file."""
    if len(data) <= BULK_BYTES:
        return lambda _offset, line: loads(line)
    import orjson

    long_lines = _long_number_lines(data)

    def decode(offset: int, line: bytes) -> Any:
        if offset in long_lines:
            return loads(line)
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            return loads(line)  # raises the same error a single-line read would

    return decode


def _mark_numbers(value: Any, texts: list[str], tag: str) -> Any:
    """`value` with each Number replaced by a unique placeholder string."""
    if isinstance(value, Number):
        texts.append(value.text)
        return f"{tag}{len(texts) - 1}\x00"
    if isinstance(value, dict):
        return {k: _mark_numbers(v, texts, tag) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_numbers(v, texts, tag) for v in value]
    return value


def dumps(bead: dict[str, Any]) -> bytes:
    """The canonical line for a bead, without the newline."""
    return encode(schema.canonical(bead)).encode()


def encode(value: Any, **options: Any) -> str:
    """JSON text of `value`, UTF-8 as is (json.dumps `options` allowed, e.g. indent).

    Numbers read with a fraction or exponent are written as their original text:
    json would re-format them (`2.50` as `2.5`, `1e2` as `100.0`).
    """
    options = {"ensure_ascii": False, "allow_nan": False, "separators": (",", ":"), **options}
    if not _has_number(value):
        return json.dumps(value, **options)
    import os

    texts: list[str] = []
    tag = f"\x00{os.urandom(8).hex()}:"
    line = json.dumps(_mark_numbers(value, texts, tag), **options)
    quoted_tag = json.dumps(tag)[1:-1]
    for i, text in enumerate(texts):
        line = line.replace(f'"{quoted_tag}{i}\\u0000"', text, 1)
    return line


def _has_number(value: Any) -> bool:
    if isinstance(value, Number):
        return True
    if isinstance(value, dict):
        return any(_has_number(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_number(v) for v in value)
    return False


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
    decode = _decoder(data)
    offset = 0
    for number, raw in enumerate(split_lines(data), start=1):
        start = offset
        offset += len(raw) + 1
        line = raw[:-1] if raw.endswith(b"\r") else raw
        bead, reason = read_line(line, lambda text, at=start: decode(at, text))
        if reason:
            if problems is None:
                raise LedgerError(path, number, reason)
            problems.append(LedgerError(path, number, reason))
            continue
        if bead is not None:
            yield number, start, line, bead


# Deeper values decode but then overflow the recursive encoder when written back.
MAX_DEPTH = 100


def _too_deep(line: bytes, value: Any) -> bool:
    if line.count(b"[") + line.count(b"{") <= MAX_DEPTH:
        return False  # brackets inside strings count too: this only rules lines out
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def read_line(line: bytes, decode: Callable[[bytes], Any] = loads
              ) -> tuple[dict[str, Any] | None, str | None]:
    """One ledger line (no line ending): (bead, None), (None, reason) when it is not a
    valid bead, or (None, None) for a blank line."""
    if not line.strip():
        return None, None
    if line.startswith(schema.CONFLICT_MARKERS):
        return None, "git conflict marker: resolve the merge first"
    try:
        bead = decode(line)
    except json.JSONDecodeError as e:
        return None, f"bad JSON at column {e.colno}: {e.msg}"
    except (ValueError, UnicodeDecodeError) as e:
        return None, f"bad JSON: {e}"
    except RecursionError:
        return None, f"bad JSON: nested more than {MAX_DEPTH} levels deep"
    if _too_deep(line, bead):
        return None, f"bad JSON: nested more than {MAX_DEPTH} levels deep"
    reason = schema.check(bead)
    return (None, reason) if reason else (bead, None)
